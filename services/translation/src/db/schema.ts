import type { Generated, GeneratedAlways } from 'kysely';

/** Note 001's table plus who asked, which engine answered and how long it took. */
export interface TranslationsTable {
  /** bigint: node-postgres returns it as a string; queries cast it to a number. */
  id: GeneratedAlways<string>;
  text_de: string;
  text_en: string;
  engine: string;
  chars: number;
  ms: number;
  owner_id: string | null;
  owner: string | null;
  created_at: Generated<Date>;
  search: GeneratedAlways<string>;
}

export interface DB {
  translations: TranslationsTable;
}
