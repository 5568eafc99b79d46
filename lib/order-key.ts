// Fractional order keys: strings over [0-9a-z] compared byte-wise, read as base-36 fractions
// (0.k1k2k3…). A key between any two keys always exists, so two people inserting slides at once
// never renumber the others; keys grow by about one character per repeated insert at one spot.
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;

function digit(key: string, index: number, fallback: number): number {
  if (index >= key.length) return fallback;
  const value = DIGITS.indexOf(key[index]!);
  if (value < 0) throw new Error(`order key "${key}" has a character outside [0-9a-z]`);
  return value;
}

/** A key strictly between `before` and `after` (null = open end). Requires before < after. */
export function keyBetween(before: string | null, after: string | null): string {
  if (before !== null && after !== null && before >= after) throw new Error(`order keys out of order: "${before}" >= "${after}"`);
  let result = '';
  for (let i = 0; ; i++) {
    const low = before === null ? 0 : digit(before, i, 0);
    // Past the end of `after` (or without one) the upper bound is open: one beyond the last digit.
    const high = after === null ? BASE : digit(after, i, BASE);
    if (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      // Never end a key in "0": "a0" would equal "a" as a fraction and leave no room below it.
      return result + DIGITS[mid === 0 ? 1 : mid];
    }
    result += DIGITS[low];
    // Once below `after`'s prefix, the upper bound for the rest is open.
    if (high - low === 1) after = null;
  }
}

/** `count` ascending keys after `before` (for a whole document at once: evenly spaced, short). */
export function keysAfter(before: string | null, count: number): string[] {
  if (before === null && count > 0) {
    // Fixed width, spread over the whole range, so later inserts anywhere have room.
    const width = Math.ceil(Math.log(count + 1) / Math.log(BASE)) + 1;
    const span = BASE ** width;
    return Array.from({ length: count }, (_, i) => {
      let value = Math.floor(((i + 1) * span) / (count + 1));
      let key = '';
      for (let d = 0; d < width; d++) {
        key = DIGITS[value % BASE] + key;
        value = Math.floor(value / BASE);
      }
      return key.replace(/0+$/, '') || DIGITS[1]!;
    });
  }
  const keys: string[] = [];
  let previous = before;
  for (let i = 0; i < count; i++) {
    previous = keyBetween(previous, null);
    keys.push(previous);
  }
  return keys;
}
