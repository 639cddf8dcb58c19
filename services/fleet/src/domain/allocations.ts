import { conflict, SQLSTATE, sqlState, toPage } from '@flotilla/kit';
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
import { afterStartOf, encodeStartCursor } from './cursors.js';
import { allocationNotFound, resourceNotFound } from './ids.js';
import { checkSlots, type Period, refusePastStart } from './period.js';
import type { PageRequest } from './resources.js';
import { type AllocationView, allocationView } from './views.js';
import { bookings, capitalised, listed } from './words.js';

export interface BookingRequest {
  period: Period;
  holder: string | null;
  note: string | null;
  /** Book even though the period starts in the past (see refusePastStart). */
  allowPast: boolean;
}

/** The exclusion constraint refused an overlapping period. */
export const isOverlap = (error: unknown) => sqlState(error) === SQLSTATE.exclusionViolation;

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
  // Checked here, inside the idempotent operation: a retry of a booking that started meanwhile
  // still gets its first answer.
  refusePastStart(booking.period, booking.allowPast);
  let row: AllocationRow | undefined;
  try {
    const { period, holder, note } = booking;
    row = await insertAllocation(db, { type: type.name, resourceId, period, holder, note });
  } catch (error) {
    // The resource was deleted between this statement's snapshot and its foreign-key check.
    if (sqlState(error) === SQLSTATE.foreignKeyViolation) throw resourceNotFound(type, resourceId);
    throw error;
  }
  if (!row) throw resourceNotFound(type, resourceId);
  return allocationView(row);
}

const LISTED_CONFLICTS = 20;

/**
 * Runs a booking attempt and, when the database refused it as an overlap, answers 409 naming the
 * allocations in the way (`conflicts`, earliest first). The lookup runs after the attempt's
 * transaction has ended. If the allocation in the way was deleted in the meantime the booking is
 * simply tried again.
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
      const resource = await findResource(db, type.name, resourceId);
      // By name, as people know it; by id only if it was deleted meanwhile.
      const label = `${capitalised(type.name)} ${resource ? JSON.stringify(resource.name) : resourceId}`;
      throw conflict(overlapDetail(type, label, conflicts), {
        resourceType: type.name,
        resourceId,
        requested: { start: period.start.toISOString(), end: period.end.toISOString() },
        conflicts,
      });
    }
  }
}

/**
 * What a person reads: which resource (by name), how many bookings are in the way and whose. No
 * times or ids: the detail cannot know the reader's time zone, and `requested` and `conflicts`
 * carry the instants and ids.
 */
function overlapDetail(type: ResourceType, what: string, conflicts: readonly AllocationView[]): string {
  if (conflicts.length === 0) {
    return `${what} had a booking during that time, but it has just been cancelled: try again`;
  }
  const count =
    conflicts.length >= LISTED_CONFLICTS ? `at least ${bookings(conflicts.length)}` : bookings(conflicts.length);
  const holders = [...new Set(conflicts.flatMap((c) => (c.holder === null ? [] : [c.holder])))];
  const whose = holders.length === 0 ? '' : ` (held by ${listed(holders)})`;
  const overlap = conflicts.length === 1 ? 'overlaps' : 'overlap';
  return `${what} is already booked during part of that time: ${count}${whose} ${overlap} it. Choose another time or another ${type.name}`;
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
) {
  const after = afterStartOf(page.cursor);
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
