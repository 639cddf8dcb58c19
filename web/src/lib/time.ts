/** Date helpers in the browser's local time zone (the timeline and the forms use local time). */

const MINUTE = 60_000;

/** Monday 00:00 local of the week containing `date`. */
export function startOfWeek(date: Date): Date {
  const day = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const sinceMonday = (day.getDay() + 6) % 7;
  day.setDate(day.getDate() - sinceMonday);
  return day;
}

/** `date` plus `days` calendar days (local midnight stays midnight across DST changes). */
export function addDays(date: Date, days: number): Date {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The value a `<input type="datetime-local">` shows for `date`: `2025-03-10T09:30`. */
export function toLocalInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The value a `<input type="date">` shows for `date`: `2025-03-10`. */
export const toLocalDate = (date: Date) => toLocalInput(date).slice(0, 10);

/** Reads a date value (`2025-03-10`) as local midnight; undefined when empty or malformed. */
export const fromLocalDate = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? fromLocalInput(`${value}T00:00`) : undefined);

/** Reads a datetime-local value as local time; undefined when empty or malformed. */
export function fromLocalInput(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Rounds to the slot grid (slots aligned to the epoch, i.e. to the quarter hour for 15 min). */
export function snapToSlot(date: Date, slotMinutes: number, mode: 'floor' | 'ceil' | 'nearest'): Date {
  const slot = slotMinutes * MINUTE;
  const round = mode === 'floor' ? Math.floor : mode === 'ceil' ? Math.ceil : Math.round;
  return new Date(round(date.getTime() / slot) * slot);
}

/**
 * The slot-aligned period covering `[start, end)`: start rounded down, end rounded up, and at
 * least one slot long. `changed` says whether the user's period had to move.
 */
export function snapPeriod(
  start: Date,
  end: Date,
  slotMinutes: number,
): { start: Date; end: Date; changed: boolean } {
  const snappedStart = snapToSlot(start, slotMinutes, 'floor');
  let snappedEnd = snapToSlot(end, slotMinutes, 'ceil');
  if (snappedEnd.getTime() <= snappedStart.getTime())
    snappedEnd = new Date(snappedStart.getTime() + slotMinutes * MINUTE);
  const changed = snappedStart.getTime() !== start.getTime() || snappedEnd.getTime() !== end.getTime();
  return { start: snappedStart, end: snappedEnd, changed };
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

export const formatTime = (date: Date) => timeFormat.format(date);
export const formatDayTime = (date: Date) => dayTimeFormat.format(date);
export const formatDay = (date: Date) => dayFormat.format(date);

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** `Mon 10 Mar, 09:00 – 11:30` or across days `Mon 10 Mar, 22:00 – Tue 11 Mar, 02:00`. */
export function formatPeriod(start: Date, end: Date): string {
  return `${formatDayTime(start)} – ${sameDay(start, end) ? formatTime(end) : formatDayTime(end)}`;
}

export function formatTimestamp(value: string | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatDayTime(date);
}

export const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** The viewer's time zone, as the browser names it (`Europe/Berlin`): every time shown is in it. */
export const viewerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A period the API sent as RFC 3339 instants, in the viewer's time zone. */
export const formatInstants = (period: { start: string; end: string }) =>
  formatPeriod(new Date(period.start), new Date(period.end));
