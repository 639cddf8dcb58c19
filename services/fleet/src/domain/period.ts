import { badRequest, fieldPath, HttpProblem, invalidField } from '@flotilla/kit';
import type { ResourceType } from '../resource-types.js';

/** A half-open period `[start, end)`. */
export interface Period {
  start: Date;
  end: Date;
}

// PostgreSQL's timestamptz rejects year 0 and the schema's date-time format stops at 9999; an
// offset can push a valid-looking text outside either, so the bounds are checked after parsing.
const EARLIEST = new Date('0001-01-01T00:00:00Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

/** Whether an instant is one fleet stores: a valid Date within 0001-01-01 and 9999-12-31 UTC. */
export function isStorableInstant(date: Date): boolean {
  const ms = date.getTime();
  return ms >= EARLIEST && ms <= LATEST;
}

/**
 * An RFC 3339 timestamp (already format-checked by the route schema) as a Date. Precision is
 * kept to the millisecond, so what is stored is exactly what was validated.
 */
export function parseInstant(field: string, text: string): Date {
  const date = new Date(text);
  // The schema's format admits leap seconds (23:59:60), which Date cannot represent.
  if (Number.isNaN(date.getTime())) throw invalidField(field, 'is not a valid RFC 3339 timestamp');
  if (!isStorableInstant(date)) {
    throw invalidField(field, 'must lie between 0001-01-01 and 9999-12-31 (UTC)');
  }
  return date;
}

/** Parses `[start, end)` and insists the period is not empty. */
export function parsePeriod(
  startText: string,
  endText: string,
  fields: { start: string; end: string } = { start: fieldPath('body', 'start'), end: fieldPath('body', 'end') },
): Period {
  const start = parseInstant(fields.start, startText);
  const end = parseInstant(fields.end, endText);
  if (end.getTime() <= start.getTime()) {
    throw invalidField(fields.end, `must be after ${fields.start} (periods are half-open [start, end))`);
  }
  return { start, end };
}

/**
 * How far in the past a start may be and still count as now: the client's clock and this
 * server's (or two replicas') disagree by a little, and a form filled in at "now" takes a moment
 * to arrive.
 */
export const PAST_GRACE_MS = 60_000;

/**
 * A booking must not start in the past (more than PAST_GRACE_MS ago) unless the operator says so
 * (`allowPast`, e.g. to record a booking after the fact): 422 naming `body.start`.
 */
export function refusePastStart(period: Period, allowPast: boolean, now: Date = new Date()): void {
  if (allowPast || period.start.getTime() >= now.getTime() - PAST_GRACE_MS) return;
  throw new HttpProblem(
    422,
    'the booking starts in the past: choose a start from now on, or send allowPast: true to record a past booking on purpose',
    {
      reason: 'past',
      errors: [{ field: fieldPath('body', 'start'), message: 'is in the past' }],
      now: now.toISOString(),
      graceSeconds: PAST_GRACE_MS / 1000,
    },
  );
}

/**
 * Interval types are booked in whole slots aligned to the slot length since the epoch; every
 * UTC offset in use is a multiple of 15 minutes, so quarter hours line up in local time too.
 */
export function checkSlots(type: ResourceType, period: Period): void {
  if (type.kind !== 'interval') return;
  const slotMs = type.slotMinutes * 60_000;
  const start = period.start.getTime();
  const end = period.end.getTime();
  if (start % slotMs === 0 && end % slotMs === 0) return;
  const covering = {
    start: new Date(Math.floor(start / slotMs) * slotMs).toISOString(),
    end: new Date(Math.ceil(end / slotMs) * slotMs).toISOString(),
  };
  const boundaries = slotBoundaries(type.slotMinutes);
  const message = `must fall on a ${type.slotMinutes}-minute slot boundary (${boundaries})`;
  const errors = [
    ...(start % slotMs === 0 ? [] : [{ field: fieldPath('body', 'start'), message }]),
    ...(end % slotMs === 0 ? [] : [{ field: fieldPath('body', 'end'), message }]),
  ];
  // The detail says the rule in words; `covering` (UTC instants) lets a client offer the nearest
  // valid period in its viewer's time zone.
  throw badRequest(
    `a ${type.name} is booked in whole ${type.slotMinutes}-minute slots: start and end must fall on ${boundaries}`,
    { errors, slotMinutes: type.slotMinutes, validSlotBoundaries: boundaries, covering },
  );
}

function slotBoundaries(minutes: number): string {
  if (minutes >= 60 || 60 % minutes !== 0) return `multiples of ${minutes} minutes since midnight UTC`;
  const marks: string[] = [];
  for (let m = 0; m < 60; m += minutes) marks.push(`:${String(m).padStart(2, '0')}`);
  return `${marks.join(', ')} past the hour, with zero seconds`;
}
