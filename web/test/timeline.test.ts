import { describe, expect, it } from 'vitest';
import { fromLocalInput, toLocalInput } from '../src/lib/time';
import {
  layoutTrack,
  MIN_BAR_PERCENT,
  periodOfDrag,
  scaleOf,
  shiftAnchor,
  shortPeriod,
  windowOf,
} from '../src/lib/timeline';

const local = (value: string) => fromLocalInput(value) as Date;
const monday = local('2025-03-10T00:00');
const week = windowOf('week', monday);
const period = (id: number, start: string, end: string) => ({ id, start: local(start), end: local(end) });

describe('layoutTrack', () => {
  it('places a day-long period as one seventh of the week', () => {
    const { bars } = layoutTrack([period(1, '2025-03-11T00:00', '2025-03-12T00:00')], week);
    expect(bars).toHaveLength(1);
    expect(bars[0]?.left).toBeCloseTo(100 / 7);
    expect(bars[0]?.width).toBeCloseTo(100 / 7);
    expect(bars[0]?.lane).toBe(0);
  });

  it('accepts RFC 3339 strings as the API sends them', () => {
    const { bars } = layoutTrack(
      [{ start: '2025-03-10T11:00:00.000Z', end: '2025-03-10T23:00:00.000Z' }],
      week,
    );
    expect(bars[0]?.left).toBeCloseTo((12 / 168) * 100); // 12:00 CET
    expect(bars[0]?.width).toBeCloseTo((12 / 168) * 100);
  });

  it('clips periods that run over either end of the week and marks them', () => {
    const { bars } = layoutTrack(
      [period(1, '2025-03-09T12:00', '2025-03-10T12:00'), period(2, '2025-03-16T12:00', '2025-03-18T00:00')],
      week,
    );
    expect(bars[0]).toMatchObject({ left: 0, clippedStart: true, clippedEnd: false });
    expect(bars[0]?.width).toBeCloseTo((12 / 168) * 100);
    expect(bars[1]).toMatchObject({ clippedStart: false, clippedEnd: true });
    expect((bars[1]?.left ?? 0) + (bars[1]?.width ?? 0)).toBeCloseTo(100);
  });

  it('leaves out periods outside the week, empty ones and unreadable ones', () => {
    const { bars } = layoutTrack(
      [
        period(1, '2025-03-03T00:00', '2025-03-10T00:00'), // ends exactly when the week starts
        period(2, '2025-03-17T00:00', '2025-03-18T00:00'),
        period(3, '2025-03-11T10:00', '2025-03-11T10:00'),
        { id: 4, start: 'nonsense', end: '2025-03-11T10:00:00Z' },
      ],
      week,
    );
    expect(bars).toEqual([]);
  });

  it('keeps back-to-back periods on one lane and puts overlapping ones on another', () => {
    const { bars, lanes } = layoutTrack(
      [
        period(1, '2025-03-10T09:00', '2025-03-10T10:00'),
        period(2, '2025-03-10T10:00', '2025-03-10T11:00'), // [start, end) touches #1
        period(3, '2025-03-10T09:30', '2025-03-10T10:30'), // overlaps both
      ],
      week,
    );
    const laneOf = (id: number) => bars.find((bar) => bar.item.id === id)?.lane;
    expect([laneOf(1), laneOf(2), laneOf(3)]).toEqual([0, 0, 1]);
    expect(lanes).toBe(2);
  });

  it('gives a very short period a visible minimum width', () => {
    const { bars } = layoutTrack([period(1, '2025-03-12T09:00', '2025-03-12T09:05')], week);
    expect(bars[0]?.width).toBe(MIN_BAR_PERCENT);
  });

  it('lays out a day: an hour is a 24th of it', () => {
    const day = windowOf('day', local('2025-03-12T15:00'));
    const { bars } = layoutTrack([period(1, '2025-03-12T09:00', '2025-03-12T09:20')], day);
    expect(bars[0]?.left).toBeCloseTo((9 / 24) * 100);
    expect(bars[0]?.width).toBeCloseTo((20 / 60 / 24) * 100);
  });
});

describe('windows and the scale', () => {
  const text = (d: Date) => toLocalInput(d);

  it('finds the day, the Monday-first week and the month around an instant', () => {
    const at = local('2025-03-12T15:40');
    expect([windowOf('day', at).start, windowOf('day', at).end].map(text)).toEqual(['2025-03-12T00:00', '2025-03-13T00:00']);
    expect([windowOf('week', at).start, windowOf('week', at).end].map(text)).toEqual(['2025-03-10T00:00', '2025-03-17T00:00']);
    expect([windowOf('month', at).start, windowOf('month', at).end].map(text)).toEqual(['2025-03-01T00:00', '2025-04-01T00:00']);
  });

  it('steps by whole windows, months from the first so none is skipped', () => {
    expect(text(shiftAnchor('day', local('2025-03-31T10:00'), 1))).toBe('2025-04-01T10:00');
    expect(text(shiftAnchor('week', local('2025-03-12T10:00'), -1))).toBe('2025-03-05T10:00');
    expect(text(shiftAnchor('month', local('2025-01-31T10:00'), 1))).toBe('2025-02-01T00:00');
  });

  it('labels hours at day zoom, with the 15-minute slot lines of a runway between them', () => {
    const day = windowOf('day', local('2025-03-12T00:00'));
    const hours = scaleOf('day', day);
    expect(hours).toHaveLength(24);
    expect(hours[9]).toMatchObject({ major: true });
    expect(hours[9]?.label).toMatch(/^0?9\b/); // the runtime's locale: `09` or `09 AM`
    expect(hours[9]?.left).toBeCloseTo((9 / 24) * 100);
    const slots = scaleOf('day', day, 15);
    expect(slots.filter((t) => !t.major)).toHaveLength(24 * 3);
    expect(slots.find((t) => !t.major && t.at.getTime() === local('2025-03-12T09:45').getTime())?.left).toBeCloseTo(
      (9.75 / 24) * 100,
    );
  });

  it('has 23 hours on the day the clocks go forward', () => {
    const day = windowOf('day', local('2025-03-30T12:00'));
    const hours = scaleOf('day', day);
    expect(hours).toHaveLength(23);
    expect(hours.map((t) => t.at.getHours()).slice(0, 4)).toEqual([0, 1, 3, 4]);
  });

  it('labels days with 6-hour lines at week zoom and marks today and the weekend', () => {
    const ticks = scaleOf('week', week, undefined, local('2025-03-12T15:00'));
    const days = ticks.filter((t) => t.major);
    expect(days).toHaveLength(7);
    expect(days[2]).toMatchObject({ today: true, weekend: false });
    expect(days[2]?.label).toMatch(/Wed.*12|12.*Wed/);
    expect(days[5]).toMatchObject({ weekend: true });
    expect(ticks.filter((t) => !t.major)).toHaveLength(21);
    expect(days[1]?.width).toBeCloseTo(100 / 7);
  });

  it('labels every day of the month at month zoom, also in the week of a DST change', () => {
    const march = windowOf('month', local('2025-03-20T00:00'));
    const days = scaleOf('month', march);
    expect(days.map((t) => t.label)).toEqual(Array.from({ length: 31 }, (_, i) => String(i + 1)));
    // 743 hours in March 2025 (one lost on the 30th): the 31st starts after 719 of them.
    expect(days[30]?.left).toBeCloseTo((719 / 743) * 100);
  });
});

describe('periodOfDrag', () => {
  const day = windowOf('day', local('2025-03-12T00:00'));
  const at = (hours: number) => hours / 24;
  const text = (p: { start: Date; end: Date }) => [toLocalInput(p.start), toLocalInput(p.end)];

  it('snaps a drag outwards to the grid, in either direction', () => {
    expect(text(periodOfDrag(day, at(9.1), at(10.9), 15))).toEqual(['2025-03-12T09:00', '2025-03-12T11:00']);
    expect(text(periodOfDrag(day, at(10.9), at(9.1), 15))).toEqual(['2025-03-12T09:00', '2025-03-12T11:00']);
    expect(text(periodOfDrag(day, at(9.3), at(9.4), 60))).toEqual(['2025-03-12T09:00', '2025-03-12T10:00']);
  });

  it('gives a click an hour from the slot it hit, and a month-zoom click the whole day', () => {
    expect(text(periodOfDrag(day, at(9.3), at(9.3), 15))).toEqual(['2025-03-12T09:15', '2025-03-12T10:15']);
    const march = windowOf('month', local('2025-03-01T00:00'));
    const tenth = (9.5 * 24) / 743; // half-way through the 10th
    expect(text(periodOfDrag(march, tenth, tenth, 24 * 60))).toEqual(['2025-03-10T00:00', '2025-03-11T00:00']);
  });

  it('stays inside the window', () => {
    expect(text(periodOfDrag(day, -0.2, at(1), 60))).toEqual(['2025-03-12T00:00', '2025-03-12T01:00']);
  });
});

describe('shortPeriod', () => {
  it('says times alone within a day and adds the days across them', () => {
    // Formats follow the runtime's locale (`09:00` or `09:00 AM`).
    expect(shortPeriod(local('2025-03-12T09:00'), local('2025-03-12T11:30'))).toMatch(/^09:00\D*–11:30\D*$/);
    expect(shortPeriod(local('2025-03-12T22:00'), local('2025-03-13T00:00'))).toMatch(/^(22:00|10:00 PM)–(00:00|12:00 AM)$/);
    expect(shortPeriod(local('2025-03-12T22:00'), local('2025-03-13T02:00'))).toMatch(/Wed.*(22:00|10:00 PM)–.*Thu.*02:00/);
  });
});
