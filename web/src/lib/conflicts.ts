import type { Allocation, BookingConflict, UnendedBookings } from '../api/fleet';
import { formatInstants } from './time';

/**
 * Fleet's 409s in words, from their machine-readable members (never the detail, which cannot
 * know the reader's time zone): who holds which period, in the viewer's local time.
 */

/** `Ada: Mon 10 Mar, 09:00 – 11:00 (airport run)`, or `No holder: …`. */
export function describeBooking(allocation: Pick<Allocation, 'start' | 'end' | 'holder' | 'note'>): string {
  const who = allocation.holder ?? 'No holder';
  const note = allocation.note ? ` (${allocation.note})` : '';
  return `${who}: ${formatInstants(allocation)}${note}`;
}

const bookings = (n: number) => `${n} booking${n === 1 ? '' : 's'}`;

export interface ConflictText {
  summary: string;
  /** One line per booking in the way, earliest first. */
  lines: string[];
  /** Bookings in the way that the answer did not list. */
  more: string | undefined;
}

/** A booking refused because the period overlaps others. */
export function bookingConflictText(problem: BookingConflict, resourceName: string): ConflictText {
  const n = problem.conflicts.length;
  return {
    summary:
      n === 0
        ? `${resourceName} had a booking during ${formatInstants(problem.requested)}, but it has just been cancelled: try again.`
        : `${resourceName} is already booked during part of ${formatInstants(problem.requested)}:`,
    lines: problem.conflicts.map(describeBooking),
    more: undefined,
  };
}

/** A resource that cannot be removed while it has bookings that have not ended. */
export function unendedBookingsText(problem: UnendedBookings, resourceName: string): ConflictText {
  const listed = problem.conflicts.length;
  const rest = problem.unendedCount - listed;
  const have = problem.unendedCount === 1 ? 'has' : 'have';
  return {
    summary: `${resourceName} has ${bookings(problem.unendedCount)} that ${have} not ended:`,
    lines: problem.conflicts.map(describeBooking),
    more: rest > 0 ? `and ${bookings(rest)} more` : undefined,
  };
}
