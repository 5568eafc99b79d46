import { addCollector, counter, gauge, histogram, renderMetrics } from './metrics.js';

it('counts by label set and renders the Prometheus text format, escaping label values', async () => {
  const c = counter('test_things_total', 'Things');
  c.inc({ kind: 'a' });
  c.inc({ kind: 'a' }, 2);
  c.inc({ kind: 'b"x' });
  expect(c.get({ kind: 'a' })).toBe(3);
  expect(c.sum()).toBe(4);
  const text = await renderMetrics();
  expect(text).toContain('# TYPE test_things_total counter');
  expect(text).toContain('test_things_total{kind="a"} 3');
  expect(text).toContain('test_things_total{kind="b\\"x"} 1');
  expect(counter('test_things_total', 'again')).toBe(c);
});

it('renders histograms as cumulative buckets with sum and count', async () => {
  const h = histogram('test_wait_seconds', 'Waits', [0.1, 1]);
  h.observe({ op: 'x' }, 0.05);
  h.observe({ op: 'x' }, 0.5);
  h.observe({ op: 'x' }, 5);
  const text = await renderMetrics();
  expect(text).toContain('test_wait_seconds_bucket{op="x",le="0.1"} 1');
  expect(text).toContain('test_wait_seconds_bucket{op="x",le="1"} 2');
  expect(text).toContain('test_wait_seconds_bucket{op="x",le="+Inf"} 3');
  expect(text).toContain('test_wait_seconds_sum{op="x"} 5.55');
  expect(text).toContain('test_wait_seconds_count{op="x"} 3');
});

it('runs collectors at scrape time, and a failing collector does not fail the scrape', async () => {
  const g = gauge('test_depth', 'Depth');
  let depth = 1;
  const removeGood = addCollector(() => g.set({ queue: 'q' }, depth));
  const removeBad = addCollector(() => Promise.reject(new Error('redis down')));
  expect(await renderMetrics()).toContain('test_depth{queue="q"} 1');
  depth = 7;
  const text = await renderMetrics();
  expect(text).toContain('test_depth{queue="q"} 7');
  expect(text).toMatch(/pptist_metrics_collector_errors_total 2/);
  expect(text).toMatch(/process_memory_bytes\{kind="rss"\} \d+/);
  removeGood();
  removeBad();
});
