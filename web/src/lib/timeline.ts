import { addDays } from './time';

export interface Period {
  start: string | Date;
  end: string | Date;
}

/** A bar on the week track, in percent of the week's width. */
export interface Bar<T> {
  item: T;
  start: Date;
  end: Date;
  left: number;
  width: number;
  /** Row, when bars overlap (a proposed booking over an existing one). */
  lane: number;
  /** The period goes on before the week starts / after it ends. */
  clippedStart: boolean;
  clippedEnd: boolean;
}

export interface DayMark {
  date: Date;
  left: number;
}

export interface WeekLayout<T> {
  bars: Bar<T>[];
  days: DayMark[];
  lanes: number;
}

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

/** Smallest width a bar is drawn with, so a 5-minute booking stays visible and clickable. */
export const MIN_BAR_PERCENT = 0.6;

/**
 * Lays out periods on a 7-day track starting at `weekStart` (local midnight): each bar's
 * offset and width in percent, clipped to the week, with overlapping bars on separate lanes.
 * Periods outside the week or with `end <= start` are left out.
 */
export function layoutWeek<T extends Period>(items: readonly T[], weekStart: Date, days = 7): WeekLayout<T> {
  const from = weekStart.getTime();
  const to = addDays(weekStart, days).getTime();
  const span = to - from;
  const pct = (time: number) => ((time - from) / span) * 100;

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
    return {
      item,
      start,
      end,
      left,
      width,
      lane,
      clippedStart: start.getTime() < from,
      clippedEnd: end.getTime() > to,
    };
  });

  const marks: DayMark[] = [];
  for (let i = 0; i < days; i += 1) {
    const date = addDays(weekStart, i);
    marks.push({ date, left: pct(date.getTime()) });
  }
  return { bars, days: marks, lanes: Math.max(1, laneEnds.length) };
}
