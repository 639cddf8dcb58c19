import { functionWordGloss } from './function-words.js';
import type { Lexicon } from './lexicon.js';
import { lemmaCandidates, MIN_COMPOUND_PART, modifierCandidates } from './morphology.js';

/**
 * Word-by-word glossing of one German sentence: longest dictionary phrase first, then
 * single words through inflection and compound analysis; unknown words pass through.
 * Everything between words (spaces, punctuation) is copied unchanged.
 */
export class Glosser {
  readonly #lexicon: Lexicon;
  /** Word glosses are pure functions of (word, position class): cache them. */
  readonly #cache = new Map<string, string>();
  static readonly #CACHE_LIMIT = 200_000;

  constructor(lexicon: Lexicon) {
    this.#lexicon = lexicon;
  }

  glossSentence(sentence: string): string {
    const words = [...sentence.matchAll(WORD)].map((m) => ({
      text: m[0],
      start: m.index,
      end: m.index + m[0].length,
    }));
    let out = '';
    let cursor = 0;
    let skipSpace = false;
    for (let i = 0; i < words.length; ) {
      const first = words[i];
      if (!first) break;
      let between = sentence.slice(cursor, first.start);
      if (skipSpace) {
        between = between.replace(/^[ \t]/u, '');
        skipSpace = false;
      }
      out += between;
      const phrase = this.#matchPhrase(sentence, words, i);
      let gloss: string;
      let consumed: number;
      if (phrase) {
        ({ gloss, consumed } = phrase);
      } else {
        gloss = this.glossWord(first.text, i === 0);
        consumed = 1;
      }
      if (gloss === '' && /[ \t]$/u.test(out)) skipSpace = true;
      out += gloss;
      const last = words[i + consumed - 1];
      cursor = last ? last.end : first.end;
      i += consumed;
    }
    out += sentence.slice(cursor);
    return /^\P{L}*\p{Lu}/u.test(sentence) ? capitaliseFirst(out) : out;
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
      for (let k = 1; k < n; k++) {
        const prev = words[i + k - 1];
        const next = words[i + k];
        if (!prev || !next || !/^[ \t]+$/u.test(sentence.slice(prev.end, next.start))) {
          contiguous = false;
          break;
        }
        key += ` ${next.text.toLowerCase()}`;
      }
      if (!contiguous) continue;
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
    if (capitalised && sentenceInitial) {
      // A capital at the start says nothing: try the word as a non-noun first (Lokale → local).
      const plain = this.#lexicon.lookupExact(lower, false);
      if (plain !== undefined) return plain;
      for (const lemma of lemmaCandidates(lower, false)) {
        const gloss = this.#lexicon.lookupExact(lemma, false);
        if (gloss !== undefined) return gloss;
      }
    }
    const preferNoun = capitalised && !sentenceInitial;
    const direct = this.#lexicon.lookup(lower, preferNoun);
    if (direct !== undefined) return direct;
    for (const lemma of lemmaCandidates(lower, capitalised)) {
      const gloss = this.#lexicon.lookup(lemma, preferNoun);
      if (gloss !== undefined) return gloss;
    }
    const compound = this.#splitCompound(lower, 0);
    if (compound) return compound.join(' ');
    if (word.includes('-')) {
      return word
        .split('-')
        .map((part) => (part ? this.glossWord(part, false) : part))
        .join('-');
    }
    return word;
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

const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;

function capitaliseFirst(text: string): string {
  return text.replace(/\p{L}/u, (c) => c.toUpperCase());
}
