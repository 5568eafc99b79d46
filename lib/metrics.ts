// A small Prometheus-format metrics registry (counters only for now): each process exposes its own
// at /metrics. Names follow Prometheus conventions; labels are bounded sets (never user input).
type Labels = Record<string, string>;

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.values.get(JSON.stringify(Object.entries(labels).sort()))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) {
      const rendered = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
      lines.push(`${this.name}${rendered ? `{${rendered}}` : ''} ${value}`);
    }
    return lines.join('\n');
  }
}

const counters = new Map<string, Counter>();

/** The process-wide counter of this name (created on first use). */
export function counter(name: string, help: string): Counter {
  let existing = counters.get(name);
  if (!existing) {
    existing = new Counter(name, help);
    counters.set(name, existing);
  }
  return existing;
}

export function renderMetrics(): string {
  return `${[...counters.values()].map((c) => c.render()).join('\n\n')}\n`;
}

/** Every refused request, by where and why: rate limits, query limits, auth. */
export const rejections = counter('pptist_rejections_total', 'Requests refused, by layer and reason');
