/**
 * The stored translations and who may do what with them:
 * - every viewer reads the whole history (it is shared, as the console's view of it is): lists
 *   and single translations are not filtered by owner;
 * - a translation is deleted by its owner or by an admin, nobody else (routes declare `viewer`,
 *   the minimum; this module checks the rest);
 * - one translation comes with its sentences paired, German with English (`sentence-pairs.ts`).
 */
import { cursorCodec, forbidden, hasRole, notFound, type Role, toPage, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  deleteTranslation as deleteRow,
  findTranslation,
  listTranslations,
  type StoredTranslation,
  type TranslationSummary,
  translationOwner,
} from '../db/translations.js';
import { type SentencePair, sentencePairs } from './sentence-pairs.js';

/** Lists cut both texts to this many characters (code points); one translation has them whole. */
export const PREVIEW_CHARS = 1000;

/** Where a page of the history stopped: the list is newest first, so the next page is below `before`. */
const historyCursor = cursorCodec(
  Type.Object(
    { before: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
    { additionalProperties: false },
  ),
);

export interface HistoryQuery {
  /** Full-text search over both texts (web-search syntax); blank means none. */
  q?: string | undefined;
  /** `nextCursor` of the previous page; a cursor this list did not issue is a 400 `query.cursor`. */
  cursor?: string | undefined;
  limit: number;
}

export async function listHistory(
  db: Kysely<DB>,
  query: HistoryQuery,
): Promise<{ items: TranslationSummary[]; nextCursor: string | null }> {
  const position = historyCursor.decode(query.cursor);
  const search = query.q?.trim();
  const rows = await listTranslations(db, {
    q: search ? search : undefined,
    beforeId: position?.before,
    limit: query.limit,
    previewChars: PREVIEW_CHARS,
  });
  return toPage(
    rows,
    query.limit,
    (row) => row,
    (last) => historyCursor.encode({ before: last.id }),
  );
}

export async function getTranslation(
  db: Kysely<DB>,
  id: number,
): Promise<StoredTranslation & { sentences: SentencePair[] }> {
  const found = await findTranslation(db, id);
  if (!found) throw notFound(`translation ${id} does not exist`);
  return { ...found, sentences: sentencePairs(found.text_de, found.text_en) };
}

/** Who is asking to delete. */
export interface Deleter {
  userId: number;
  roles: readonly Role[];
}

/** The owner or an admin; a translation without a known owner only an admin. */
export function mayDelete(caller: Deleter, ownerId: number | null): boolean {
  return hasRole(caller.roles, 'admin') || (ownerId !== null && ownerId === caller.userId);
}

export async function deleteTranslation(db: Kysely<DB>, id: number, caller: Deleter): Promise<void> {
  const owner = await translationOwner(db, id);
  if (!owner) throw notFound(`translation ${id} does not exist`);
  if (!mayDelete(caller, owner.ownerId)) {
    throw forbidden(`translation ${id} belongs to someone else; only its owner or an admin may delete it`);
  }
  // Gone meanwhile (deleted by another request): as if it had not been there.
  if (!(await deleteRow(db, id))) throw notFound(`translation ${id} does not exist`);
}
