import type { Lexicon } from './lexicon.js';
import { encodeTable, SortedTable } from './sorted-table.js';

/** What ranking the dictionary leaves: the chosen gloss per key, verb lemmas, phrase lengths. */
export interface LexiconTables {
  /** Lower-cased phrase → gloss, for words written in lower case in the dictionary. */
  readonly lower: Iterable<readonly [string, string]>;
  /** The same for capitalised entries (nouns and names). */
  readonly upper: Iterable<readonly [string, string]>;
  readonly verbLemmas: Iterable<readonly [string, string]>;
  /** First word → the most words of a phrase starting with it. */
  readonly phraseStarts: Iterable<readonly [string, number]>;
}

/** Bumped when the layout changes; the cache's key covers the code that ranks. */
const MAGIC = Buffer.from('flotilla-lexicon-1\n\0');

/**
 * The lexicon as one buffer: the magic, `u32` count of dictionary lines read, then four tables,
 * each `u32 length` + bytes padded to 4.
 */
export function encodeLexicon(tables: LexiconTables, lines: number): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(lines);
  const parts: Buffer[] = [MAGIC, count];
  const phraseStarts = [...tables.phraseStarts].map(([word, count]) => [word, String(count)] as const);
  for (const table of [tables.lower, tables.upper, tables.verbLemmas, phraseStarts]) {
    const bytes = encodeTable(table);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    parts.push(length, bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

/** Reads `encodeLexicon`'s bytes (from memory or a file); throws when they are not a lexicon. */
export function decodeLexicon(bytes: Buffer): { lexicon: Lexicon; lines: number } {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error('not a compiled lexicon (or one of an older layout)');
  }
  if (bytes.length < MAGIC.length + 4) throw new Error('compiled lexicon is truncated');
  const lines = bytes.readUInt32LE(MAGIC.length);
  const tables: SortedTable[] = [];
  let at = MAGIC.length + 4;
  for (let i = 0; i < 4; i++) {
    if (at + 4 > bytes.length) throw new Error('compiled lexicon is truncated');
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (at + length > bytes.length) throw new Error('compiled lexicon is truncated');
    tables.push(new SortedTable(bytes.subarray(at, at + length)));
    at += length + ((4 - (length % 4)) % 4);
  }
  const [lower, upper, verbLemmas, phraseStarts] = tables as [SortedTable, SortedTable, SortedTable, SortedTable];
  const lexicon: Lexicon = {
    lookup: (phrase, preferNoun) =>
      preferNoun ? (upper.get(phrase) ?? lower.get(phrase)) : (lower.get(phrase) ?? upper.get(phrase)),
    hasNoun: (phrase) => upper.has(phrase),
    lookupExact: (phrase, noun) => (noun ? upper : lower).get(phrase),
    verbLemma: (lowerWord) => verbLemmas.get(lowerWord),
    maxPhraseWords: (firstWord) => Number(phraseStarts.get(firstWord) ?? 1),
    size: lower.size + upper.size,
  };
  return { lexicon, lines };
}
