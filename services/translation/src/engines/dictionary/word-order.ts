import {
  AUXILIARIES,
  DETERMINERS,
  isFunctionWord,
  NONFINITE_AUXILIARIES,
  PREPOSITIONS,
  PRONOUNS,
  RELATIVE_PRONOUNS,
  SEPARABLE_PARTICLES,
  SUBORDINATORS,
} from './function-words.js';
import { inflectGloss } from './inflection.js';
import { clauses, type Unit, type WordClasses } from './units.js';

/** Conjunctions that join main clauses without changing their order. */
const COORDINATORS = new Set(['und', 'oder', 'aber', 'sondern', 'denn']);

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
export function englishWordOrder(units: Unit[], lexicon: WordClasses): void {
  let previousFirst: Unit | undefined;
  for (const [clauseStart, end] of clauses(units)) {
    const opener = previousFirst;
    previousFirst = units[clauseStart];
    passiveAgent(units, clauseStart, end, lexicon);
    // "…, und die Chefs sind beide zurückgetreten": the clause proper starts after the conjunction.
    const start = COORDINATORS.has(units[clauseStart]?.lower ?? '') ? clauseStart + 1 : clauseStart;
    // After a fronted subordinate clause or a quote the main clause opens with its verb: "…, sagte er".
    const afterClause = start > 0 && /,\s*$/u.test(units[start]?.gap ?? '') &&
      ([opener, units[0]].some((u) => u !== undefined && (SUBORDINATORS.has(u.lower) || PREPOSITIONS.has(u.lower))) ||
        /["“”„»«]/u.test(units[start]?.gap ?? ''));
    auxiliaryReadings(units, start, end, lexicon);
    // "…, regnete es" → "it rained" has two words; other clauses need three to change.
    if (end - start < (afterClause ? 2 : 3)) continue;
    const order = clauseOrder(units, start, end, lexicon, afterClause) ?? clusterOrder(units, start, end, lexicon);
    if (order) reorder(units, start, order);
  }
}

function clauseOrder(units: readonly Unit[], start: number, end: number, lexicon: WordClasses, afterClause: boolean): number[] | undefined {
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
    // A relative pronoun may be the subject itself: "…, die genutzt wurden" → "which were used".
    if (clusterStart >= end || clusterStart < subjectEnd) return undefined;
    const cluster = range(clusterStart, end).reverse();
    passiveInCluster(units, cluster, 1, lexicon);
    perfectInCluster(units, cluster[0], cluster.slice(1), lexicon);
    // "…, die genutzt werden" → "which are used".
    const finite = units[cluster[0] ?? -1];
    const participle = units[cluster[1] ?? -1];
    if (finite && participle && PASSIVE[finite.lower] && isParticiple(participle, lexicon)) finite.gloss = PASSIVE[finite.lower] ?? finite.gloss;
    // während and da open a clause as "while" and "as" (before a noun they are "during" and "there").
    first.gloss = CONJUNCTIONS[first.lower] ?? first.gloss;
    return [...range(start, subjectEnd), ...cluster, ...range(subjectEnd, clusterStart)];
  }
  // A main clause: find its finite verb.
  let finite = -1;
  for (let i = start; i < Math.min(end, start + FRONT_REACH); i++) {
    const unit = units[i];
    if (unit && (AUXILIARIES.has(unit.lower) || ((i > start || afterClause) && isVerb(unit, lexicon)))) {
      finite = i;
      break;
    }
  }
  const verb = units[finite];
  if (finite < start || (finite === start && !afterClause) || !verb) return undefined;
  // Fronted: a prepositional phrase (Nach dem Spiel sagte er), an adverb (Heute ist …), an
  // adverb before one (Kurz nach elf blockierten die Demonstranten …).
  const inverted =
    finite === start ||
    PREPOSITIONS.has(first.lower) ||
    (finite === start + 1 && isAdverb(first, start === 0, lexicon)) ||
    (finite > start + 2 && PREPOSITIONS.has(units[start + 1]?.lower ?? '') && isAdverb(first, start === 0, lexicon));
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
  const cluster = clusterStart < end ? range(clusterStart, end).reverse() : [];
  passiveInCluster(units, cluster, 0, lexicon);
  perfectInCluster(units, finite, cluster, lexicon);
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
 * A clause of no known shape still gets its final verb cluster in English order, where it
 * stands: "…, mit dem Zellen sortiert werden können" → "… can be sorted".
 */
function clusterOrder(units: readonly Unit[], start: number, end: number, lexicon: WordClasses): number[] | undefined {
  const clusterStart = trailingVerbs(units, start, end, lexicon);
  // Only a cluster ending in its finite auxiliary (sortiert werden können): in a main clause
  // like "Die Brücke wird gebaut" the finite verb already stands second.
  if (end - clusterStart < 2 || units[clusterStart]?.lower === 'zu' || !AUXILIARIES.has(units[end - 1]?.lower ?? '')) return undefined;
  const cluster = Array.from({ length: end - clusterStart }, (_, k) => end - 1 - k);
  passiveInCluster(units, cluster, 1, lexicon);
  const finite = units[cluster[0] ?? -1];
  const participle = units[cluster[1] ?? -1];
  if (finite && participle && PASSIVE[finite.lower] && isParticiple(participle, lexicon)) finite.gloss = PASSIVE[finite.lower] ?? finite.gloss;
  return [...Array.from({ length: clusterStart - start }, (_, k) => start + k), ...cluster];
}

/**
 * In a cluster read in English order, `werden` after the finite verb is the passive's "be" and
 * `sein`/`haben` are infinitives: "hergestellt werden kann" → "can be manufactured". `from` is
 * where the non-finite verbs start (1 when the cluster holds the finite verb too).
 */
function passiveInCluster(units: readonly Unit[], cluster: readonly number[], from: number, lexicon: WordClasses): void {
  for (const [k, index] of cluster.entries()) {
    const unit = units[index];
    if (!unit || k < from) continue;
    if (unit.lower === 'werden' || unit.lower === 'sein') unit.gloss = 'be';
    else if (unit.lower === 'haben') unit.gloss = 'have';
    else if (isParticiple(unit, lexicon)) unit.gloss = participleGloss(unit, lexicon);
  }
}

/**
 * The perfect of a verb of motion or change is formed with `sein`: "ist gekommen" → "has
 * come", "war gekommen" → "had come" (not "is come", "was come").
 */
function perfectInCluster(units: readonly Unit[], finiteIndex: number | undefined, rest: readonly number[], lexicon: WordClasses): void {
  const finite = units[finiteIndex ?? -1];
  const participle = units[rest[0] ?? -1];
  if (!finite || !participle || rest.length !== 1 || !isParticiple(participle, lexicon)) return;
  const perfect = SEIN_PERFECT[finite.lower];
  const lemma = lexicon.verbLemma(participle.lower);
  if (perfect && lemma !== undefined && takesSein(lemma)) finite.gloss = perfect;
}

const SEIN_PERFECT: Record<string, string> = { ist: 'has', sind: 'have', bin: 'have', war: 'had', waren: 'had' };
/**
 * Verbs of motion or change of state, whose perfect is formed with `sein` (gekommen,
 * angekommen, gestorben), alone or after a separable particle; bekommen, verstehen take `haben`.
 */
const SEIN_VERBS = new RegExp(
  `^(?:${[...SEPARABLE_PARTICLES].join('|')}|heran|herum|hinaus|um|durch|ent|zer)?(?:kommen|gehen|fahren|fliegen|laufen|reisen|sterben|werden|bleiben|passieren|geschehen|fallen|wachsen|steigen|sinken|ziehen|treten|entstehen|erscheinen|gelingen|wandern|folgen|springen|schwimmen|fliehen|wachen|verschwinden|landen|stürzen|begegnen|rennen|segeln|fließen|sein)$`,
  'u',
);

function takesSein(lemma: string): boolean {
  return SEIN_VERBS.test(lemma);
}

/**
 * A clause ending in a participle reads its auxiliary as a passive or a perfect whatever its
 * order: "…, ist im Alter von 54 Jahren gestorben" → "has … died", "wird … gebaut" → "is built".
 */
function auxiliaryReadings(units: Unit[], start: number, end: number, lexicon: WordClasses): void {
  const last = units[end - 1];
  if (!last || !isParticiple(last, lexicon)) return;
  for (let i = start; i < end - 1; i++) {
    const unit = units[i];
    if (!unit || !AUXILIARIES.has(unit.lower)) continue;
    const passive = PASSIVE[unit.lower];
    if (passive) unit.gloss = passive;
    else perfectInCluster(units, i, [end - 1], lexicon);
    return;
  }
}

/** In a passive clause (a form of werden and a participle), von and durch name the agent: "by". */
function passiveAgent(units: Unit[], start: number, end: number, lexicon: WordClasses): void {
  let werden = false;
  let participle = false;
  for (let i = start; i < end; i++) {
    const unit = units[i];
    if (!unit) continue;
    werden ||= PASSIVE_AUXILIARIES.has(unit.lower);
    participle ||= isParticiple(unit, lexicon);
  }
  if (!werden || !participle) return;
  for (let i = start; i < end; i++) {
    const unit = units[i];
    const agent = unit && AGENT[unit.lower];
    if (agent) unit.gloss = agent;
  }
}

const PASSIVE_AUXILIARIES = new Set(['wird', 'werden', 'wurde', 'wurden', 'worden']);
const AGENT: Record<string, string> = { von: 'by', vom: 'by the', durch: 'by' };

/** Puts the units of one clause in `order` (absolute indexes), keeping each gap in its place. */
function reorder(units: Unit[], start: number, order: readonly number[]): void {
  const moved = order.map((i) => units[i]);
  moved.forEach((unit, k) => {
    const slot = units[start + k];
    if (unit && slot) units[start + k] = { ...unit, gap: slot.gap };
  });
}

const PASSIVE: Record<string, string> = { wird: 'is', werden: 'are' };

const CONJUNCTIONS: Record<string, string> = { während: 'while', da: 'as' };

/**
 * A participle the dictionary does not list was glossed by its ending as a present
 * ("sortiert" → "sorts"); after an auxiliary it is the English participle ("sorted").
 */
function participleGloss(unit: Unit, lexicon: WordClasses): string {
  const lemma = lexicon.verbLemma(unit.lower);
  const base = lemma === undefined ? undefined : lexicon.lookupExact(lemma, false);
  if (base === undefined || unit.gloss !== inflectGloss(base, 'thirdPerson')) return unit.gloss;
  return inflectGloss(base, 'participle');
}

/** A past participle: a listed verb form that is not its own infinitive (gebaut → bauen). */
function isParticiple(unit: Unit, lexicon: WordClasses): boolean {
  const lemma = lexicon.verbLemma(unit.lower);
  // Not a past tense (sagte, sagten), but getreten, zurückgetreten are participles.
  const past = /(?:te|ten)$/u.test(unit.lower) && !/ge\p{L}+ten$/u.test(unit.lower);
  return lemma !== undefined && lemma !== unit.lower && /(?:t|en)$/u.test(unit.lower) && !past;
}

function isVerb(unit: Unit | undefined, lexicon: WordClasses): boolean {
  if (!unit || unit.words !== 1) return false;
  if (AUXILIARIES.has(unit.lower) || NONFINITE_AUXILIARIES.has(unit.lower)) return true;
  if (/^\p{Lu}/u.test(unit.source) || isFunctionWord(unit.lower)) return false;
  return lexicon.verbLemma(unit.lower) !== undefined;
}

/** Where a clause's final verb cluster starts (`end` when it has none). */
function trailingVerbs(units: readonly Unit[], from: number, end: number, lexicon: WordClasses): number {
  let i = end;
  while (i > from && end - i < MAX_CLUSTER && isVerb(units[i - 1], lexicon)) i--;
  // "zu" belongs to the infinitive after it: "… zu verstecken" stays together.
  if (i > from && i < end && units[i - 1]?.lower === 'zu') i--;
  return i;
}

/** Cardinal numbers in digits or words: 14, vierzehn, zwanzig, hundert. */
const NUMERAL =
  /^(?:\d[\d.,]*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|\p{L}+zehn|\p{L}*zig|\p{L}*ßig|hundert|tausend)$/u;

function isNoun(unit: Unit | undefined): boolean {
  return unit !== undefined && /^\p{Lu}/u.test(unit.source) && !isFunctionWord(unit.lower);
}

/** A fronted single word that is not a noun, a name or a pronoun: Heute, Dann, Trotzdem. */
function isAdverb(unit: Unit, sentenceInitial: boolean, lexicon: WordClasses): boolean {
  if (PRONOUNS.has(unit.lower) || DETERMINERS.has(unit.lower)) return false;
  if (!sentenceInitial) return !isNoun(unit);
  return lexicon.lookupExact(unit.lower, false) !== undefined;
}

/**
 * The end of the noun phrase starting at `i` (a pronoun, a name, or determiner … noun, with a
 * genitive after it), or undefined when none starts there.
 */
function nounPhraseEnd(units: readonly Unit[], i: number, end: number, lexicon: WordClasses): number | undefined {
  const unit = units[i];
  if (!unit || i >= end) return undefined;
  let j: number;
  if (PRONOUNS.has(unit.lower)) return i + 1;
  // "vierzehn Banken", "reiche Klienten": a number or an adjective before a noun opens one too.
  const adjective = /^\p{Ll}+(?:e|en|er|es|em)$/u.test(unit.source) && isNoun(units[i + 1]);
  if (DETERMINERS.has(unit.lower) || NUMERAL.test(unit.lower) || adjective) {
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
