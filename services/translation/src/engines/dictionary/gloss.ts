import {
  AUXILIARIES,
  DETERMINERS,
  fixedPairGloss,
  functionWordGloss,
  isFunctionWord,
  PRONOUNS,
  RELATIVE_PRONOUNS,
} from './function-words.js';
import { germanVerbForm, inflectGloss, superlativeStems } from './inflection.js';
import type { Lexicon } from './lexicon.js';
import { lemmaCandidates, MIN_COMPOUND_PART, modifierCandidates } from './morphology.js';
import { englishNumbers } from './numbers.js';
import { ALL_RULES, type DictionaryRules } from './rules.js';
import { joinSeparableVerbs } from './separable.js';
import { clauses, type Unit } from './units.js';
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
  static readonly #CACHE_LIMIT = 200_000;

  constructor(lexicon: Lexicon, rules: DictionaryRules = ALL_RULES) {
    this.#lexicon = lexicon;
    this.#rules = rules;
  }

  glossSentence(german: string): string {
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
      } else {
        gloss = this.#contextGloss(first.text, units.at(-1), gap, words[i + 1]?.text) ?? this.glossWord(first.text, i === 0);
        consumed = 1;
      }
      units.push({ source: first.text, lower: first.text.toLowerCase(), words: consumed, gloss, gap });
      const last = words[i + consumed - 1];
      cursor = last ? last.end : first.end;
      i += consumed;
    }
    if (this.#rules.functionWords) this.#relativePronouns(units);
    if (this.#rules.separableVerbs) joinSeparableVerbs(units, this.#lexicon);
    // Questions put the verb first in English too.
    if (this.#rules.wordOrder && !/\?\P{L}*$/u.test(sentence)) englishWordOrder(units, this.#lexicon);
    let out = '';
    for (const unit of units) {
      // A silent word (sich, a joined particle) takes its space with it.
      out += unit.gloss === '' ? unit.gap.replace(/[ \t]+$/u, '') : unit.gap + unit.gloss;
    }
    out += sentence.slice(cursor);
    return /^\P{L}*\p{Lu}/u.test(sentence) ? capitaliseFirst(out) : out;
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
      if (lower === 'nach' && /^\p{Lu}/u.test(next) && /^\p{Lu}/u.test(this.glossWord(next, false))) return 'to';
    }
    // sie with a plural verb is "they": sie haben, haben sie, sie spielen.
    if (lower === 'sie' && (isPluralVerb(next) || isPluralVerb(previous?.source))) return 'they';
    if (!previous) return undefined;
    // "zu sein" is "to be", not "to his".
    if (previous.lower === 'zu' && (lower === 'sein' || lower === 'haben')) return lower === 'sein' ? 'be' : 'have';
    if (lower === 'der' && /^\s+$/u.test(gap) && previous.words === 1 && /^\p{Lu}\p{Ll}/u.test(previous.source)) {
      if (!isFunctionWord(previous.lower) && previous.gloss !== '') return 'of the';
    }
    const relative = RELATIVE_PRONOUNS[lower];
    if (relative && /,\s*$/u.test(gap) && next !== undefined && !/^\p{Lu}/u.test(next)) {
      if (isFunctionWord(next.toLowerCase()) || this.#lexicon.verbLemma(next.toLowerCase()) !== undefined) return relative;
    }
    return undefined;
  }

  /** A d-word opening a clause after a comma that ends in a verb is a relative pronoun: "…, der 55 000 Fässer halten kann". */
  #relativePronouns(units: Unit[]): void {
    for (const [start, end] of clauses(units)) {
      const first = units[start];
      const last = units[end - 1];
      const relative = first && RELATIVE_PRONOUNS[first.lower];
      if (!relative || !last || end - start < 3 || !/,\s*$/u.test(first.gap)) continue;
      // "…, das Fenster zu öffnen": an article before a noun, in an infinitive clause.
      if (/^\p{Lu}/u.test(units[start + 1]?.source ?? '') || units[end - 2]?.lower === 'zu') continue;
      if (last.words === 1 && !/^\p{Lu}/u.test(last.source) && (AUXILIARIES.has(last.lower) || this.#lexicon.verbLemma(last.lower) !== undefined)) {
        first.gloss = relative;
      }
    }
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
      for (let k = 1; k < n; k++) {
        const prev = words[i + k - 1];
        const next = words[i + k];
        if (!prev || !next || !/^[ \t]+$/u.test(sentence.slice(prev.end, next.start))) {
          contiguous = false;
          break;
        }
        const lower = next.text.toLowerCase();
        onlyFunctionWords &&= DETERMINERS.has(lower) || PRONOUNS.has(lower);
        key += ` ${lower}`;
      }
      if (!contiguous) continue;
      if (this.#rules.functionWords) {
        const pair = n === 2 ? fixedPairGloss(key) : undefined;
        if (pair !== undefined) return { gloss: pair, consumed: n };
        if (onlyFunctionWords) continue;
      }
      const gloss = this.#lexicon.lookup(key, false);
      if (gloss !== undefined) return { gloss, consumed: n };
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
    if (/^\p{N}/u.test(word)) return word;
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
      for (const lemma of lemmaCandidates(lower, false)) {
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
    for (const lemma of lemmaCandidates(lower, capitalised)) {
      const gloss = this.#lexicon.lookup(lemma, preferNoun);
      if (gloss !== undefined) return gloss;
    }
    if (this.#rules.separableVerbs && !capitalised) {
      const infinitive = this.#zuInfinitive(lower);
      if (infinitive) return infinitive;
    }
    const compound = this.#rules.compounds ? this.#splitCompound(lower, 0) : undefined;
    if (compound) return compound.join(' ');
    if (word.includes('-')) {
      return word
        .split('-')
        .map((part) => (part ? this.glossWord(part, false) : part))
        .join('-');
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

/** A finite verb in the plural: sind, haben, wurden, spielen (not the infinitive-like singular forms). */
function isPluralVerb(word: string | undefined): boolean {
  if (word === undefined || /^\p{Lu}/u.test(word)) return false;
  return PLURAL_VERBS.has(word) || (/\p{L}{2,}(?:en|ten)$/u.test(word) && !isFunctionWord(word));
}

const PLURAL_VERBS = new Set(['sind', 'waren', 'haben', 'hatten', 'werden', 'wurden', 'können', 'konnten', 'müssen', 'mussten', 'sollen', 'sollten', 'wollen', 'wollten', 'dürfen', 'würden', 'könnten']);

const WEEKDAYS = /^(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag)$/u;

const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;

const ZU_INFINITIVE =
  /^(ab|an|auf|aus|bei|ein|fest|fort|her|hin|los|mit|nach|vor|weg|zurück|zusammen|vorbei|weiter|teil|statt|um|durch|wieder)zu(\p{L}{3,}(?:en|ern|eln))$/u;

function capitaliseFirst(text: string): string {
  return text.replace(/\p{L}/u, (c) => c.toUpperCase());
}
