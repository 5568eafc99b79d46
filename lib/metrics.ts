// A small Prometheus-format registry: counters, gauges and histograms, one registry per process,
// rendered at /metrics on the process's internal ops port (lib/ops-server.ts). Names follow
// Prometheus conventions; labels are bounded sets (route templates, operation names, codes),
// never raw user input. Gauges that are cheaper to read than to track (queue depth, memory) are
// read by collectors when scraped.
import { monitorEventLoopDelay } from 'node:perf_hooks';

type Labels = Record<string, string>;

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const renderLabels = (labels: Labels, extra?: [string, string]) => {
  const entries = Object.entries(labels);
  if (extra) entries.push(extra);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : '';
};

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected header(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
  }

  abstract render(): string;
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  /** The sum over every label set that includes `labels`. */
  sum(labels: Labels = {}): number {
    let total = 0;
    for (const entry of this.values.values()) if (Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) total += entry.value;
    return total;
  }

  render(): string {
    return [...this.header(), ...[...this.values.values()].map(({ labels, value }) => `${this.name}${renderLabels(labels)} ${value}`)].join('\n');
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }

  set(labels: Labels, value: number): void {
    this.values.set(keyOf(labels), { labels, value });
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string {
    return [...this.header(), ...[...this.values.values()].map(({ labels, value }) => `${this.name}${renderLabels(labels)} ${value}`)].join('\n');
  }
}

/** Latency buckets in seconds: 5 ms to a minute (model calls and jobs run long). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram extends Metric {
  private readonly values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    private readonly buckets: number[] = DURATION_BUCKETS,
  ) {
    super(name, help, 'histogram');
  }

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.values.set(key, entry);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  /** Starts a timer; calling the result observes the seconds elapsed. */
  startTimer(labels: Labels = {}): (more?: Labels) => number {
    const started = performance.now();
    return (more = {}) => {
      const seconds = (performance.now() - started) / 1000;
      this.observe({ ...labels, ...more }, seconds);
      return seconds;
    };
  }

  count(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.count ?? 0;
  }

  render(): string {
    const lines = this.header();
    for (const { labels, counts, sum, count } of this.values.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${renderLabels(labels, ['le', String(bound)])} ${counts[i]}`));
      lines.push(`${this.name}_bucket${renderLabels(labels, ['le', '+Inf'])} ${count}`);
      lines.push(`${this.name}_sum${renderLabels(labels)} ${sum}`);
      lines.push(`${this.name}_count${renderLabels(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

const metrics = new Map<string, Metric>();
const collectors = new Set<() => Promise<void> | void>();

function register<T extends Metric>(name: string, make: () => T): T {
  const existing = metrics.get(name);
  if (existing) return existing as T;
  const created = make();
  metrics.set(name, created);
  return created;
}

/** The process-wide metric of this name (created on first use). */
export function counter(name: string, help: string): Counter {
  return register(name, () => new Counter(name, help));
}

export function gauge(name: string, help: string): Gauge {
  return register(name, () => new Gauge(name, help));
}

export function histogram(name: string, help: string, buckets?: number[]): Histogram {
  return register(name, () => new Histogram(name, help, buckets));
}

/** Runs before each scrape (e.g. reads queue depths); returns the function that removes it. */
export function addCollector(collect: () => Promise<void> | void): () => void {
  collectors.add(collect);
  return () => collectors.delete(collect);
}

export async function renderMetrics(): Promise<string> {
  // A collector that fails (Redis down) leaves its gauges at their last values rather than failing the scrape.
  await Promise.all([...collectors].map(async (collect) => {
    try {
      await collect();
    } catch {
      scrapeErrors.inc();
    }
  }));
  return `${[...metrics.values()].map((m) => m.render()).join('\n\n')}\n`;
}

/** Every refused request, by where and why: rate limits, query limits, auth. */
export const rejections = counter('pptist_rejections_total', 'Requests refused, by layer and reason');
const scrapeErrors = counter('pptist_metrics_collector_errors_total', 'Collectors that failed during a scrape');

// ---- the process itself

const memory = gauge('process_memory_bytes', 'Process memory by kind (rss, heap_used, heap_total, external)');
const loopDelay = gauge('nodejs_eventloop_delay_seconds', 'Event-loop delay since the previous scrape, by quantile (p50, p99, max)');
const uptime = gauge('process_uptime_seconds', 'Seconds since the process started');
let loopMonitor: ReturnType<typeof monitorEventLoopDelay> | null = null;

addCollector(() => {
  const usage = process.memoryUsage();
  memory.set({ kind: 'rss' }, usage.rss);
  memory.set({ kind: 'heap_used' }, usage.heapUsed);
  memory.set({ kind: 'heap_total' }, usage.heapTotal);
  memory.set({ kind: 'external' }, usage.external);
  uptime.set({}, process.uptime());
  if (!loopMonitor) {
    loopMonitor = monitorEventLoopDelay({ resolution: 10 });
    loopMonitor.enable();
    return;
  }
  loopDelay.set({ quantile: 'p50' }, loopMonitor.percentile(50) / 1e9);
  loopDelay.set({ quantile: 'p99' }, loopMonitor.percentile(99) / 1e9);
  loopDelay.set({ quantile: 'max' }, loopMonitor.max / 1e9);
  loopMonitor.reset();
});
