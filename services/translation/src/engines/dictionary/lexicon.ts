import { readFile } from 'node:fs/promises';
import { decodeLexicon, encodeLexicon } from './compact-lexicon.js';
import { englishGloss, germanKey, labelPenalty, parseDingLine } from './ding-format.js';
import { type EnglishFrequency, glossRarity } from './english-frequency.js';

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
  /** The infinitive of a verb form the dictionary lists (`fing` → `fangen`), or undefined. */
  verbLemma(lowerWord: string): string | undefined;
  /** Longest phrase (in words) that starts with this lower-cased word; 1 when none. */
  maxPhraseWords(firstWord: string): number;
  readonly size: number;
}

interface Candidate {
  gloss: string;
  score: number;
  /** Whether `score` includes the gloss's rarity: added only once a rival turns up, as most keys have none. */
  rated: boolean;
  /**
   * A single word's rival senses (other entries, other English synonyms), best first: the
   * dictionary's own lines decide between them once all are read (`senseSupport`).
   */
  rivals?: Rival[];
}

interface Rival {
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
  return altIndex * 3 + example + penalty - Math.min(subCount, 12) * 0.5;
}

/** How far an `article noun` entry ranks below entries of the bare noun. */
const ARTICLE_PENALTY = 4;

/**
 * `das Haus` is listed as "the indoors" (a special sense); article + noun is better
 * glossed word by word, so such two-word keys are not kept.
 */
function articlePlusWord(phrase: string): boolean {
  return /^(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines) \S+$/u.test(phrase);
}

/** How much one step of rarity (×10 fewer uses in English) weighs against the entry's layout. */
const RARITY_WEIGHT = 1.5;
/** A later English synonym of the same entry wins only when it is ~20× as common (2 / 1.5 steps). */
const SYNONYM_ORDER_WEIGHT = 2;
/** English synonyms weighed by use (and kept as rival senses); the rest of an entry's list is rarely better. */
const MAX_SYNONYMS_RATED = 5;
/** Rival senses kept per word besides the best-ranked one. */
const MAX_RIVALS = 10;
/**
 * How much the dictionary's use of a sense weighs against its entry's layout and rarity, per
 * doubling of the lines that use it: 16 makes it decide wherever the counts differ much.
 */
const SUPPORT_WEIGHT = 16;

/** The lexicon of a dictionary's text, and its bytes as `encodeLexicon` lays them out. */
export interface BuiltLexicon {
  readonly lexicon: Lexicon;
  readonly bytes: Buffer;
  readonly lines: number;
}

export function buildLexicon(text: string, frequency?: EnglishFrequency): BuiltLexicon {
  const steps = lexiconSteps(text, frequency);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Lines between two pauses of `loadLexicon`: a few milliseconds of work each. */
const LINES_PER_STEP = 2000;

/**
 * Builds the lexicon, pausing every few thousand lines: the service loads it while it already
 * answers `/healthz` and `/readyz`, and a multi-second synchronous loop would starve them.
 */
function* lexiconSteps(
  text: string,
  frequency: EnglishFrequency | undefined,
): Generator<void, BuiltLexicon> {
  const lower = new Map<string, Candidate>();
  const upper = new Map<string, Candidate>();
  const phraseStarts = new Map<string, number>();
  const verbLemmas = new Map<string, string>();
  let lines = 0;
  for (const line of text.split('\n')) {
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
      // Each English synonym's gloss is made once per sub-entry and form, not once per German synonym.
      const made: [string[], string[]] = [[], []];
      for (let alt = 0; alt < deAlts.length; alt++) {
        const rawDe = deAlts[alt] ?? '';
        let key = germanKey(rawDe);
        if (!key) continue;
        // "die Polizei {f} :: the police" is the only entry for Polizei: keep it as the noun's,
        // ranked below entries of the bare noun ("das Haus" is also "the indoors").
        let articlePenalty = 0;
        if (articlePlusWord(key.phrase)) {
          const noun = rawDe.trim().split(/\s+/u)[1] ?? '';
          key = { ...key, phrase: key.phrase.slice(key.phrase.indexOf(' ') + 1), wordCount: 1, capitalised: /^\p{Lu}/u.test(noun) };
          articlePenalty = ARTICLE_PENALTY;
        }
        // The first usable English synonym, or with frequencies the best of order and use
        // among the first few (a later one would have to be commoner by orders of magnitude).
        let gloss: string | undefined;
        let glossCost = 0;
        let rated = false;
        // The entry's other rated synonyms, kept as rival senses of a single word.
        const synonyms: { gloss: string; cost: number }[] = [];
        for (const [enIndex, rawEn] of enAlts.slice(0, frequency ? MAX_SYNONYMS_RATED : 1).entries()) {
          let candidate = glossOf(made, enIndex, rawEn, key.conjugated, verb);
          if (articlePenalty > 0) candidate = candidate?.replace(/^the /u, '');
          if (!candidate) continue;
          if (gloss === undefined) {
            gloss = candidate;
            glossCost = enIndex * SYNONYM_ORDER_WEIGHT;
            continue;
          }
          if (frequency) {
            if (!rated) glossCost += RARITY_WEIGHT * glossRarity(frequency, gloss);
            rated = true;
            const cost = enIndex * SYNONYM_ORDER_WEIGHT + RARITY_WEIGHT * glossRarity(frequency, candidate);
            if (cost < glossCost) {
              synonyms.push({ gloss, cost: glossCost });
              gloss = candidate;
              glossCost = cost;
            } else synonyms.push({ gloss: candidate, cost });
          }
        }
        if (gloss === undefined) {
          // Without frequencies (or when the first few are unusable) the first usable one.
          for (const [enIndex, rawEn] of enAlts.entries()) {
            gloss = glossOf(made, enIndex, rawEn, key.conjugated, verb);
            if (articlePenalty > 0) gloss = gloss?.replace(/^the /u, '');
            if (gloss) break;
          }
        }
        if (!gloss) continue;
        const score =
          articlePenalty +
          glossCost +
          rank(
            alt,
            sub,
            key.wordCount,
            labelPenalty(rawDe) + headPenalty + labelPenalty(enAlts[0] ?? ''),
            deSubs.length,
          ) +
          lines * 1e-7;
        if (verb && !key.capitalised && key.wordCount === 1 && !verbLemmas.has(key.phrase)) {
          const lemma = germanKey(deSubs[0]?.[alt] ?? deSubs[0]?.[0] ?? '');
          if (lemma?.wordCount === 1) verbLemmas.set(key.phrase, lemma.phrase);
        }
        const table = key.capitalised ? upper : lower;
        const existing = table.get(key.phrase);
        let candidateScore = score;
        if (existing && frequency) {
          if (!existing.rated) {
            existing.score += RARITY_WEIGHT * glossRarity(frequency, existing.gloss);
            existing.rated = true;
          }
          if (!rated) candidateScore += RARITY_WEIGHT * glossRarity(frequency, gloss);
          rated = true;
        }
        if (frequency && key.wordCount === 1) {
          // Single words keep their rival senses for the dictionary's own lines to decide.
          offerSense(table, key.phrase, gloss, candidateScore, rated);
          for (const synonym of synonyms) offerSense(table, key.phrase, synonym.gloss, candidateScore - glossCost + synonym.cost, true);
        } else if (!existing || candidateScore < existing.score) table.set(key.phrase, { gloss, score: candidateScore, rated });
        if (key.wordCount > 1) {
          const first = key.phrase.slice(0, key.phrase.indexOf(' '));
          phraseStarts.set(first, Math.max(phraseStarts.get(first) ?? 1, key.wordCount));
        }
      }
    }
  }
  if (frequency) yield* senseSupport(text, lower, upper);
  // Only the glosses are kept, in one buffer rather than Maps of strings (compact-lexicon.ts).
  yield;
  const bytes = encodeLexicon({ lower: glosses(lower), upper: glosses(upper), verbLemmas, phraseStarts }, lines);
  return { lexicon: decodeLexicon(bytes).lexicon, bytes, lines };
}

/** `englishGloss` of a sub-entry's English synonym, kept in `made` ('' when it has none). */
function glossOf(made: [string[], string[]], index: number, raw: string, conjugated: boolean, verb: boolean): string | undefined {
  const forms = made[conjugated ? 1 : 0];
  let gloss = forms[index];
  if (gloss === undefined) forms[index] = gloss = englishGloss(raw, { conjugated, verb }) ?? '';
  return gloss || undefined;
}

/** A sense for a single word: the best-ranked one, or one of its rivals. */
function offerSense(table: Map<string, Candidate>, phrase: string, gloss: string, score: number, rated: boolean): void {
  const existing = table.get(phrase);
  if (!existing) {
    table.set(phrase, { gloss, score, rated });
    return;
  }
  if (existing.gloss === gloss) {
    existing.score = Math.min(existing.score, score);
    return;
  }
  existing.rated = true;
  const rivals = (existing.rivals ??= []);
  let offered = rivals.find((rival) => rival.gloss === gloss);
  if (offered) offered.score = Math.min(offered.score, score);
  else rivals.push((offered = { gloss, score }));
  // The best-ranked sense stays in front, the others behind it.
  if (offered.score < existing.score) {
    [existing.gloss, offered.gloss] = [offered.gloss, existing.gloss];
    [existing.score, offered.score] = [offered.score, existing.score];
  }
  if (rivals.length > MAX_RIVALS) {
    rivals.sort((a, b) => a.score - b.score);
    rivals.length = MAX_RIVALS;
  }
}

/**
 * A second pass over the dictionary: each rival sense of a word counts the lines whose German
 * has the word and whose English has the sense ("Stadt" is "city" in die Stadt Prag, Hauptstadt,
 * Innenstadt …, "town" in fewer), and the sense the dictionary uses most becomes the gloss. The
 * counts are the dictionary's own, for every word alike: nothing is fitted to a test set.
 */
function* senseSupport(text: string, lower: Map<string, Candidate>, upper: Map<string, Candidate>): Generator<void> {
  // Only words with rivals are watched: a small table, each sense's words lower-cased once.
  const watched = new Map<string, { candidate: Candidate; senses: Sense[] }[]>();
  for (const table of [lower, upper]) {
    for (const [key, candidate] of table) {
      if (!candidate.rivals) continue;
      const senses = [{ gloss: candidate.gloss, score: candidate.score }, ...candidate.rivals].map(({ gloss, score }) => ({
        gloss,
        score,
        support: 0,
        // An affix ("self-") is no word of running text: the lines do not vote for it.
        words: /^-|-$/u.test(gloss) ? [] : (gloss.toLowerCase().match(/\p{L}+/gu) ?? []),
      }));
      const entry = { candidate, senses };
      const list = watched.get(key);
      if (list) list.push(entry);
      else watched.set(key, [entry]);
    }
  }
  yield;
  let lines = 0;
  for (const line of text.split('\n')) {
    if (++lines % LINES_PER_STEP === 0) yield;
    const sep = line.indexOf(' :: ');
    if (sep < 0 || line.startsWith('#')) continue;
    let english: Set<string> | undefined;
    let seen: Set<string> | undefined;
    const tokens = line.slice(0, sep).toLowerCase().match(/\p{L}+/gu) ?? [];
    for (const [t, token] of tokens.entries()) {
      const entries = watched.get(token);
      // A word right before a separable particle is another verb's ("sieht aus" is aussehen's, "fährt ab" abfahren's).
      if (!entries || seen?.has(token) || PARTICLES.has(tokens[t + 1] ?? '')) continue;
      (seen ??= new Set()).add(token);
      const words = (english ??= new Set(line.slice(sep + 4).toLowerCase().match(/\p{L}+/gu) ?? []));
      for (const { senses } of entries) {
        // "city", or every word of "capital city".
        for (const sense of senses) if (sense.words.length > 0 && sense.words.every((word) => words.has(word))) sense.support++;
      }
    }
  }
  for (const entries of watched.values()) {
    for (const { candidate, senses } of entries) {
      let bestCost = Infinity;
      for (const sense of senses) {
        const cost = sense.score - SUPPORT_WEIGHT * Math.log2(1 + sense.support);
        if (cost < bestCost) {
          bestCost = cost;
          candidate.gloss = sense.gloss;
        }
      }
      candidate.rivals = undefined;
    }
  }
}

/** Separable particles: a word before one is a separated verb's (sieht … aus), not a use of it. */
const PARTICLES = new Set(['ab', 'an', 'auf', 'aus', 'bei', 'ein', 'fest', 'fort', 'her', 'hin', 'los', 'mit', 'nach', 'vor', 'weg', 'zu', 'zurück', 'zusammen', 'vorbei', 'weiter']);

interface Sense {
  readonly gloss: string;
  readonly score: number;
  support: number;
  /** The gloss's words, lower-cased: a line uses the sense when its English has them all. */
  readonly words: readonly string[];
}

function* glosses(table: Map<string, Candidate>): Generator<[string, string]> {
  for (const [key, candidate] of table) yield [key, candidate.gloss];
}

export async function loadLexicon(
  path: string,
  frequency?: EnglishFrequency,
): Promise<{ lexicon: Lexicon; stats: LexiconStats }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const text = await readFile(path, 'utf8');
  const steps = lexiconSteps(text, frequency);
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
