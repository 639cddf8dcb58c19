/**
 * What PostgreSQL cannot store: U+0000, and UTF-16 halves without their pair. jsonb refuses both
 * (SQLSTATE 22P05, a 500 if it got that far); text refuses NUL and would store a lone half as
 * U+FFFD. kit already refuses NUL in every request, but files imported by the CLI do not pass
 * through kit, so both are checked here, where values are about to be stored.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (text: string) => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);

export const UNSTORABLE_MESSAGE =
  'contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored';

/** The path (`body.resultSets.0.rowSet.3.1`) of a string or key that cannot be stored, if any. */
export function unstorablePath(value: unknown, path: string): string | undefined {
  // Iterative: an imported file may nest deeper than the stack would like.
  const stack: Array<[string, unknown]> = [[path, value]];
  while (stack.length > 0) {
    const [at, current] = stack.pop() as [string, unknown];
    if (typeof current === 'string') {
      if (unstorable(current)) return at;
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (unstorable(key)) return `${at}.${key}`;
        stack.push([`${at}.${key}`, child]);
      }
    }
  }
  return undefined;
}
