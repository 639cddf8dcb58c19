import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

export interface NewTranslation {
  textDe: string;
  textEn: string;
  engine: string;
  chars: number;
  ms: number;
  ownerId: number | undefined;
  owner: string | undefined;
}

export interface StoredTranslation {
  id: number;
  text_de: string;
  text_en: string;
  engine: string;
  chars: number;
  ms: number;
  userId: number | null;
  owner: string | null;
  createdAt: string;
}

/** A list item: the texts are cut to a preview; `findTranslation` has them whole. */
export interface TranslationSummary extends StoredTranslation {
  truncated: boolean;
}

// bigint columns arrive as strings from node-postgres; ids stay far below 2^53.
const columns = [
  sql<number>`id::float8`.as('id'),
  'engine',
  'chars',
  'ms',
  sql<number | null>`owner_id::float8`.as('userId'),
  'owner',
  sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('createdAt'),
] as const;

export async function insertTranslation(db: Kysely<DB>, row: NewTranslation): Promise<number> {
  const inserted = await db
    .insertInto('translations')
    .values({
      text_de: row.textDe,
      text_en: row.textEn,
      engine: row.engine,
      chars: row.chars,
      ms: row.ms,
      owner_id: row.ownerId === undefined ? null : String(row.ownerId),
      owner: row.owner ?? null,
    })
    .returning(sql<number>`id::float8`.as('id'))
    .executeTakeFirstOrThrow();
  return inserted.id;
}

export async function findTranslation(db: Kysely<DB>, id: number): Promise<StoredTranslation | undefined> {
  return db
    .selectFrom('translations')
    .select([...columns, 'text_de', 'text_en'])
    .where('id', '=', String(id))
    .executeTakeFirst();
}

export interface ListQuery {
  /** Full-text search over both texts (web-search syntax: words, "phrases", -excluded, or). */
  q: string | undefined;
  /** Only ids below this one: where the previous page stopped. */
  beforeId: number | undefined;
  limit: number;
  /** Texts are cut to this many characters. */
  previewChars: number;
}

/** Newest first, one row more than `limit`: the extra row only says another page follows. */
export async function listTranslations(db: Kysely<DB>, query: ListQuery): Promise<TranslationSummary[]> {
  const preview = query.previewChars;
  let select = db
    .selectFrom('translations')
    .select([
      ...columns,
      sql<string>`left(text_de, ${preview})`.as('text_de'),
      sql<string>`left(text_en, ${preview})`.as('text_en'),
      // left() reads only the start of a long (TOASTed) text, length() all of it: a page of 1 MB
      // texts took ~0.4 s of the service's only PGlite connection.
      sql<boolean>`(length(left(text_de, ${preview + 1})) > ${preview}
                or length(left(text_en, ${preview + 1})) > ${preview})`.as('truncated'),
    ])
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.q !== undefined) {
    select = select.where(sql<boolean>`search @@ websearch_to_tsquery('simple', ${query.q})`);
  }
  if (query.beforeId !== undefined) select = select.where('id', '<', String(query.beforeId));
  return select.execute();
}

/** The owner of a translation, or undefined when there is no such translation. */
export async function translationOwner(
  db: Kysely<DB>,
  id: number,
): Promise<{ ownerId: number | null } | undefined> {
  const row = await db
    .selectFrom('translations')
    .select(sql<number | null>`owner_id::float8`.as('ownerId'))
    .where('id', '=', String(id))
    .executeTakeFirst();
  return row;
}

export async function deleteTranslation(db: Kysely<DB>, id: number): Promise<boolean> {
  const result = await db.deleteFrom('translations').where('id', '=', String(id)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
