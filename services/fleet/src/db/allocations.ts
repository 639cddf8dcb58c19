import { type Kysely, sql } from 'kysely';
import type { Period } from '../domain/period.js';
import type { DB } from './schema.js';

export interface AllocationRow {
  id: number;
  resource_id: number;
  start: Date;
  end: Date;
  holder: string | null;
  note: string | null;
  created_at: Date;
}

const range = (period: Period) =>
  sql`tstzrange(${period.start.toISOString()}::timestamptz, ${period.end.toISOString()}::timestamptz, '[)')`;

// Ranges come back as text from node-postgres; their bounds as timestamptz come back as Dates.
const RETURNED = sql`id, resource_id, lower(period) as "start", upper(period) as "end", holder, note, created_at`;

/**
 * Books a period on a resource of the given type in one statement. Resolves to undefined when
 * there is no such resource; an overlap makes PostgreSQL raise 23P01 (the exclusion constraint).
 */
export async function insertAllocation(
  db: Kysely<DB>,
  input: { type: string; resourceId: number; period: Period; holder: string | null; note: string | null },
): Promise<AllocationRow | undefined> {
  const result = await sql<AllocationRow>`
    insert into allocations (resource_id, period, holder, note)
    select r.id, ${range(input.period)}, ${input.holder}, ${input.note}
    from resources r
    where r.id = ${input.resourceId} and r.type = ${input.type}
    returning ${RETURNED}`.execute(db);
  return result.rows[0];
}

/** Allocations of a resource overlapping a period, earliest first (at most `limit`). */
export async function overlapping(
  db: Kysely<DB>,
  resourceId: number,
  period: Period,
  limit: number,
): Promise<AllocationRow[]> {
  const result = await sql<AllocationRow>`
    select ${RETURNED} from allocations
    where resource_id = ${resourceId} and period && ${range(period)}
    order by lower(period), id
    limit ${limit}`.execute(db);
  return result.rows;
}

/** Allocations that have not ended yet, earliest first. */
export async function unended(db: Kysely<DB>, resourceId: number, limit: number): Promise<AllocationRow[]> {
  const result = await sql<AllocationRow>`
    select ${RETURNED} from allocations
    where resource_id = ${resourceId} and upper(period) > now()
    order by lower(period), id
    limit ${limit}`.execute(db);
  return result.rows;
}

export async function countUnended(db: Kysely<DB>, resourceId: number): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from allocations
    where resource_id = ${resourceId} and upper(period) > now()`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/**
 * A page of a resource's allocations ordered by (start, id), optionally only those overlapping
 * `[from, to)` (either bound may be open).
 */
export async function listAllocations(
  db: Kysely<DB>,
  resourceId: number,
  filter: { from: Date | undefined; to: Date | undefined },
  page: { after: { start: Date; id: number } | undefined; limit: number },
): Promise<AllocationRow[]> {
  const window = sql`tstzrange(${filter.from?.toISOString() ?? null}::timestamptz, ${filter.to?.toISOString() ?? null}::timestamptz, '[)')`;
  const after = page.after
    ? sql`and (lower(period), id) > (${page.after.start.toISOString()}::timestamptz, ${page.after.id})`
    : sql``;
  const result = await sql<AllocationRow>`
    select ${RETURNED} from allocations
    where resource_id = ${resourceId} and period && ${window} ${after}
    order by lower(period), id
    limit ${page.limit}`.execute(db);
  return result.rows;
}

export async function findAllocation(
  db: Kysely<DB>,
  resourceId: number,
  allocationId: number,
): Promise<AllocationRow | undefined> {
  const result = await sql<AllocationRow>`
    select ${RETURNED} from allocations where resource_id = ${resourceId} and id = ${allocationId}`.execute(
    db,
  );
  return result.rows[0];
}

export async function deleteAllocationRow(
  db: Kysely<DB>,
  resourceId: number,
  allocationId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('allocations')
    .where('resource_id', '=', resourceId)
    .where('id', '=', allocationId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
