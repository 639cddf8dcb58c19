import { isId } from './ids.js';
import { isStorableInstant } from './period.js';
import { invalidField } from './problems.js';

/**
 * Opaque keyset cursors: the sort key of the last item returned, as base64url JSON. Keyset (not
 * offset) pagination stays correct while rows are inserted and deleted between pages.
 *
 * A cursor is accepted only if it is exactly what this service would issue for its key: anything
 * else (other base64, other JSON spelling, other shape, an id PostgreSQL's integer cannot hold, an
 * instant outside what fleet stores) is a 400, never a value handed to SQL. They are not signed:
 * a well-formed cursor a client made up only moves where a page starts in a list the same client
 * may read in full anyway.
 */

const FIELD = 'querystring.cursor';
const invalidCursor = () => invalidField(FIELD, 'is not a cursor this service issued');

const encode = (key: readonly unknown[]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

function decodeKey(text: string): unknown[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  // Re-encoding catches what Buffer and JSON.parse forgive: padding, stray characters, `1.0`, spaces.
  if (!Array.isArray(key) || encode(key) !== text) throw invalidCursor();
  return key;
}

/** Issued instants are `toISOString()` of a stored bound, so only that spelling is one. */
function issuedInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return isStorableInstant(date) && date.toISOString() === value ? date : undefined;
}

/** Lists ordered by id: the cursor is `[id]`. */
export const encodeIdCursor = (row: { id: number }) => encode([row.id]);

export function decodeIdCursor(text: string): number {
  const key = decodeKey(text);
  const [id] = key;
  if (key.length !== 1 || !isId(id)) throw invalidCursor();
  return id;
}

/** Allocation lists ordered by (start, id): the cursor is `[start, id]`. */
export const encodeStartCursor = (row: { start: Date; id: number }) =>
  encode([row.start.toISOString(), row.id]);

export function decodeStartCursor(text: string): { start: Date; id: number } {
  const key = decodeKey(text);
  const [startText, id] = key;
  const start = issuedInstant(startText);
  if (key.length !== 2 || start === undefined || !isId(id)) throw invalidCursor();
  return { start, id };
}
