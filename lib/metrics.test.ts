import { counter, renderMetrics } from './metrics.js';

it('counts by label set and renders the Prometheus text format', () => {
  const c = counter('test_things_total', 'Things');
  c.inc({ kind: 'a' });
  c.inc({ kind: 'a' }, 2);
  c.inc({ kind: 'b"x' });
  expect(c.get({ kind: 'a' })).toBe(3);
  const text = renderMetrics();
  expect(text).toContain('# TYPE test_things_total counter');
  expect(text).toContain('test_things_total{kind="a"} 3');
  expect(text).toContain('test_things_total{kind="b_x"} 1');
  expect(counter('test_things_total', 'again')).toBe(c);
});
