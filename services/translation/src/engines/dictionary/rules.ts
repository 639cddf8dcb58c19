/**
 * The rules the dictionary fallback applies on top of a word-by-word gloss. All are on in the
 * service; `bench/fallback.ts` switches them off one at a time to measure what each is worth.
 */
export interface DictionaryRules {
  /**
   * Senses ranked by how common their English is (SUBTLEX-US), not only by entry layout, and a
   * word's rival senses by how many of the dictionary's lines with the word use each; a
   * lower-case word takes a non-noun sense before a noun's.
   */
  readonly commonSense: boolean;
  /** Unlisted inflected forms glossed in the same English form (sagte → said, den Jahren → years). */
  readonly inflection: boolean;
  /** Unknown compounds glossed by their parts (Haustür → house door). */
  readonly compounds: boolean;
  /** A separated particle joined to its verb ("fängt … an" → begins). */
  readonly separableVerbs: boolean;
  /** Verb-final and verb-second clauses put in English order. */
  readonly wordOrder: boolean;
  /** German number, time and date notation in English form (2,3 → 2.3; 9:30 Uhr → 9:30). */
  readonly numbers: boolean;
  /** Articles by context (genitive `der`, relative pronouns); function-word pairs glossed word by word. */
  readonly functionWords: boolean;
  /** Capitalised words the dictionary knows only in lower case are names, left alone. */
  readonly names: boolean;
}

export const ALL_RULES: DictionaryRules = {
  commonSense: true,
  compounds: true,
  inflection: true,
  separableVerbs: true,
  wordOrder: true,
  numbers: true,
  names: true,
  functionWords: true,
};
