import { cursorCodec, Type, toPage } from '@flotilla/kit';

/** What a list route asks for: kit's `limit` and `cursor`. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** The users service's lists are in id order (keyset): the cursor is the last id shown. */
const idCursor = cursorCodec(
  Type.Object(
    { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
    { additionalProperties: false },
  ),
);

/** The id a page starts after (0: the first page); 400 `query.cursor` for a cursor not issued here. */
export const afterIdOf = (page: PageRequest): number => idCursor.decode(page.cursor)?.id ?? 0;

/** A page from rows read `limit + 1` deep after `afterIdOf(page)`, in id order. */
export function idPage<Row extends { id: string }, Item>(
  rows: Row[],
  page: PageRequest,
  item: (row: Row) => Item,
) {
  return toPage(rows, page.limit, item, (last) => idCursor.encode({ id: Number(last.id) }));
}
