/**
 * Simple German morphology for dictionary lookup: candidate lemmas by suffix stripping
 * (the dictionary lists many inflected forms itself; this covers the rest) and the
 * linking elements (Fugen) that join compound parts.
 */

const MIN_STEM = 3;

/** Declension endings of nouns and adjectives, longest first. */
const NOMINAL_ENDINGS = ['innen', 'ern', 'nen', 'en', 'er', 'es', 'em', 'e', 'n', 's'];
/** Conjugation endings of verbs, longest first; the lemma is stem + `en` or `n`. */
const VERBAL_ENDINGS = ['test', 'tet', 'ten', 'te', 'est', 'end', 'st', 'et', 't', 'e', 'en'];

/**
 * Candidate dictionary forms of an inflected word (lower-cased), most likely first. With
 * `isVerb`, a verbal candidate is kept only when it is a verb (neuen is not a form of "neun").
 */
export function lemmaCandidates(lowerWord: string, nounFirst: boolean, isVerb?: (lemma: string) => boolean): string[] {
  const nominal: string[] = [];
  for (const ending of NOMINAL_ENDINGS) {
    if (lowerWord.endsWith(ending) && lowerWord.length - ending.length >= MIN_STEM) {
      nominal.push(lowerWord.slice(0, -ending.length));
    }
  }
  const verbal: string[] = [];
  for (const ending of VERBAL_ENDINGS) {
    if (lowerWord.endsWith(ending) && lowerWord.length - ending.length >= MIN_STEM) {
      const stem = lowerWord.slice(0, -ending.length);
      verbal.push(`${stem}en`, `${stem}n`);
    }
  }
  // Past participles: ge-mach-t → machen, ge-fahr-en → fahren.
  const participle = /^ge(\p{L}{3,}?)(?:t|et|en)$/u.exec(lowerWord);
  if (participle?.[1]) verbal.push(`${participle[1]}en`, `${participle[1]}n`);
  const verbs = isVerb ? verbal.filter(isVerb) : verbal;
  const ordered = nounFirst ? [...nominal, ...verbs] : [...verbs, ...nominal];
  return [...new Set(ordered)].filter((c) => c !== lowerWord);
}

/** Forms a compound's non-final part may have in the dictionary (Fugen-s, -es, -n, -en, -er, -e). */
export function modifierCandidates(part: string): string[] {
  const out = [part];
  for (const fuge of ['es', 's', 'en', 'n', 'er', 'e']) {
    if (part.endsWith(fuge) && part.length - fuge.length >= MIN_STEM) out.push(part.slice(0, -fuge.length));
  }
  // Schul|buch ← Schule: the final -e is dropped in compounds.
  out.push(`${part}e`);
  return out;
}

export const MIN_COMPOUND_PART = 3;
