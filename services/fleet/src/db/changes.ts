import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** NOTIFY `channel` with `payload` (at most 8000 bytes), in a transaction of its own. */
export async function notify(db: Kysely<DB>, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}
