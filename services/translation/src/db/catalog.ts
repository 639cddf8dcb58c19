import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

export interface CatalogColumn {
  table: string;
  name: string;
  /** As PostgreSQL writes it: `bigint`, `timestamp with time zone`, `tsvector`. */
  type: string;
  nullable: boolean;
  /** The column's COMMENT (migrations/002), or null. */
  description: string | null;
}

/**
 * The columns of these tables in the service's schema, in table order, read from PostgreSQL's
 * catalog (the console's role may not read the catalog itself, and the console refuses it).
 */
export async function catalogColumns(db: Kysely<DB>, tables: readonly string[]): Promise<CatalogColumn[]> {
  const result = await sql<CatalogColumn>`
    select c.relname as "table",
           a.attname as "name",
           format_type(a.atttypid, a.atttypmod) as "type",
           not a.attnotnull as "nullable",
           col_description(c.oid, a.attnum) as "description"
      from pg_catalog.pg_class c
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.relnamespace = current_schema()::regnamespace
       and c.relname = any(${[...tables]}::text[])
     order by c.relname, a.attnum`.execute(db);
  return result.rows;
}
