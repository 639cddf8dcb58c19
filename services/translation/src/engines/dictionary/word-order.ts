import {
  AUXILIARIES,
  DETERMINERS,
  isFunctionWord,
  NONFINITE_AUXILIARIES,
  PREPOSITIONS,
  PRONOUNS,
  RELATIVE_PRONOUNS,
  SUBORDINATORS,
} from './function-words.js';
import type { Lexicon } from './lexicon.js';
import { clauses, type Unit } from './units.js';

/** The longest verb cluster moved: "geschlossen werden musste". */
const MAX_CLUSTER = 3;
/** How far into a main clause its finite verb may stand (after a fronted phrase). */
const FRONT_REACH = 5;

/**
 * English word order within each clause, from the German clause's shape:
 * - verb-final clauses (after dass, weil, a relative pronoun …) get their verbs after the
 *   subject, in reverse order: "dass der Flughafen geschlossen werden musste" → "that the
 *   airport had to be closed";
 * - a main clause with an auxiliary gets its participle or infinitive back next to it: "Ich habe
 *   das Buch gelesen" → "I have read the book";
 * - a main clause opened by an adverb or a prepositional phrase (verb-second, subject after the
 *   verb) gets the subject first: "Heute ist der Hund im Garten" → "Today the dog is in the garden";
 * - "um … zu" + infinitive → "in order to" + infinitive + the rest, and an infinitive clause
 *   after a comma starts with its infinitive: "…, Kyoto zu ratifizieren" → "…, to ratify Kyoto".
 * Questions keep their order: the verb comes first there in English too.
 */
export function englishWordOrder(units: Unit[], lexicon: Lexicon): void {
  for (const [start, end] of clauses(units)) {
    if (end - start < 3) continue;
    const order = clauseOrder(units, start, end, lexicon);
    if (order) reorder(units, start, order);
  }
}

function clauseOrder(units: readonly Unit[], start: number, end: number, lexicon: Lexicon): number[] | undefined {
  const first = units[start];
  if (!first) return undefined;
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
  // um/ohne … zu gewinnen → in order to win …
  if ((first.lower === 'um' || first.lower === 'ohne') && units[end - 2]?.lower === 'zu' && isVerb(units[end - 1], lexicon)) {
    if (first.lower === 'um') first.gloss = 'in order';
    return [start, end - 2, end - 1, ...range(start + 1, end - 2)];
  }
  // …, Kyoto zu ratifizieren → …, to ratify Kyoto (an infinitive clause after a comma).
  if (/,\s*$/u.test(first.gap) && !SUBORDINATORS.has(first.lower)) {
    const last = units[end - 1];
    if (units[end - 2]?.lower === 'zu' && isVerb(last, lexicon)) return [end - 2, end - 1, ...range(start, end - 2)];
    if (last?.gloss.startsWith('to ') && /^\p{Ll}+zu\p{Ll}+$/u.test(last.source)) return [end - 1, ...range(start, end - 1)];
  }
  const relative = RELATIVE_PRONOUNS[first.lower] === first.gloss && start > 0;
  if (relative || SUBORDINATORS.has(first.lower)) {
    const clusterStart = trailingVerbs(units, start + 1, end, lexicon);
    const subjectEnd = nounPhraseEnd(units, start + 1, clusterStart, lexicon) ?? start + 1;
    if (clusterStart >= end || clusterStart <= subjectEnd) return undefined;
    const cluster = range(clusterStart, end).reverse();
    passiveInCluster(units, cluster);
    return [...range(start, subjectEnd), ...cluster, ...range(subjectEnd, clusterStart)];
  }
  // A main clause: find its finite verb.
  let finite = -1;
  for (let i = start; i < Math.min(end, start + FRONT_REACH); i++) {
    const unit = units[i];
    if (unit && (AUXILIARIES.has(unit.lower) || (i > start && isVerb(unit, lexicon)))) {
      finite = i;
      break;
    }
  }
  const verb = units[finite];
  if (finite <= start || !verb) return undefined;
  const inverted = PREPOSITIONS.has(first.lower) || (finite === start + 1 && isAdverb(first, start === 0, lexicon));
  let subjectFrom = start;
  let subjectEnd = finite;
  if (inverted) {
    const end2 = nounPhraseEnd(units, finite + 1, end, lexicon);
    if (end2 === undefined) return undefined;
    subjectFrom = finite + 1;
    subjectEnd = end2;
  }
  const afterSubject = inverted ? subjectEnd : finite + 1;
  const clusterStart = AUXILIARIES.has(verb.lower) ? trailingVerbs(units, afterSubject, end, lexicon) : end;
  const cluster = clusterStart > afterSubject ? range(clusterStart, end).reverse() : [];
  passiveInCluster(units, cluster);
  // "wird … gebaut" is the passive "is built", not "will built".
  const passive = PASSIVE[verb.lower];
  const last = units[end - 1];
  if (passive && last && end - 1 > finite && isParticiple(last, lexicon)) verb.gloss = passive;
  const restEnd = cluster.length > 0 ? clusterStart : end;
  if (!inverted && cluster.length === 0) return undefined;
  const front = range(start, inverted ? finite : start);
  const subject = inverted ? range(subjectFrom, subjectEnd) : range(start, finite);
  return [...front, ...subject, finite, ...cluster, ...range(afterSubject, restEnd)];
}

/**
 * In a cluster read in English order, `werden` after the finite verb is the passive's "be" and
 * `sein`/`haben` are infinitives: "hergestellt werden kann" → "can be manufactured".
 */
function passiveInCluster(units: readonly Unit[], cluster: readonly number[]): void {
  for (const [k, index] of cluster.entries()) {
    const unit = units[index];
    if (!unit || k === 0) continue;
    if (unit.lower === 'werden' || unit.lower === 'sein') unit.gloss = 'be';
    else if (unit.lower === 'haben') unit.gloss = 'have';
  }
}

/** Puts the units of one clause in `order` (absolute indexes), keeping each gap in its place. */
function reorder(units: Unit[], start: number, order: readonly number[]): void {
  const moved = order.map((i) => units[i]);
  moved.forEach((unit, k) => {
    const slot = units[start + k];
    if (unit && slot) units[start + k] = { ...unit, gap: slot.gap };
  });
}

const PASSIVE: Record<string, string> = { wird: 'is', werden: 'are' };

/** A past participle: a listed verb form that is not its own infinitive (gebaut → bauen). */
function isParticiple(unit: Unit, lexicon: Lexicon): boolean {
  const lemma = lexicon.verbLemma(unit.lower);
  return lemma !== undefined && lemma !== unit.lower && /(?:t|en)$/u.test(unit.lower) && !/(?:te|ten)$/u.test(unit.lower);
}

function isVerb(unit: Unit | undefined, lexicon: Lexicon): boolean {
  if (!unit || unit.words !== 1) return false;
  if (AUXILIARIES.has(unit.lower) || NONFINITE_AUXILIARIES.has(unit.lower)) return true;
  if (/^\p{Lu}/u.test(unit.source) || isFunctionWord(unit.lower)) return false;
  return lexicon.verbLemma(unit.lower) !== undefined;
}

/** Where a clause's final verb cluster starts (`end` when it has none). */
function trailingVerbs(units: readonly Unit[], from: number, end: number, lexicon: Lexicon): number {
  let i = end;
  while (i > from && end - i < MAX_CLUSTER && isVerb(units[i - 1], lexicon)) i--;
  // "zu" belongs to the infinitive after it: "… zu verstecken" stays together.
  if (i > from && i < end && units[i - 1]?.lower === 'zu') i--;
  return i;
}

function isNoun(unit: Unit | undefined): boolean {
  return unit !== undefined && /^\p{Lu}/u.test(unit.source) && !isFunctionWord(unit.lower);
}

/** A fronted single word that is not a noun, a name or a pronoun: Heute, Dann, Trotzdem. */
function isAdverb(unit: Unit, sentenceInitial: boolean, lexicon: Lexicon): boolean {
  if (PRONOUNS.has(unit.lower) || DETERMINERS.has(unit.lower)) return false;
  if (!sentenceInitial) return !isNoun(unit);
  return lexicon.lookupExact(unit.lower, false) !== undefined;
}

/**
 * The end of the noun phrase starting at `i` (a pronoun, a name, or determiner … noun, with a
 * genitive after it), or undefined when none starts there.
 */
function nounPhraseEnd(units: readonly Unit[], i: number, end: number, lexicon: Lexicon): number | undefined {
  const unit = units[i];
  if (!unit || i >= end) return undefined;
  let j: number;
  if (PRONOUNS.has(unit.lower)) return i + 1;
  if (DETERMINERS.has(unit.lower)) {
    j = i + 1;
    while (j < end && !isNoun(units[j])) {
      if (isVerb(units[j], lexicon) && !/^\p{L}+(?:e|en|er|es|em)$/u.test(units[j]?.lower ?? '')) return undefined;
      j++;
    }
    if (j >= end) return undefined;
    j++;
  } else if (isNoun(unit)) {
    j = i + 1;
  } else {
    return undefined;
  }
  while (j < end && isNoun(units[j])) j++;
  // A genitive (der Wissenschaftler der Universität) belongs to the subject.
  const next = units[j];
  if (next && (next.lower === 'des' || next.gloss === 'of the')) return nounPhraseEnd(units, j, end, lexicon) ?? j;
  return j;
}
