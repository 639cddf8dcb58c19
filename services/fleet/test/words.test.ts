import { describe, expect, it } from 'vitest';
import { bookings, listed } from '../src/domain/words.js';

describe('problem details in words', () => {
  it('counts and lists as a person writes them', () => {
    expect([bookings(1), bookings(2)]).toEqual(['1 booking', '2 bookings']);
    expect(listed([])).toBe('');
    expect(listed(['ada'])).toBe('ada');
    expect(listed(['ada', 'bob'])).toBe('ada and bob');
    expect(listed(['ada', 'bob', 'cy'])).toBe('ada, bob and cy');
    expect(listed(['ada', 'bob', 'cy', 'dee'])).toBe('ada, bob, cy and 1 other');
    expect(listed(['ada', 'bob', 'cy', 'dee', 'eve'])).toBe('ada, bob, cy and 2 others');
  });
});
