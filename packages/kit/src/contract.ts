/**
 * The shapes every service shares at its boundary, written once: the list envelope and its
 * opaque cursors, the problem document with its field errors, and the field-path convention.
 * Services compose their schemas from these; the OpenAPI documents (and the web app's client,
 * generated from them) therefore describe one envelope and one error shape everywhere.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { HttpProblem } from './problem.js';

/** Where an input came from, as OpenAPI names parameter locations: `query.limit`, `body.name`. */
export type FieldPart = 'body' | 'query' | 'path' | 'header';

export function fieldPath(part: FieldPart, ...segments: Array<string | number>): string {
  return [part, ...segments].join('.');
}

export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'Where: `body.name`, `query.limit`, `path.id`, `header.x`' }),
    message: Type.String({ description: 'What is wrong with it, in words' }),
  },
  { additionalProperties: false },
);
export type FieldError = Static<typeof FieldErrorSchema>;

/** RFC 9457 problem+json, with `errors` naming each bad field; other members are extensions. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
    retryAfter: Type.Optional(
      Type.Integer({ description: 'Seconds to wait before retrying (429, 503); also the Retry-After header' }),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

/** A 400 naming one field, as validation failures name them. */
export function invalidField(field: string, message: string): HttpProblem {
  return new HttpProblem(400, `${field} ${message}`, { errors: [{ field, message }] });
}

/** The one list envelope: a page of items, and the cursor of the next page (null on the last). */
export function Page<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` for the next page; null on the last page',
      }),
    },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );
}

/** `limit` and `cursor`, to spread into a list route's querystring schema. */
export function pageQuery({ defaultLimit = 50, maxLimit = 200 }: { defaultLimit?: number; maxLimit?: number } = {}) {
  return {
    limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit, description: 'Items per page' }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: '`nextCursor` of the previous page' }),
    ),
  };
}

/**
 * Opaque cursors: the position a list stopped at, as base64url JSON of `shape`. A cursor is
 * accepted only if it is exactly one this codec could have issued (it decodes, matches the shape,
 * and encodes back to the same text), so a forged or corrupted one is a 400 naming
 * `query.cursor`, never a query with odd values.
 */
export function cursorCodec<T extends TSchema>(shape: T, field = fieldPath('query', 'cursor')) {
  const refuse = () => invalidField(field, 'is not a cursor this list issued: start again from the first page');
  const encode = (position: Static<T>): string => Buffer.from(JSON.stringify(position)).toString('base64url');
  return {
    encode,
    decode(cursor: string | undefined): Static<T> | undefined {
      if (cursor === undefined) return undefined;
      let position: unknown;
      try {
        position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw refuse();
      }
      if (!Value.Check(shape, position) || encode(position as Static<T>) !== cursor) throw refuse();
      return position as Static<T>;
    },
  };
}

/** A page of a list read `limit + 1` rows deep: the extra row only says another page exists. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  item: (row: Row) => Item,
  nextPosition: (last: Row) => string,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(item), nextCursor: rows.length > limit && last !== undefined ? nextPosition(last) : null };
}
