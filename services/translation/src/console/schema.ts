/**
 * What the SQL console can read, for people writing queries: the tables its policy allows
 * (`ALLOWED_RELATIONS`, the guard's own list) with their columns as the database's catalog has
 * them, and a few example queries. The console itself refuses catalog queries, so this is how its
 * users discover the columns.
 */
import type { Kysely } from 'kysely';
import { catalogColumns } from '../db/catalog.js';
import type { DB } from '../db/schema.js';
import { ALLOWED_RELATIONS } from './guard.js';

export interface ConsoleColumn {
  name: string;
  type: string;
  nullable: boolean;
  description: string | null;
}

export interface ConsoleTable {
  name: string;
  columns: ConsoleColumn[];
}

export interface ExampleQuery {
  title: string;
  query: string;
}

/** Each is run by the tests (test/console-schema.test.ts), so none goes stale. */
export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  {
    title: 'Latest translations',
    query:
      'SELECT id, owner, left(text_de, 60) AS german, left(text_en, 60) AS english, created_at\nFROM translations\nORDER BY id DESC\nLIMIT 20',
  },
  {
    title: 'Translations per person',
    query:
      "SELECT coalesce(owner, '(unknown)') AS owner, count(*) AS translations, sum(chars) AS characters\nFROM translations\nGROUP BY 1\nORDER BY translations DESC",
  },
  {
    title: 'Speed per engine',
    query:
      'SELECT engine, count(*) AS translations, round(avg(ms)) AS avg_ms,\n       round(sum(chars) * 1000.0 / nullif(sum(ms), 0)) AS chars_per_second\nFROM translations\nGROUP BY engine\nORDER BY translations DESC',
  },
  {
    title: 'Full-text search',
    query:
      "SELECT id, owner, left(text_de, 80) AS german\nFROM translations\nWHERE search @@ websearch_to_tsquery('simple', 'Hund')\nORDER BY id DESC\nLIMIT 20",
  },
  {
    title: 'Translations per day',
    query:
      "SELECT date_trunc('day', created_at)::date AS day, count(*) AS translations\nFROM translations\nGROUP BY 1\nORDER BY 1 DESC",
  },
];

export async function consoleSchema(
  db: Kysely<DB>,
): Promise<{ tables: ConsoleTable[]; examples: ExampleQuery[] }> {
  const names = [...ALLOWED_RELATIONS];
  const columns = await catalogColumns(db, names);
  const tables = names.map((name) => ({
    name,
    columns: columns
      .filter((column) => column.table === name)
      .map(({ name: column, type, nullable, description }) => ({ name: column, type, nullable, description })),
  }));
  return { tables, examples: [...EXAMPLE_QUERIES] };
}
