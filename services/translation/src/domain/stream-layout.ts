import type { Segmented } from '../engines/segment.js';

/**
 * Turns translated sentences, as batches finish, into the exact pieces of the final text:
 * each chunk is the gaps (spaces, line breaks) before a sentence followed by its translation,
 * and `finish()` returns the trailing gaps. Joined, the chunks equal `reassemble(...)`, so a
 * streaming client that appends them shows the same layout as the stored text.
 */
export function streamLayout(segmented: Segmented) {
  let next = 0;
  const pieces = segmented.pieces;
  return {
    /** Sentences in the text. */
    total: segmented.sentences.length,
    push(translated: readonly string[]): string {
      let out = '';
      for (const sentence of translated) {
        while (next < pieces.length && pieces[next]?.kind === 'gap') out += pieces[next++]?.text ?? '';
        if (next >= pieces.length) throw new Error('more translated sentences than the text has');
        out += sentence;
        next++;
      }
      return out;
    },
    finish(): string {
      let out = '';
      while (next < pieces.length) {
        const piece = pieces[next++];
        if (piece?.kind !== 'gap') throw new Error('the text has sentences that were not translated');
        out += piece.text;
      }
      return out;
    },
  };
}
