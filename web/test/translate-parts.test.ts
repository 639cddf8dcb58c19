import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitIntoParts } from '../src/api/translation';

describe('splitIntoParts', () => {
  it('gives parts within the limit that join back to the text exactly', () => {
    const piece = fc.constantFrom('Der Hund läuft.', ' ', '\n', '\n\n', 'Katze', '😀', 'ß', '!', '  \n \n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }).map((pieces) => pieces.join('')), fc.integer({ min: 2, max: 40 }), (text, max) => {
        const parts = splitIntoParts(text, max);
        expect(parts.join('')).toBe(text);
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(max);
          expect(part.length).toBeGreaterThan(0);
          // A surrogate pair is never cut in two.
          expect(/[\uD800-\uDBFF]$/u.test(part) && part !== parts.at(-1)).toBe(false);
        }
      }),
    );
  });

  it('cuts at a paragraph break where there is one, else after a sentence, else between words', () => {
    expect(splitIntoParts('Eins. Zwei.\n\nDrei. Vier.', 16)).toEqual(['Eins. Zwei.\n\n', 'Drei. Vier.']);
    expect(splitIntoParts('Eins ist hier. Zwei ist da.', 20)).toEqual(['Eins ist hier. ', 'Zwei ist da.']);
    expect(splitIntoParts('eins zwei drei vier', 10)).toEqual(['eins zwei ', 'drei vier']);
    expect(splitIntoParts('kurz', 10)).toEqual(['kurz']);
  });
});
