/**
 * Problem details are read by people (the web app shows them as they are): counts and names in
 * words, never raw UTC ranges or `#ids`. The machine-readable members beside them carry the ISO
 * instants and ids, from which a client shows times in its viewer's time zone.
 */

/** `1 booking`, `3 bookings`. */
export const bookings = (n: number) => `${n} booking${n === 1 ? '' : 's'}`;

export const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `ada`, `ada and bob`, `ada, bob and cy`, `ada, bob, cy and 2 others`. */
export function listed(words: readonly string[], most = 3): string {
  if (words.length > most) {
    const others = words.length - most;
    return `${words.slice(0, most).join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
  }
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
