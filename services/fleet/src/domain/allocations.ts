import { conflict } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import {
  type AllocationRow,
  deleteAllocationRow,
  findAllocation,
  insertAllocation,
  listAllocations,
  overlapping,
} from '../db/allocations.js';
import { findResource } from '../db/resources.js';
import type { DB } from '../db/schema.js';
import type { ResourceType } from '../resource-types.js';
import { decodeStartCursor, encodeStartCursor } from './cursor.js';
import { allocationNotFound, resourceNotFound } from './ids.js';
import { type Page, toPage } from './page.js';
import { checkSlots, type Period } from './period.js';
import type { PageRequest } from './resources.js';
import { type AllocationView, allocationView } from './views.js';

export interface BookingRequest {
  period: Period;
  holder: string | null;
  note: string | null;
}

const sqlState = (error: unknown) =>
  error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;

/** SQLSTATE 23P01: the exclusion constraint refused an overlapping period. */
export const isOverlap = (error: unknown) => sqlState(error) === '23P01';

/**
 * Inserts the allocation; the database decides about overlaps (the insert raises 23P01, which
 * `reportOverlaps` turns into a 409). There is deliberately no check-then-insert here.
 */
export async function bookAllocation(
  db: Kysely<DB>,
  type: ResourceType,
  resourceId: number,
  booking: BookingRequest,
): Promise<AllocationView> {
  checkSlots(type, booking.period);
  let row: AllocationRow | undefined;
  try {
    row = await insertAllocation(db, { type: type.name, resourceId, ...booking });
  } catch (error) {
    // 23503: the resource was deleted between this statement's snapshot and its foreign-key check.
    if (sqlState(error) === '23503') throw resourceNotFound(type, resourceId);
    throw error;
  }
  if (!row) throw resourceNotFound(type, resourceId);
  return allocationView(row);
}

const LISTED_CONFLICTS = 20;

/**
 * Runs a booking attempt and, when the database refused it as an overlap, answers 409 naming the
 * allocations in the way. The lookup runs after the attempt's transaction has ended. If the
 * allocation in the way was deleted in the meantime the booking is simply tried again.
 */
export async function reportOverlaps<T>(
  db: Kysely<DB>,
  type: ResourceType,
  resourceId: number,
  period: Period,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isOverlap(error)) throw error;
      const conflicts = (await overlapping(db, resourceId, period, LISTED_CONFLICTS)).map(allocationView);
      if (conflicts.length === 0 && tries < 3) continue;
      const named = conflicts.map((c) => `#${c.id} [${c.start}, ${c.end})`).join(', ');
      throw conflict(
        `[${period.start.toISOString()}, ${period.end.toISOString()}) overlaps ` +
          (conflicts.length > 0
            ? `${type.name} ${resourceId}'s allocation(s) ${named}`
            : `an allocation of ${type.name} ${resourceId} that has just been removed; retry`),
        { resourceId, conflicts },
      );
    }
  }
}

/** Checks the resource is of this type, so `/lorries/{car id}/...` is a 404. */
async function requireResource(db: Kysely<DB>, type: ResourceType, resourceId: number): Promise<void> {
  if (!(await findResource(db, type.name, resourceId))) throw resourceNotFound(type, resourceId);
}

export async function listAllocationsPage(
  db: Kysely<DB>,
  type: ResourceType,
  resourceId: number,
  filter: { from: Date | undefined; to: Date | undefined },
  page: PageRequest,
): Promise<Page<AllocationView>> {
  const after = page.cursor ? decodeStartCursor(page.cursor) : undefined;
  await requireResource(db, type, resourceId);
  const rows = await listAllocations(db, resourceId, filter, { after, limit: page.limit + 1 });
  return toPage(rows, page.limit, allocationView, encodeStartCursor);
}

export async function getAllocation(
  db: Kysely<DB>,
  type: ResourceType,
  resourceId: number,
  allocationId: number,
): Promise<AllocationView> {
  await requireResource(db, type, resourceId);
  const row = await findAllocation(db, resourceId, allocationId);
  if (!row) throw allocationNotFound(type, resourceId, allocationId);
  return allocationView(row);
}

export async function deleteAllocation(
  db: Kysely<DB>,
  type: ResourceType,
  resourceId: number,
  allocationId: number,
): Promise<void> {
  await requireResource(db, type, resourceId);
  if (!(await deleteAllocationRow(db, resourceId, allocationId))) {
    throw allocationNotFound(type, resourceId, allocationId);
  }
}
