import { keyBetween, keysAfter } from './order-key.js';

describe('fractional order keys', () => {
  it('finds a key between any two', () => {
    expect(keyBetween(null, null)).toBe('i');
    const a = keyBetween(null, null);
    const b = keyBetween(a, null);
    const mid = keyBetween(a, b);
    expect(a < mid && mid < b).toBe(true);
  });

  it('keeps inserting at the same spot without collisions (concurrent inserts get distinct keys when ordered by id)', () => {
    let low = 'a';
    const high = 'b';
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = keyBetween(low, high);
      expect(key > low && key < high).toBe(true);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      low = key;
    }
    let high2 = 'b';
    for (let i = 0; i < 200; i++) {
      const key = keyBetween('a', high2);
      expect(key > 'a' && key < high2).toBe(true);
      high2 = key;
    }
  });

  it('works between adjacent and prefix keys, and with migrated keys', () => {
    for (const [a, b] of [['a', 'a1'], ['a0000001', 'a0000002'], ['az', 'b'], ['a', 'a01']] as const) {
      const key = keyBetween(a, b);
      expect(key > a && key < b).toBe(true);
    }
    expect(() => keyBetween('b', 'a')).toThrow();
  });

  it('generates ascending keys in bulk', () => {
    for (const count of [1, 2, 35, 36, 100, 500]) {
      const keys = keysAfter(null, count);
      expect([...keys].sort()).toEqual(keys);
      expect(new Set(keys).size).toBe(count);
      expect(Math.max(...keys.map((k) => k.length))).toBeLessThanOrEqual(4);
    }
    const more = keysAfter('m', 10);
    expect(more[0]! > 'm').toBe(true);
    expect([...more].sort()).toEqual(more);
  });
});
