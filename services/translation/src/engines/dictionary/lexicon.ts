import { readFile } from 'node:fs/promises';
import { englishGloss, germanKey, labelPenalty, parseDingLine } from './ding-format.js';

/**
 * The dictionary as lookup tables: German phrase (lower-cased) → one English gloss.
 * Nouns and names (capitalised German) are kept apart from other words, so `Essen`
 * (food) and `essen` (to eat) both survive.
 */
export interface Lexicon {
  /** Gloss of a lower-cased phrase, preferring the capitalised (noun) sense when asked. */
  lookup(phrase: string, preferNoun: boolean): string | undefined;
  /** Whether the phrase exists as a noun/name (capitalised in the dictionary). */
  hasNoun(phrase: string): boolean;
  /** Gloss from one table only: nouns/names (`noun`) or all other words. */
  lookupExact(phrase: string, noun: boolean): string | undefined;
  /** Longest phrase (in words) that starts with this lower-cased word; 1 when none. */
  maxPhraseWords(firstWord: string): number;
  readonly size: number;
}

interface Candidate {
  gloss: string;
  score: number;
}

export interface LexiconStats {
  readonly lines: number;
  readonly keys: number;
  readonly loadMs: number;
  /** Heap growth while loading, in MB (after a GC when `--expose-gc` is on). */
  readonly heapMb: number;
}

/** Lower is better: first synonym, headword not example, few register labels, rich entry. */
function rank(altIndex: number, subIndex: number, words: number, penalty: number, subCount: number): number {
  const example = subIndex === 0 ? 0 : words > 1 ? 3 : 1;
  return altIndex * 2 + example + penalty - Math.min(subCount, 12) * 0.5;
}

/**
 * `das Haus` is listed as "the indoors" (a special sense); article + noun is better
 * glossed word by word, so such two-word keys are not kept.
 */
function articlePlusWord(phrase: string): boolean {
  return /^(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines) \S+$/u.test(phrase);
}

export function buildLexicon(text: string): { lexicon: Lexicon; lines: number } {
  const steps = lexiconSteps(text);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Lines between two pauses of `loadLexicon`: a few milliseconds of work each. */
const LINES_PER_STEP = 5000;

/**
 * Builds the lexicon, pausing every few thousand lines: the service loads it while it already
 * answers `/healthz` and `/readyz`, and a multi-second synchronous loop would starve them.
 */
function* lexiconSteps(text: string): Generator<void, { lexicon: Lexicon; lines: number }> {
  const lower = new Map<string, Candidate>();
  const upper = new Map<string, Candidate>();
  const phraseStarts = new Map<string, number>();
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const entry = parseDingLine(line);
    if (!entry) continue;
    lines++;
    if (lines % LINES_PER_STEP === 0) yield;
    const deSubs = entry.de.subEntries;
    const enSubs = entry.en.subEntries;
    // Sub-entries only pair up when both sides have the same number of them.
    const usable = deSubs.length === enSubs.length ? deSubs.length : 1;
    const head = deSubs[0]?.join('; ') ?? '';
    // Labels anywhere in the headword (e.g. a slang synonym) mark the whole entry as less central.
    const headPenalty = labelPenalty(head) / 2;
    const verb = /\{v[itr]?\}|\{vr\}/u.test(head) || (enSubs[0]?.[0] ?? '').startsWith('to ');
    for (let sub = 0; sub < usable; sub++) {
      const deAlts = deSubs[sub] ?? [];
      const enAlts = enSubs[sub] ?? [];
      for (let alt = 0; alt < deAlts.length; alt++) {
        const rawDe = deAlts[alt] ?? '';
        const key = germanKey(rawDe);
        if (!key || articlePlusWord(key.phrase)) continue;
        let gloss: string | undefined;
        for (const rawEn of enAlts) {
          gloss = englishGloss(rawEn, { conjugated: key.conjugated, verb });
          if (gloss) break;
        }
        if (!gloss) continue;
        const score =
          rank(
            alt,
            sub,
            key.wordCount,
            labelPenalty(rawDe) + headPenalty + labelPenalty(enAlts[0] ?? ''),
            deSubs.length,
          ) +
          lines * 1e-7;
        const table = key.capitalised ? upper : lower;
        const existing = table.get(key.phrase);
        if (!existing || score < existing.score) table.set(key.phrase, { gloss, score });
        if (key.wordCount > 1) {
          const first = key.phrase.slice(0, key.phrase.indexOf(' '));
          phraseStarts.set(first, Math.max(phraseStarts.get(first) ?? 1, key.wordCount));
        }
      }
    }
  }
  // Only the glosses are needed after ranking; plain string maps halve the memory.
  const lowerGloss = new Map<string, string>();
  for (const [k, v] of lower) lowerGloss.set(k, v.gloss);
  lower.clear();
  const upperGloss = new Map<string, string>();
  for (const [k, v] of upper) upperGloss.set(k, v.gloss);
  upper.clear();
  const lexicon: Lexicon = {
    lookup(phrase, preferNoun) {
      return preferNoun
        ? (upperGloss.get(phrase) ?? lowerGloss.get(phrase))
        : (lowerGloss.get(phrase) ?? upperGloss.get(phrase));
    },
    hasNoun: (phrase) => upperGloss.has(phrase),
    lookupExact: (phrase, noun) => (noun ? upperGloss : lowerGloss).get(phrase),
    maxPhraseWords: (firstWord) => phraseStarts.get(firstWord) ?? 1,
    size: lowerGloss.size + upperGloss.size,
  };
  return { lexicon, lines };
}

export async function loadLexicon(path: string): Promise<{ lexicon: Lexicon; stats: LexiconStats }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const text = await readFile(path, 'utf8');
  const steps = lexiconSteps(text);
  let step = steps.next();
  while (!step.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    step = steps.next();
  }
  const { lexicon, lines } = step.value;
  const loadMs = performance.now() - t0;
  gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  return { lexicon, stats: { lines, keys: lexicon.size, loadMs, heapMb } };
}
