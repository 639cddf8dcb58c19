import { Inflectors } from 'en-inflectors';

/**
 * English forms for German verb forms the dictionary does not list, found through their
 * infinitive (npm `en-inflectors`, MIT: irregular verbs included). Only the gloss's first word
 * is inflected, and only a plain lower-case word: "come along" → "came along".
 */
export type VerbForm = 'past' | 'participle' | 'thirdPerson' | 'superlative';

export function inflectGloss(gloss: string, form: VerbForm): string {
  const space = gloss.indexOf(' ');
  const verb = space < 0 ? gloss : gloss.slice(0, space);
  if (!/^\p{Ll}+$/u.test(verb)) return gloss;
  const inflectors = new Inflectors(verb);
  const inflected =
    form === 'past'
      ? inflectors.toPast()
      : form === 'participle'
        ? inflectors.toPastParticiple()
        : form === 'thirdPerson'
          ? inflectors.toPresentS()
          : inflectors.superlative();
  return inflected ? inflected + gloss.slice(verb.length) : gloss;
}

/** The German form a verb takes, by its ending: sagte/sagten → past, sagt → third person. */
export function germanVerbForm(lowerWord: string): { stem: string; form: VerbForm } | undefined {
  const past = /^(\p{L}{3,}?)(?:te|ten|tet|test)$/u.exec(lowerWord);
  if (past?.[1]) return { stem: past[1].replace(MIXED_PAST, (s) => MIXED_STEMS[s] ?? s), form: 'past' };
  const present = /^(\p{L}{3,}?[^t])t$/u.exec(lowerWord);
  if (present?.[1]) return { stem: present[1], form: 'thirdPerson' };
  return undefined;
}

/** Mixed verbs change their vowel in the past: dachte → denken, erkannte → erkennen. */
const MIXED_STEMS: Record<string, string> = {
  dach: 'denk',
  brach: 'bring',
  kann: 'kenn',
  nann: 'nenn',
  rann: 'renn',
  sand: 'send',
  wand: 'wend',
  wuss: 'wiss',
};
const MIXED_PAST = new RegExp(`(?:${Object.keys(MIXED_STEMS).join('|')})$`, 'u');

/** An adjective's superlative: wichtigsten → wichtig, größte → groß (the umlaut undone too). */
export function superlativeStems(lowerWord: string): string[] {
  const match = /^(\p{L}{2,}?)e?st(?:e|en|er|es|em)?$/u.exec(lowerWord);
  if (!match?.[1]) return [];
  const stem = match[1];
  const plain = stem.replace(/ä/gu, 'a').replace(/ö/gu, 'o').replace(/ü/gu, 'u');
  return plain === stem ? [stem] : [stem, plain];
}
