import { cursorCodec, Type } from '@flotilla/kit';
import { MAX_ID } from './ids.js';
import { isStorableInstant } from './period.js';

/**
 * Opaque keyset cursors: the sort key of the last item returned (kit's cursorCodec, base64url
 * JSON). Keyset (not offset) pagination stays correct while rows are inserted and deleted
 * between pages.
 *
 * A cursor is accepted only if it is exactly what this service would issue for its list: anything
 * else (other base64, other JSON spelling, other shape, an id PostgreSQL's integer cannot hold, an
 * instant outside what fleet stores) is a 400 naming `query.cursor`, never a value handed to SQL.
 * They are not signed: a well-formed cursor a client made up only moves where a page starts in a
 * list the same client may read in full anyway.
 */

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });

/** Issued instants are `toISOString()` of a stored bound, so only that spelling is one. */
const IssuedInstant = Type.Refine(Type.String(), (text: string) => {
  const date = new Date(text);
  return isStorableInstant(date) && date.toISOString() === text;
});

/** Lists ordered by id: the cursor is `[id]`. */
const idCursor = cursorCodec(Type.Tuple([Id]));

export const encodeIdCursor = (row: { id: number }) => idCursor.encode([row.id]);

/** The id a list continues after: 0 (the start) without a cursor. */
export const afterIdOf = (cursor: string | undefined): number => idCursor.decode(cursor)?.[0] ?? 0;

/** Allocation lists ordered by (start, id): the cursor is `[start, id]`. */
const startCursor = cursorCodec(Type.Tuple([IssuedInstant, Id]));

export const encodeStartCursor = (row: { start: Date; id: number }) =>
  startCursor.encode([row.start.toISOString(), row.id]);

export function afterStartOf(cursor: string | undefined): { start: Date; id: number } | undefined {
  const position = startCursor.decode(cursor);
  return position && { start: new Date(position[0]), id: position[1] };
}
