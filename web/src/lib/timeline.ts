import { addDays, formatTime, startOfWeek } from './time';

/** Resource-timeline geometry in the viewer's local time: windows, the scale, bars, drags. */

export interface Period {
  start: string | Date;
  end: string | Date;
}

/** How much time one screen of the timeline shows. */
export type Zoom = 'day' | 'week' | 'month';
export const ZOOMS: readonly Zoom[] = ['day', 'week', 'month'];

/** The window the timeline shows: `[start, end)`, local midnights. */
export interface TimeWindow {
  start: Date;
  end: Date;
}

const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate());

/** The day, the week (Monday first) or the month containing `anchor`. */
export function windowOf(zoom: Zoom, anchor: Date): TimeWindow {
  if (zoom === 'day') {
    const start = startOfDay(anchor);
    return { start, end: addDays(start, 1) };
  }
  if (zoom === 'week') {
    const start = startOfWeek(anchor);
    return { start, end: addDays(start, 7) };
  }
  const start = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  return { start, end: new Date(anchor.getFullYear(), anchor.getMonth() + 1, 1) };
}

/** The anchor `steps` windows later (negative: earlier); months keep to day 1 so none is skipped. */
export function shiftAnchor(zoom: Zoom, anchor: Date, steps: number): Date {
  if (zoom === 'day') return addDays(anchor, steps);
  if (zoom === 'week') return addDays(anchor, 7 * steps);
  return new Date(anchor.getFullYear(), anchor.getMonth() + steps, 1);
}

/** A line on the scale; `label` only on the ticks that carry one. */
export interface Tick {
  at: Date;
  left: number;
  major: boolean;
  label?: string;
  /** Width of the labelled cell after the tick, in percent (a day's column, an hour's). */
  width?: number;
  /** The tick's cell is today (day columns). */
  today?: boolean;
  weekend?: boolean;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const weekdayDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });
const hourOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit' });

const percentIn = (window: TimeWindow) => {
  const from = window.start.getTime();
  const span = window.end.getTime() - from;
  return (time: number) => ((time - from) / span) * 100;
};

/**
 * The scale of a window: hours at day zoom (with a line every `slotMinutes` for slot-booked
 * types), days with 6-hour lines at week zoom, days at month zoom. Hours step in real time, so a
 * day with a DST change has 23 or 25 of them; days step in calendar days.
 */
export function scaleOf(zoom: Zoom, window: TimeWindow, slotMinutes?: number, now = new Date()): Tick[] {
  const pct = percentIn(window);
  const end = window.end.getTime();
  const ticks: Tick[] = [];
  if (zoom === 'day') {
    for (let t = window.start.getTime(); t < end; t += HOUR) {
      const at = new Date(t);
      ticks.push({ at, left: pct(t), major: true, label: hourOnly.format(at), width: pct(Math.min(t + HOUR, end)) - pct(t) });
      if (slotMinutes) {
        for (let m = slotMinutes; m < 60; m += slotMinutes) {
          const s = t + m * MINUTE;
          if (s < end) ticks.push({ at: new Date(s), left: pct(s), major: false });
        }
      }
    }
    return ticks;
  }
  const today = startOfDay(now).getTime();
  for (let day = window.start; day.getTime() < end; day = addDays(day, 1)) {
    const next = Math.min(addDays(day, 1).getTime(), end);
    const weekday = day.getDay();
    ticks.push({
      at: day,
      left: pct(day.getTime()),
      major: true,
      label: zoom === 'week' ? weekdayDay.format(day) : String(day.getDate()),
      width: pct(next) - pct(day.getTime()),
      today: day.getTime() === today,
      weekend: weekday === 0 || weekday === 6,
    });
    if (zoom === 'week') {
      for (const hour of [6, 12, 18]) {
        const at = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour);
        if (at.getTime() < next) ticks.push({ at, left: pct(at.getTime()), major: false });
      }
    }
  }
  return ticks;
}

/** A bar on a resource's track, in percent of the window's width. */
export interface Bar<T> {
  item: T;
  start: Date;
  end: Date;
  left: number;
  width: number;
  /** Row, when bars overlap (a proposed booking over an existing one). */
  lane: number;
  /** The period goes on before the window starts / after it ends. */
  clippedStart: boolean;
  clippedEnd: boolean;
}

export interface TrackLayout<T> {
  bars: Bar<T>[];
  lanes: number;
}

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

/** Smallest width a bar is drawn with, so a 5-minute booking stays visible and clickable. */
export const MIN_BAR_PERCENT = 0.6;

/**
 * Lays out periods on a track showing `window`: each bar's offset and width in percent, clipped
 * to the window, with overlapping bars on separate lanes. Periods outside the window or with
 * `end <= start` are left out.
 */
export function layoutTrack<T extends Period>(items: readonly T[], window: TimeWindow): TrackLayout<T> {
  const from = window.start.getTime();
  const to = window.end.getTime();
  const pct = percentIn(window);

  const visible = items
    .map((item) => ({ item, start: toDate(item.start), end: toDate(item.end) }))
    .filter(
      ({ start, end }) =>
        !Number.isNaN(start.getTime()) &&
        !Number.isNaN(end.getTime()) &&
        end.getTime() > start.getTime() &&
        end.getTime() > from &&
        start.getTime() < to,
    )
    .sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());

  const laneEnds: number[] = [];
  const bars = visible.map(({ item, start, end }): Bar<T> => {
    const s = Math.max(start.getTime(), from);
    const e = Math.min(end.getTime(), to);
    // Half-open periods: a bar may start exactly where another ends, on the same lane.
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= start.getTime());
    if (lane === -1) lane = laneEnds.push(end.getTime()) - 1;
    else laneEnds[lane] = end.getTime();
    const left = pct(s);
    const width = Math.min(Math.max(pct(e) - left, MIN_BAR_PERCENT), 100 - left);
    return { item, start, end, left, width, lane, clippedStart: start.getTime() < from, clippedEnd: end.getTime() > to };
  });
  return { bars, lanes: Math.max(1, laneEnds.length) };
}

/** Where `time` falls on the window's track, in percent; undefined outside it. */
export function percentOf(window: TimeWindow, time: Date): number | undefined {
  const t = time.getTime();
  return t >= window.start.getTime() && t < window.end.getTime() ? percentIn(window)(t) : undefined;
}

/** The grid a drag on the track snaps to, in minutes: a slot type's slot, else by zoom. */
export function dragStepMinutes(zoom: Zoom, slotMinutes?: number): number {
  if (slotMinutes) return slotMinutes;
  return zoom === 'day' ? 15 : zoom === 'week' ? 60 : 24 * 60;
}

/**
 * The period a drag across the track from `fromFraction` to `toFraction` (0–1 of the track's
 * width, either direction) stands for, snapped outwards to `stepMinutes`; a click (no width)
 * gives one step, or an hour when the step is shorter. Whole days step in calendar days.
 */
export function periodOfDrag(window: TimeWindow, fromFraction: number, toFraction: number, stepMinutes: number): TimeWindow {
  const clamp = (f: number) => Math.min(1, Math.max(0, f));
  const span = window.end.getTime() - window.start.getTime();
  const at = (f: number) => window.start.getTime() + clamp(f) * span;
  const a = at(Math.min(fromFraction, toFraction));
  const b = at(Math.max(fromFraction, toFraction));
  if (stepMinutes >= 24 * 60) {
    const start = startOfDay(new Date(a));
    const lastDay = startOfDay(new Date(Math.max(a, b - 1)));
    return { start, end: addDays(lastDay, 1) };
  }
  const step = stepMinutes * MINUTE;
  // Snap against local midnight so a 15-minute grid lands on the quarter hours people see.
  const origin = startOfDay(new Date(a)).getTime();
  const start = origin + Math.floor((a - origin) / step) * step;
  let end = origin + Math.ceil((b - origin) / step) * step;
  const least = b - a < step ? Math.max(step, HOUR) : step;
  if (end - start < least) end = start + least;
  return { start: new Date(start), end: new Date(end) };
}

/** The period ends on the day it starts (an end at the next midnight still counts). */
export const withinOneDay = (start: Date, end: Date) =>
  startOfDay(start).getTime() === startOfDay(new Date(end.getTime() - 1)).getTime();

/** `09:00–11:30`, or with the days when the period is not within one day. */
export function shortPeriod(start: Date, end: Date): string {
  if (withinOneDay(start, end)) return `${formatTime(start)}–${formatTime(end)}`;
  return `${weekdayDay.format(start)} ${formatTime(start)}–${weekdayDay.format(end)} ${formatTime(end)}`;
}

/** A window in words: `Tue 3 Dec 2026`, `2 – 8 Dec 2026`, `December 2026`. */
export function windowLabel(zoom: Zoom, window: TimeWindow): string {
  if (zoom === 'day') {
    const long = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
    return long.format(window.start);
  }
  if (zoom === 'month') return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(window.start);
  const range = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return range.formatRange(window.start, addDays(window.end, -1));
}
