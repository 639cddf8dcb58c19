import { type Kysely, sql } from 'kysely';
import type { Period } from '../domain/period.js';
import type { DB, JsonObject } from './schema.js';

export interface ResourceRow {
  id: number;
  type: string;
  name: string;
  attributes: JsonObject;
  created_at: Date;
}

const columns = ['id', 'type', 'name', 'attributes', 'created_at'] as const;

/** Inserts a resource; undefined when its type has one of that name already (in any case). */
export async function insertResource(
  db: Kysely<DB>,
  input: { type: string; name: string; attributes: JsonObject },
): Promise<ResourceRow | undefined> {
  return db
    .insertInto('resources')
    .values({ type: input.type, name: input.name, attributes: JSON.stringify(input.attributes) })
    // The unique index resources_type_name_key (migration 003); no error, so a transaction goes on.
    .onConflict((oc) => oc.expression(sql`type, lower(name)`).doNothing())
    .returning(columns)
    .executeTakeFirst();
}

/** The resource of a type with this name, in any case. */
export async function findResourceByName(db: Kysely<DB>, type: string, name: string): Promise<ResourceRow | undefined> {
  return db
    .selectFrom('resources')
    .select(columns)
    .where('type', '=', type)
    .where(sql<string>`lower(name)`, '=', sql<string>`lower(${name})`)
    .executeTakeFirst();
}

/**
 * One resource of a type. `lock` takes a row lock for the rest of the transaction: a delete
 * holds it while concurrent bookings wait on the key-share lock their foreign key takes.
 */
export async function findResource(
  db: Kysely<DB>,
  type: string,
  id: number,
  { lock = false }: { lock?: boolean } = {},
): Promise<ResourceRow | undefined> {
  const query = db.selectFrom('resources').select(columns).where('type', '=', type).where('id', '=', id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function deleteResourceRow(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('resources').where('id', '=', id).execute();
}

export async function listResources(
  db: Kysely<DB>,
  type: string,
  page: { afterId: number; limit: number },
): Promise<ResourceRow[]> {
  return db
    .selectFrom('resources')
    .select(columns)
    .where('type', '=', type)
    .where('id', '>', page.afterId)
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** Resources of a type with no allocation overlapping the period. */
export async function listAvailable(
  db: Kysely<DB>,
  type: string,
  period: Period,
  page: { afterId: number; limit: number },
): Promise<ResourceRow[]> {
  const wanted = sql`tstzrange(${period.start.toISOString()}::timestamptz, ${period.end.toISOString()}::timestamptz, '[)')`;
  return db
    .selectFrom('resources as r')
    .select(['r.id', 'r.type', 'r.name', 'r.attributes', 'r.created_at'])
    .where('r.type', '=', type)
    .where('r.id', '>', page.afterId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('allocations as a')
            .select(sql`1`.as('one'))
            .whereRef('a.resource_id', '=', 'r.id')
            .where(sql<boolean>`a.period && ${wanted}`),
        ),
      ),
    )
    .orderBy('r.id')
    .limit(page.limit)
    .execute();
}
