import { describe, expect, it } from 'vitest';
import { fromLocalInput } from '../src/lib/time';
import { layoutWeek, MIN_BAR_PERCENT } from '../src/lib/timeline';

const local = (value: string) => fromLocalInput(value) as Date;
const monday = local('2025-03-10T00:00');
const period = (id: number, start: string, end: string) => ({ id, start: local(start), end: local(end) });

describe('layoutWeek', () => {
  it('places a day-long period as one seventh of the week', () => {
    const { bars } = layoutWeek([period(1, '2025-03-11T00:00', '2025-03-12T00:00')], monday);
    expect(bars).toHaveLength(1);
    expect(bars[0]?.left).toBeCloseTo(100 / 7);
    expect(bars[0]?.width).toBeCloseTo(100 / 7);
    expect(bars[0]?.lane).toBe(0);
  });

  it('accepts RFC 3339 strings as the API sends them', () => {
    const { bars } = layoutWeek(
      [{ start: '2025-03-10T11:00:00.000Z', end: '2025-03-10T23:00:00.000Z' }],
      monday,
    );
    expect(bars[0]?.left).toBeCloseTo((12 / 168) * 100); // 12:00 CET
    expect(bars[0]?.width).toBeCloseTo((12 / 168) * 100);
  });

  it('clips periods that run over either end of the week and marks them', () => {
    const { bars } = layoutWeek(
      [period(1, '2025-03-09T12:00', '2025-03-10T12:00'), period(2, '2025-03-16T12:00', '2025-03-18T00:00')],
      monday,
    );
    expect(bars[0]).toMatchObject({ left: 0, clippedStart: true, clippedEnd: false });
    expect(bars[0]?.width).toBeCloseTo((12 / 168) * 100);
    expect(bars[1]).toMatchObject({ clippedStart: false, clippedEnd: true });
    expect((bars[1]?.left ?? 0) + (bars[1]?.width ?? 0)).toBeCloseTo(100);
  });

  it('leaves out periods outside the week, empty ones and unreadable ones', () => {
    const { bars } = layoutWeek(
      [
        period(1, '2025-03-03T00:00', '2025-03-10T00:00'), // ends exactly when the week starts
        period(2, '2025-03-17T00:00', '2025-03-18T00:00'),
        period(3, '2025-03-11T10:00', '2025-03-11T10:00'),
        { id: 4, start: 'nonsense', end: '2025-03-11T10:00:00Z' },
      ],
      monday,
    );
    expect(bars).toEqual([]);
  });

  it('keeps back-to-back periods on one lane and puts overlapping ones on another', () => {
    const { bars, lanes } = layoutWeek(
      [
        period(1, '2025-03-10T09:00', '2025-03-10T10:00'),
        period(2, '2025-03-10T10:00', '2025-03-10T11:00'), // [start, end) touches #1
        period(3, '2025-03-10T09:30', '2025-03-10T10:30'), // overlaps both
      ],
      monday,
    );
    const laneOf = (id: number) => bars.find((bar) => bar.item.id === id)?.lane;
    expect([laneOf(1), laneOf(2), laneOf(3)]).toEqual([0, 0, 1]);
    expect(lanes).toBe(2);
  });

  it('gives a very short period a visible minimum width', () => {
    const { bars } = layoutWeek([period(1, '2025-03-12T09:00', '2025-03-12T09:05')], monday);
    expect(bars[0]?.width).toBe(MIN_BAR_PERCENT);
  });

  it('marks local midnights, also in a week with a DST change', () => {
    const dstMonday = local('2025-03-24T00:00'); // clocks go forward on Sunday 30 March
    const { days } = layoutWeek([], dstMonday);
    expect(days).toHaveLength(7);
    // 167 hours in that week: Sunday starts after 144 of them.
    expect(days[6]?.left).toBeCloseTo((144 / 167) * 100);
  });
});
