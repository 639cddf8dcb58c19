import {
  AUXILIARIES,
  DETERMINERS,
  fixedPairGloss,
  functionWordGloss,
  isFunctionWord,
  RELATIVE_PRONOUNS,
  SEPARABLE_PARTICLES,
} from './function-words.js';
import { germanVerbForm, inflectGloss, superlativeStems } from './inflection.js';
import type { Lexicon } from './lexicon.js';
import { lemmaCandidates, MIN_COMPOUND_PART, modifierCandidates } from './morphology.js';
import { englishNumbers } from './numbers.js';
import { ALL_RULES, type DictionaryRules } from './rules.js';
import { joinSeparableVerbs, particleVerbGloss } from './separable.js';
import { clauses, type Unit, type WordClasses } from './units.js';
import { englishWordOrder } from './word-order.js';

/**
 * Word-by-word glossing of one German sentence: longest dictionary phrase first, then
 * single words through inflection and compound analysis; unknown words pass through.
 * Everything between words (spaces, punctuation) is copied unchanged. The rules then join
 * separable verbs and move verbs to English positions within each clause.
 */
export class Glosser {
  readonly #lexicon: Lexicon;
  readonly #rules: DictionaryRules;
  /** Word glosses are pure functions of (word, position class): cache them. */
  readonly #cache = new Map<string, string>();
  /** Infinitives of unlisted verb forms ('' for none), asked for by several rules per word. */
  readonly #lemmaCache = new Map<string, string>();
  static readonly #CACHE_LIMIT = 200_000;
  /** Whether a lemma candidate is a verb; with inflection off, any candidate goes. */
  readonly #isVerb: ((lemma: string) => boolean) | undefined;
  /** The dictionary as the clause rules see it, with verb forms found by their endings too. */
  readonly #classes: WordClasses;

  constructor(lexicon: Lexicon, rules: DictionaryRules = ALL_RULES) {
    this.#lexicon = lexicon;
    this.#rules = rules;
    this.#isVerb = rules.inflection ? (lemma) => lexicon.verbLemma(lemma) !== undefined : undefined;
    this.#classes = {
      verbLemma: (lowerWord) => this.#verbLemma(lowerWord),
      lookupExact: (phrase, noun) => lexicon.lookupExact(phrase, noun),
    };
  }

  /** The infinitive of a verb form, listed or found by its ending: erreichten → erreichen. */
  #verbLemma(lower: string): string | undefined {
    const listed = this.#lexicon.verbLemma(lower);
    if (listed !== undefined || !this.#rules.inflection) return listed;
    const cached = this.#lemmaCache.get(lower);
    if (cached !== undefined) return cached === '' ? undefined : cached;
    const lemma = this.#unlistedVerbLemma(lower);
    if (this.#lemmaCache.size >= Glosser.#CACHE_LIMIT) this.#lemmaCache.clear();
    this.#lemmaCache.set(lower, lemma ?? '');
    return lemma;
  }

  #unlistedVerbLemma(lower: string): string | undefined {
    const stems: string[] = [];
    const verb = germanVerbForm(lower);
    if (verb) stems.push(verb.stem);
    // Participles: eingegeben → ein|geb|en, gemäht → mäh.
    const participle = /^(\p{L}*?)ge(\p{L}{2,}?)(?:t|et|en)$/u.exec(lower);
    if (participle) stems.push(`${participle[1] ?? ''}${participle[2] ?? ''}`);
    for (const stem of stems) {
      for (const infinitive of [`${stem}en`, `${stem}n`]) {
        if (this.#lexicon.verbLemma(infinitive) !== undefined) return infinitive;
      }
    }
    // A particle on a listed form: abhielt → ab + hielt (halten) → abhalten.
    for (const particle of SEPARABLE_PARTICLES) {
      if (!lower.startsWith(particle) || lower.length - particle.length < 3) continue;
      const lemma = this.#lexicon.verbLemma(lower.slice(particle.length));
      if (lemma !== undefined && this.#lexicon.verbLemma(particle + lemma) !== undefined) return particle + lemma;
    }
    return undefined;
  }

  glossSentence(german: string): string {
    const { sentence, units, tail } = this.glossUnits(german);
    let out = '';
    for (const unit of units) {
      // A silent word (sich, a joined particle) takes its space with it.
      out += unit.gloss === '' ? unit.gap.replace(/[ \t]+$/u, '') : unit.gap + unit.gloss;
    }
    out += tail;
    if (this.#rules.functionWords) out = out.replace(A_BEFORE_VOWEL, '$1n ').replace(/\b([Aa])n other\b/gu, '$1nother');
    return /^\P{L}*\p{Lu}/u.test(sentence) ? capitaliseFirst(out) : out;
  }

  /** The sentence's glossed units after all rules, in English order, and the text after the last. */
  glossUnits(german: string): { sentence: string; units: Unit[]; tail: string } {
    const sentence = this.#rules.numbers ? englishNumbers(german) : german;
    const words = [...sentence.matchAll(WORD)].map((m) => ({
      text: m[0],
      start: m.index,
      end: m.index + m[0].length,
    }));
    const units: Unit[] = [];
    let cursor = 0;
    for (let i = 0; i < words.length; ) {
      const first = words[i];
      if (!first) break;
      const gap = sentence.slice(cursor, first.start);
      const phrase = this.#matchPhrase(sentence, words, i);
      let gloss: string;
      let consumed: number;
      if (phrase) {
        ({ gloss, consumed } = phrase);
        // A listed sentence ("es regnet" → "It's raining") mid-sentence: "if it's raining".
        if (i > 0 && !OPENS_SENTENCE.test(gap) && SENTENCE_START.test(gloss)) gloss = gloss.charAt(0).toLowerCase() + gloss.slice(1);
      } else {
        gloss =
          this.#contextGloss(first.text, units.at(-1), gap, words[i + 1]?.text) ??
          this.#attributiveGloss(first.text, units.at(-1), words[i + 1]?.text) ??
          this.glossWord(first.text, i === 0 || OPENS_SENTENCE.test(gap));
        consumed = 1;
      }
      units.push({ source: first.text, lower: first.text.toLowerCase(), words: consumed, gloss, gap });
      const last = words[i + consumed - 1];
      cursor = last ? last.end : first.end;
      i += consumed;
    }
    if (this.#rules.functionWords) this.#relativePronouns(units);
    if (this.#rules.separableVerbs) {
      joinSeparableVerbs(units, this.#lexicon);
      this.#reflexiveVerbs(units);
    }
    // Questions put the verb first in English too.
    if (this.#rules.wordOrder && !/\?\P{L}*$/u.test(sentence)) englishWordOrder(units, this.#classes);
    if (this.#rules.functionWords) {
      this.#genericYou(units);
      relativeWho(units);
      thereAre(units);
      infinitiveSein(units);
      possessiveIts(units, german);
      if (!/\?\P{L}*$/u.test(sentence)) this.#imperative(units);
    }
    return { sentence, units, tail: sentence.slice(cursor) };
  }

  /**
   * Articles whose English depends on their neighbours: `der` after a noun is a genitive
   * (die Erfindung der Forscher → the invention of the researchers), and a d-word after a
   * comma followed by no noun is a relative pronoun (…, der für … → …, which for …), and
   * `das` before a verb is a pronoun (Das ist … → That is …).
   */
  #contextGloss(word: string, previous: Unit | undefined, gap: string, next: string | undefined): string | undefined {
    if (!this.#rules.functionWords) return undefined;
    const lower = word.toLowerCase();
    // "Das ist ein Problem": a d-word before a verb is a pronoun, not an article.
    if ((lower === 'das' || lower === 'dies') && next !== undefined && AUXILIARIES.has(next)) return 'that';
    // Prepositions before a time or a place: am Montag → on Monday, gegen 9:30 → around 9:30,
    // nach Paris → to Paris (a name: its English is capitalised too).
    if (next !== undefined) {
      if (lower === 'am' && (WEEKDAYS.test(next) || /^\d/u.test(next))) return 'on';
      if (lower === 'gegen' && /^\d/u.test(next)) return 'around';
      // um 9:30 → at 9:30, but um die Welt → around the world, um 10 Prozent → by 10 percent.
      if (lower === 'um' && !/^\d{1,2}(?::\d\d)?$/u.test(next)) return /^\d/u.test(next) ? 'by' : 'around';
      if (lower === 'nach' && /^\p{Lu}/u.test(next) && /^\p{Lu}/u.test(this.glossWord(next, false))) return 'to';
    }
    const midSentence = previous !== undefined && !OPENS_SENTENCE.test(gap);
    // Capitalised mid-sentence, Sie and Ihr … are the polite "you", "your" (Sie sollten … → you should …).
    if (midSentence && /^Ihr(?:e|en|em|er|es)?$/u.test(word)) return 'your';
    // am größten → the biggest: the superlative's gloss carries the rest.
    if (lower === 'am' && next !== undefined && /^\p{Ll}{2,}sten$/u.test(next)) return 'the';
    if (lower === 'sie') {
      if (word === 'Sie' && midSentence) return 'you';
      // Sie müssen / Sie sollten … at the start is advice to the reader: "you must", "you should".
      if (word === 'Sie' && next !== undefined && ADVICE_MODALS.has(next)) return 'you';
      // Otherwise "she" only beside a singular verb (sie spielt), "they" beside a plural one
      // and by default: the plural is the commoner reading in running text.
      if (isSingularVerb(next, this.#classes) || isSingularVerb(previous?.source, this.#classes)) return 'she';
      return 'they';
    }
    if (!previous) return undefined;
    // größer als → bigger than, mehr als → more than.
    const comparative = COMPARATIVE.test(previous.source) && (previous.lower === 'mehr' || !isFunctionWord(previous.lower));
    if (lower === 'als' && /^\s+$/u.test(gap) && comparative) {
      return 'than';
    }
    // "zu sein" is "to be", not "to his".
    if (previous.lower === 'zu' && (lower === 'sein' || lower === 'haben')) return lower === 'sein' ? 'be' : 'have';
    if (lower === 'der' && /^\s+$/u.test(gap) && previous.words === 1 && /^\p{Lu}\p{Ll}/u.test(previous.source)) {
      if (!isFunctionWord(previous.lower) && previous.gloss !== '') return 'of the';
    }
    const relative = RELATIVE_PRONOUNS[lower];
    if (relative && /,\s*$/u.test(gap) && next !== undefined && !/^\p{Lu}/u.test(next)) {
      if (isFunctionWord(next.toLowerCase()) || this.#verbLemma(next.toLowerCase()) !== undefined) return relative;
    }
    return undefined;
  }

  /** "Trinken Sie Wasser." is the polite imperative "Drink water.": English has no "you" there. */
  #imperative(units: Unit[]): void {
    for (const [k, unit] of units.entries()) {
      const verb = units[k - 1];
      if (unit.source !== 'Sie' || !verb || verb.words !== 1 || !/^\p{Lu}/u.test(verb.source)) continue;
      if (k - 1 > 0 && !OPENS_SENTENCE.test(verb.gap)) continue;
      if (!verb.lower.endsWith('n') || this.#lexicon.verbLemma(verb.lower) !== verb.lower) continue;
      unit.gloss = '';
    }
  }

  /** "man denkt" is "you think", not "you thinks": the verb after generic "you" agrees with it. */
  #genericYou(units: Unit[]): void {
    for (const [k, unit] of units.entries()) {
      const verb = units[k + 1];
      if (unit.lower !== 'man' || !verb) continue;
      const auxiliary = YOU_FORMS[verb.lower];
      if (auxiliary !== undefined && verb.words === 1) {
        verb.gloss = auxiliary;
        continue;
      }
      // A present in -t (denkt, denkt an) glossed in the third person: considers → consider.
      if (/^\p{Ll}+t$/u.test(verb.lower)) verb.gloss = verb.gloss.replace(THIRD_PERSON, (s) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.replace(/(?<=(?:ss|sh|ch|x|o))es$|s$/u, '')));
    }
  }

  /**
   * A lower-case word with an adjective ending after an article or before a noun is an
   * adjective: "die gleichen Eigenschaften" → gleich "same" (not the verb gleichen "be
   * like"), "flüssiger Stickstoff" → flüssig "liquid".
   */
  #attributiveGloss(word: string, previous: Unit | undefined, next: string | undefined): string | undefined {
    // Superlatives (größten) have their own rule.
    if (!this.#rules.inflection || !/^\p{Ll}/u.test(word) || isFunctionWord(word) || /st(?:e|en|em|er|es)$/u.test(word)) return undefined;
    const ending = /^(\p{Ll}{3,}?)(?:e|en|em|er|es)$/u.exec(word);
    if (!ending?.[1]) return undefined;
    // Before a noun a verb form is as likely ("…, sagte Lord Costello"): only an article says.
    const afterArticle = previous !== undefined && DETERMINERS.has(previous.lower);
    const beforeNoun = next !== undefined && /^\p{Lu}\p{Ll}/u.test(next) && this.#verbLemma(word) === undefined;
    if (!afterArticle && !beforeNoun) return undefined;
    // zweites → zweite "second", gleichen → gleich "same".
    return this.#lexicon.lookupExact(`${ending[1]}e`, false) ?? this.#lexicon.lookupExact(ending[1], false);
  }

  /**
   * A d-word opening a clause after a comma that ends in a verb is a relative pronoun: "…, der
   * 55 000 Fässer halten kann"; `als` opening a clause that ends in a verb is "when": "…, als
   * Jagr diesen Meilenstein erreichte".
   */
  #relativePronouns(units: Unit[]): void {
    for (const [start, end] of clauses(units)) {
      const first = units[start];
      const last = units[end - 1];
      // Not "Als Todesursache wurde … angegeben" (verb-second, ending in a participle): "As …".
      const verbSecond = units.slice(start + 1, Math.min(end - 1, start + 3)).some((u) => AUXILIARIES.has(u.lower));
      if (first?.lower === 'als' && last && end - start >= 3 && (start === 0 || /,\s*$/u.test(first.gap)) && this.#isFiniteVerb(last) && !verbSecond) {
        first.gloss = 'when';
        continue;
      }
      // "…, in dem das erste Flugzeug sein Ziel traf" → "in which the first plane …".
      const second = units[start + 1];
      if (first && second && PREPOSITIONS.has(first.lower) && first.words === 1 && second.words === 1 && /,\s*$/u.test(first.gap)) {
        const pronoun = RELATIVE_PRONOUNS[second.lower];
        if (pronoun && last && end - start >= 4 && this.#isFiniteVerb(last) && OPENS_RELATIVE_BODY.has(units[start + 2]?.lower ?? '')) {
          second.gloss = pronoun;
          continue;
        }
      }
      const relative = first && RELATIVE_PRONOUNS[first.lower];
      if (!relative || !last || end - start < 3 || !/,\s*$/u.test(first.gap)) continue;
      // "…, das Fenster zu öffnen": an article before a noun, in an infinitive clause.
      if (/^\p{Lu}/u.test(units[start + 1]?.source ?? '') || units[end - 2]?.lower === 'zu') continue;
      if (this.#isFiniteVerb(last)) first.gloss = relative;
    }
  }

  /**
   * A verb with a reflexive pronoun in its clause takes the sense of its `sich` entry:
   * "befindet … sich" → "is located" (sich befinden), "erinnerte sich" → "remembered".
   */
  #reflexiveVerbs(units: Unit[]): void {
    for (const [start, end] of clauses(units)) {
      const reflexive = units.slice(start, end).some((u) => REFLEXIVES.has(u.lower) && u.words === 1);
      if (!reflexive) continue;
      for (let i = start; i < end; i++) {
        const unit = units[i];
        if (!unit || unit.words !== 1 || /^\p{Lu}/u.test(unit.source) && i > start) continue;
        if (AUXILIARIES.has(unit.lower) || isFunctionWord(unit.lower)) continue;
        const lemma = this.#verbLemma(unit.lower);
        const gloss = lemma === undefined ? undefined : this.#lexicon.lookupExact(`sich ${lemma}`, false);
        if (gloss === undefined || gloss.includes(' ')) continue;
        const form = lemma === unit.lower ? undefined : germanVerbForm(unit.lower)?.form;
        unit.gloss = form ? inflectGloss(gloss, form) : gloss;
        break;
      }
    }
  }

  /** Whether a unit may be a clause's final (finite) verb: an auxiliary or a listed verb form. */
  #isFiniteVerb(unit: Unit): boolean {
    return unit.words === 1 && !/^\p{Lu}/u.test(unit.source) && (AUXILIARIES.has(unit.lower) || this.#verbLemma(unit.lower) !== undefined);
  }

  /** The longest multi-word dictionary phrase starting at word `i`, if any. */
  #matchPhrase(
    sentence: string,
    words: { text: string; start: number; end: number }[],
    i: number,
  ): { gloss: string; consumed: number } | undefined {
    const firstWord = words[i];
    if (!firstWord) return undefined;
    const max = Math.min(this.#lexicon.maxPhraseWords(firstWord.text.toLowerCase()), words.length - i);
    for (let n = max; n >= 2; n--) {
      let key = firstWord.text.toLowerCase();
      let contiguous = true;
      // Preposition + article pairs ("mit dem" listed as "wherewith", "zu sein" as an idiom).
      let onlyFunctionWords = isFunctionWord(key);
      let possessive = false;
      for (let k = 1; k < n; k++) {
        const prev = words[i + k - 1];
        const next = words[i + k];
        if (!prev || !next || !/^[ \t]+$/u.test(sentence.slice(prev.end, next.start))) {
          contiguous = false;
          break;
        }
        const lower = next.text.toLowerCase();
        onlyFunctionWords &&= isFunctionWord(lower);
        // "mit ihren Eltern" is listed as "with your parents": the owner is not the phrase's.
        if (POSSESSIVE.test(lower)) possessive = true;
        key += ` ${lower}`;
      }
      if (!contiguous || (possessive && this.#rules.functionWords)) continue;
      // "kam nach" is nachkommen only when nach ends the clause: "kam nach Buffalo" is "came to".
      if (this.#rules.separableVerbs && n === 2 && SEPARABLE_PARTICLES.has(key.slice(key.indexOf(' ') + 1))) {
        const after = words[i + 2];
        const particle = words[i + 1];
        if (after && particle && /^[ \t]+$/u.test(sentence.slice(particle.end, after.start))) continue;
      }
      // "zu gewinnen" is "to win", not the dictionary's "winnable"; "sehr eng" is "very
      // narrow", not "narrowly": a degree word or negation before a word reads word by word.
      if (n === 2 && key.startsWith('zu ') && this.#lexicon.verbLemma(key.slice(3)) === key.slice(3)) continue;
      if (this.#rules.functionWords && COMPOSITIONAL.has(firstWord.text.toLowerCase())) continue;
      if (this.#rules.functionWords) {
        const pair = n === 2 ? fixedPairGloss(key) : undefined;
        if (pair !== undefined) return { gloss: pair, consumed: n };
        if (onlyFunctionWords) continue;
        // "ihre Eltern" is listed as "your parents": a possessive + noun reads word by word.
        if (n === 2 && DETERMINERS.has(firstWord.text.toLowerCase())) continue;
      }
      const gloss = this.#lexicon.lookup(key, false);
      if (gloss !== undefined) return { gloss, consumed: n };
    }
    return this.#rules.inflection ? this.#inflectedPair(sentence, words, i) : undefined;
  }

  /**
   * An adjective + noun entry with the adjective inflected: "den Vereinigten Staaten" →
   * "Vereinigte Staaten" → "United States".
   */
  #inflectedPair(sentence: string, words: { text: string; start: number; end: number }[], i: number): { gloss: string; consumed: number } | undefined {
    const first = words[i];
    const second = words[i + 1];
    if (!first || !second || !/^[ \t]+$/u.test(sentence.slice(first.end, second.start))) return undefined;
    const adjective = /^(\p{L}{3,}e)(?:n|m|r|s)$/u.exec(first.text.toLowerCase());
    if (!adjective?.[1] || !/^\p{Lu}/u.test(second.text) || isFunctionWord(first.text.toLowerCase())) return undefined;
    const noun = second.text.toLowerCase();
    for (const base of [adjective[1], `${adjective[1]}r`, `${adjective[1]}s`]) {
      if (this.#lexicon.maxPhraseWords(base) < 2) continue;
      const gloss = this.#lexicon.lookup(`${base} ${noun}`, false);
      if (gloss !== undefined) return { gloss, consumed: 2 };
    }
    return undefined;
  }

  /** Gloss of one word; `sentenceInitial` because capitals there do not mark nouns. */
  glossWord(word: string, sentenceInitial: boolean): string {
    const cacheKey = `${sentenceInitial ? '^' : ''}${word}`;
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const gloss = this.#glossUncached(word, sentenceInitial);
    if (this.#cache.size >= Glosser.#CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(cacheKey, gloss);
    return gloss;
  }

  #glossUncached(word: string, sentenceInitial: boolean): string {
    // Numbers and single letters (km/h, Vitamin C) are the same in English.
    if (/^\p{N}/u.test(word) || word.length === 1) return word;
    // Acronyms and names in capitals (EU, NASA) are the same in English.
    if (word.length > 1 && word === word.toUpperCase()) return word;
    const lower = word.toLowerCase();
    const functionWord = functionWordGloss(lower);
    if (functionWord !== undefined) return functionWord;
    const capitalised = /^\p{Lu}/u.test(word);
    if (!capitalised && this.#rules.inflection) {
      const verbForm = this.#inflectedVerb(lower);
      if (verbForm !== undefined) return verbForm;
    }
    if (capitalised ? sentenceInitial : this.#rules.commonSense) {
      // A capital at the start says nothing: try the word as a non-noun first (Lokale → local).
      // A lower-case word is no noun: its lemma's sense comes before a noun's (großen → big,
      // not die Großen "grown-ups").
      const plain = this.#lexicon.lookupExact(lower, false);
      if (plain !== undefined) return plain;
      for (const lemma of lemmaCandidates(lower, false, this.#isVerb)) {
        const gloss = this.#lexicon.lookupExact(lemma, false);
        if (gloss !== undefined) return gloss;
      }
    }
    const preferNoun = capitalised && !sentenceInitial;
    // Mid-sentence, a capitalised word is a noun or a name: one that is exactly a lower-case
    // word of the dictionary is a name and keeps its spelling (Ma, not "wow"; Batten, not
    // "bitten"); inflected forms still go through lemmas (Führenden → leading).
    const nounOnly = preferNoun && this.#rules.names;
    const look = (phrase: string) =>
      nounOnly ? this.#lexicon.lookupExact(phrase, true) : this.#lexicon.lookup(phrase, preferNoun);
    const direct = look(lower);
    if (direct !== undefined) return direct;
    // A dative plural is the listed plural + n: den Jahren → Jahre → years.
    if (capitalised && this.#rules.inflection && /[^n]n$/u.test(lower)) {
      const plural = this.#lexicon.lookupExact(lower.slice(0, -1), true);
      if (plural !== undefined) return plural;
    }
    for (const lemma of lemmaCandidates(lower, capitalised, this.#isVerb)) {
      const gloss = this.#lexicon.lookup(lemma, preferNoun);
      if (gloss !== undefined) return gloss;
    }
    if (this.#rules.separableVerbs && !capitalised) {
      const infinitive = this.#zuInfinitive(lower) ?? particleVerbGloss(lower, this.#lexicon);
      if (infinitive) return infinitive;
    }
    const compound = this.#rules.compounds ? this.#splitCompound(lower, 0) : undefined;
    if (compound) return compound.join(' ');
    if (word.includes('-')) {
      // Standard-Tintenstrahldrucker → "standard inkjet printer": English writes the parts apart,
      // but a name's (Baden-Württemberg) or a number's (1995-96) hyphen stays.
      const parts = word.split('-');
      const glosses = parts.map((part) => (part ? this.glossWord(part, false) : part));
      const translated = glosses.some((gloss, k) => gloss !== parts[k]);
      return glosses.join(translated && this.#rules.compounds ? ' ' : '-');
    }
    return word;
  }

  /**
   * A verb form or superlative the dictionary does not list, glossed through its infinitive or
   * adjective in the same English form: sagte → sagen "say" → "said", meldet → melden "report"
   * → "reports", niedrigsten → niedrig "low" → "lowest".
   */
  #inflectedVerb(lower: string): string | undefined {
    if (this.#lexicon.lookupExact(lower, false) !== undefined) return undefined;
    const verb = germanVerbForm(lower);
    if (verb) {
      for (const infinitive of [`${verb.stem}en`, `${verb.stem}n`]) {
        if (this.#lexicon.verbLemma(infinitive) === undefined) continue;
        const gloss = this.#lexicon.lookupExact(infinitive, false);
        if (gloss !== undefined) return inflectGloss(gloss, verb.form);
      }
    }
    // wichtigsten → wichtig "important" → "most important".
    for (const stem of superlativeStems(lower)) {
      // nächsten is no superlative of nach.
      if (isFunctionWord(stem)) continue;
      const gloss = this.#lexicon.lookupExact(stem, false);
      if (gloss !== undefined && !gloss.includes(' ')) return inflectGloss(gloss, 'superlative');
    }
    return undefined;
  }

  /** zurückzukehren → "to return": a separable verb's infinitive with `zu` inside. */
  #zuInfinitive(lower: string): string | undefined {
    const match = ZU_INFINITIVE.exec(lower);
    if (!match?.[1] || !match[2]) return undefined;
    const gloss = this.#lexicon.lookupExact(match[1] + match[2], false);
    return gloss === undefined ? undefined : `to ${gloss}`;
  }

  /** Glosses of a compound's parts (modifiers first, head last), or undefined. */
  #splitCompound(lower: string, depth: number): string[] | undefined {
    if (depth > 3 || lower.length < 2 * MIN_COMPOUND_PART) return undefined;
    // Longest known head first: Bahnhofsuhr → Bahnhof|s + Uhr, not Bahn + hofsuhr.
    for (let cut = MIN_COMPOUND_PART; cut <= lower.length - MIN_COMPOUND_PART; cut++) {
      const headGloss = this.#headGloss(lower.slice(cut));
      if (headGloss === undefined) continue;
      const left = lower.slice(0, cut);
      for (const modifier of modifierCandidates(left)) {
        if (modifier.length < MIN_COMPOUND_PART) continue;
        const modifierGloss = this.#lexicon.lookup(modifier, true);
        if (modifierGloss !== undefined) return [modifierGloss, headGloss];
      }
      const inner = this.#splitCompound(left, depth + 1);
      if (inner) return [...inner, headGloss];
    }
    return undefined;
  }

  /** A compound's head is a noun, possibly inflected (Hausschlüsseln → Schlüssel). */
  #headGloss(head: string): string | undefined {
    if (this.#lexicon.hasNoun(head)) return this.#lexicon.lookup(head, true);
    for (const lemma of lemmaCandidates(head, true).slice(0, 4)) {
      if (this.#lexicon.hasNoun(lemma)) return this.#lexicon.lookup(lemma, true);
    }
    return undefined;
  }
}

/** A finite verb in the third person singular: ist, hat, spielt, spielte. */
function isSingularVerb(word: string | undefined, lexicon: WordClasses): boolean {
  if (word === undefined || /^\p{Lu}/u.test(word)) return false;
  if (SINGULAR_VERBS.has(word)) return true;
  return /\p{L}{2,}(?:[^n]t|te)$/u.test(word) && !isFunctionWord(word) && lexicon.verbLemma(word) !== undefined;
}

const SINGULAR_VERBS = new Set(['ist', 'war', 'hat', 'hatte', 'wird', 'wurde', 'kann', 'konnte', 'könnte', 'muss', 'musste', 'soll', 'sollte', 'will', 'wollte', 'darf', 'würde']);

/** Prepositions that open a relative clause before a d-word: "…, in dem …", "…, auf der …". */
const PREPOSITIONS = new Set(['in', 'an', 'auf', 'aus', 'bei', 'mit', 'nach', 'von', 'zu', 'über', 'unter', 'vor', 'hinter', 'neben', 'zwischen', 'für', 'durch', 'gegen', 'um', 'ohne', 'seit']);

/** What follows a relative pronoun but never an article: another article, a pronoun ("…, in dem er …"). */
const OPENS_RELATIVE_BODY = new Set([
  'der', 'die', 'das', 'den', 'dem', 'des', 'ein', 'eine', 'einen', 'einem', 'einer', 'eines',
  'er', 'sie', 'es', 'man', 'wir', 'ich', 'du', 'ihr', 'sich', 'jeder', 'jede', 'jedes', 'viele', 'alle',
]);

const REFLEXIVES = new Set(['sich', 'mich', 'dich', 'uns', 'euch']);

/** A relative pronoun after a person is "who": "die Forscher, die …" → "the researchers, who …". */
function relativeWho(units: Unit[]): void {
  for (const [k, unit] of units.entries()) {
    const antecedent = units[k - 1];
    if (!antecedent || unit.gloss !== 'which' || !Object.hasOwn(RELATIVE_PRONOUNS, unit.lower) || !/,\s*$/u.test(unit.gap)) continue;
    if (PERSON.test(antecedent.gloss) && /^\p{Lu}/u.test(antecedent.source)) unit.gloss = 'who';
  }
}

/**
 * sein/seine … are "his" for a man and "its" for a thing, and running text is mostly about
 * things: "its" unless the sentence names a man (er, ihm, ihn) or a person.
 */
function possessiveIts(units: Unit[], german: string): void {
  if (MALE_CONTEXT.test(german)) return;
  for (const [k, unit] of units.entries()) {
    if (unit.gloss !== 'his' || !SEIN_FORMS.test(unit.lower)) continue;
    // A person before it: a noun for people (der Präsident) or a name the dictionary does not know.
    const person = units
      .slice(0, k)
      .some((u, j) => (PERSON.test(u.gloss) && /^\p{Lu}/u.test(u.source)) || (j > 0 && u.gloss === u.source && /^\p{Lu}\p{Ll}+$/u.test(u.source)));
    if (!person) unit.gloss = 'its';
  }
}

const SEIN_FORMS = /^sein(?:e|en|em|er|es)?$/u;
const MALE_CONTEXT = /(?:^|[^\p{L}])(?:[Ee]r|ihm|ihn|[Hh]err)(?=[^\p{L}]|$)/u;

/** sein with no noun after it is the infinitive "be": "…, anders sein als …", "… sein." */
function infinitiveSein(units: Unit[]): void {
  for (const [k, unit] of units.entries()) {
    if (unit.lower !== 'sein' || unit.gloss !== 'his') continue;
    const next = units[k + 1];
    if (!next || !/^[ \t]*$/u.test(next.gap) || /^(?:als|wie|und|oder|kann|können|muss|müssen|soll|sollte|sollten|wird|werden|würde|würden|dürfte|könnte|könnten)$/u.test(next.lower)) {
      unit.gloss = 'be';
    }
  }
}

/** "es gibt viele Hunde" → "there are many dogs": the pair agrees with a plural after it. */
function thereAre(units: Unit[]): void {
  for (const [k, unit] of units.entries()) {
    const next = units[k + 1];
    if (!next || (unit.gloss !== 'there is' && unit.gloss !== 'there was')) continue;
    if (!PLURAL_QUANTIFIER.test(next.lower) && !(/^\d/u.test(next.lower) && next.lower !== '1')) continue;
    unit.gloss = unit.gloss === 'there is' ? 'there are' : 'there were';
  }
}

const PLURAL_QUANTIFIER =
  /^(?:viele|einige|mehrere|zahlreiche|verschiedene|wenige|andere|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf|dutzende|hunderte|tausende|keine)$/u;

/** English nouns for people: scientist(s), politician(s), people, children. */
const PERSON =
  /(?:^|\s)(?:\p{L}+(?:ist|ian)s?|people|persons?|man|men|woman|women|child|children|boys?|girls?|friends?|family|families)$/u;

/** An English third person singular as the first word of a gloss: considers, watches, carries. */
const THIRD_PERSON = /^\p{Ll}+(?:[^s]s|sses|shes|ches|xes|oes|ies)(?=\s|$)/u;

/** Auxiliaries after generic "you": man ist → you are, man hat → you have. */
const YOU_FORMS: Record<string, string> = { ist: 'are', hat: 'have', war: 'were', will: 'want' };

/** Possessive determiners: mein, deine, seinem, ihren, unserer, eure … */
const POSSESSIVE = /^(?:mein|dein|sein|ihr|unser|euer|eur)(?:e|en|em|er|es)?$/u;

/** Degree words and negation, whose phrases mean what their words do. */
const COMPOSITIONAL = new Set(['sehr', 'nicht', 'ganz', 'besonders', 'ziemlich', 'relativ', 'äußerst', 'extrem', 'recht']);

/** A comparative before `als`: größer, mehr, weniger, eher, lieber, anders. */
const COMPARATIVE = /^(?:\p{Ll}{2,}er|mehr|eher|lieber|anders)$/u;

/**
 * "a" before a vowel sound is "an": an American, an hour, an FBI agent (not a university, a
 * one-off, a US cent).
 */
const A_BEFORE_VOWEL =
  /\b([Aa]) (?!(?:a|an|at|as|and|in|into|is|it|of|on|or|over|under|until|up)\b)(?=[aiAI]\p{Ll}|[eE](?!u)|[oO](?!ne)|u(?!ni|s[eui]|r[aeiou])|U(?!ni|s[eui]|r[aeiou]|\p{Lu})|[AEFHILMNORSX]\p{Lu}|hour|honest|honou?r)/gu;

/** Present-tense plural modals that, after a capitalised Sie, address the reader. */
const ADVICE_MODALS = new Set(['müssen', 'können', 'sollten', 'sollen', 'dürfen', 'brauchen', 'benötigen', 'möchten', 'wollen']);

/** A phrase gloss written as a sentence's start. */
const SENTENCE_START = /^(?:It|There|That|This|The|A|An|We|You|He|She|They)\b/u;

/** Text before a word that starts a sentence or a quote, where a capital says nothing. */
const OPENS_SENTENCE = /[.!?:"„“”«»]\s*$/u;

const WEEKDAYS = /^(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag)$/u;

const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;

const ZU_INFINITIVE =
  /^(ab|an|auf|aus|bei|ein|fest|fort|her|hin|los|mit|nach|vor|weg|zurück|zusammen|vorbei|weiter|teil|statt|um|durch|wieder)zu(\p{L}{3,}(?:en|ern|eln))$/u;

function capitaliseFirst(text: string): string {
  return text.replace(/\p{L}/u, (c) => c.toUpperCase());
}
