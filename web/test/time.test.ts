import { describe, expect, it } from 'vitest';
import { addDays, fromLocalInput, snapPeriod, snapToSlot, startOfWeek, toLocalInput } from '../src/lib/time';

// vitest.config.ts pins TZ=Europe/Berlin.
describe('slots', () => {
  const at = (iso: string) => new Date(iso);

  it('rounds to quarter hours down, up and to the nearest', () => {
    expect(snapToSlot(at('2025-03-10T09:07:00Z'), 15, 'floor').toISOString()).toBe(
      '2025-03-10T09:00:00.000Z',
    );
    expect(snapToSlot(at('2025-03-10T09:07:00Z'), 15, 'ceil').toISOString()).toBe('2025-03-10T09:15:00.000Z');
    expect(snapToSlot(at('2025-03-10T09:07:00Z'), 15, 'nearest').toISOString()).toBe(
      '2025-03-10T09:00:00.000Z',
    );
    expect(snapToSlot(at('2025-03-10T09:08:00Z'), 15, 'nearest').toISOString()).toBe(
      '2025-03-10T09:15:00.000Z',
    );
    expect(snapToSlot(at('2025-03-10T09:15:00Z'), 15, 'ceil').toISOString()).toBe('2025-03-10T09:15:00.000Z');
  });

  it('widens a period to the slots covering it and says it moved', () => {
    const snapped = snapPeriod(at('2025-03-10T09:07:00Z'), at('2025-03-10T09:31:00Z'), 15);
    expect([snapped.start.toISOString(), snapped.end.toISOString(), snapped.changed]).toEqual([
      '2025-03-10T09:00:00.000Z',
      '2025-03-10T09:45:00.000Z',
      true,
    ]);
  });

  it('leaves an aligned period alone', () => {
    const snapped = snapPeriod(at('2025-03-10T09:00:00Z'), at('2025-03-10T10:30:00Z'), 15);
    expect(snapped.changed).toBe(false);
  });

  it('never makes an empty period: at least one slot', () => {
    const snapped = snapPeriod(at('2025-03-10T09:15:00Z'), at('2025-03-10T09:15:00Z'), 15);
    expect(snapped.end.toISOString()).toBe('2025-03-10T09:30:00.000Z');
  });

  it('keeps local quarter hours on quarter hours in a +05:45 zone as well (epoch-aligned slots)', () => {
    // 09:07 in Kathmandu (UTC+05:45) is 03:22 UTC; the slot grid is the same in both.
    const snapped = snapToSlot(at('2025-03-10T03:22:00Z'), 15, 'floor');
    expect(snapped.toISOString()).toBe('2025-03-10T03:15:00.000Z'); // 09:00 Kathmandu
  });
});

describe('local dates', () => {
  it('round-trips datetime-local values in local time', () => {
    const date = fromLocalInput('2025-03-10T09:30');
    expect(date?.toISOString()).toBe('2025-03-10T08:30:00.000Z'); // CET = UTC+1
    expect(toLocalInput(date as Date)).toBe('2025-03-10T09:30');
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('10.03.2025')).toBeUndefined();
  });

  it('starts weeks on Monday at local midnight', () => {
    expect(toLocalInput(startOfWeek(new Date('2025-03-16T22:00:00Z')))).toBe('2025-03-10T00:00'); // Sun 23:00 CET
    expect(toLocalInput(startOfWeek(new Date('2025-03-10T00:30:00+01:00')))).toBe('2025-03-10T00:00');
  });

  it('adds calendar days across a DST change', () => {
    const monday = startOfWeek(new Date('2025-03-26T12:00:00Z')); // the week with 30 March (23 h day)
    expect(toLocalInput(addDays(monday, 7))).toBe('2025-03-31T00:00');
  });
});
