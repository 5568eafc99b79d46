// Label values that come from outside the code (operation names, error codes, model names) are
// bounded here, so a client sending a new operation name per request cannot grow /metrics without
// end: the first `limit` distinct values a process sees keep their own series, later ones are
// "other", and anything that is not a plain identifier is "invalid".

export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly pattern: RegExp,
    private readonly missing = 'none',
  ) {}

  of(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return this.missing;
    if (!this.pattern.test(value)) return 'invalid';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** A GraphQL name (the spec's Name production), at most 100 characters. */
export const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
/** An `extensions.code` as this platform spells them (UPPER_SNAKE). */
export const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** `2xx`, `4xx`, … */
export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;
