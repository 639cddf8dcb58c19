/** One glossed piece of a sentence: a German word or dictionary phrase and its English. */
export interface Unit {
  /** The first German word as written. */
  readonly source: string;
  /** `source` lower-cased. */
  readonly lower: string;
  /** German words this unit stands for (phrases have several). */
  readonly words: number;
  gloss: string;
  /** The text between the previous unit and this one (spaces, punctuation). */
  readonly gap: string;
}

/** Clause boundaries: a gap holding anything but spaces (a comma, a colon, a quote). */
export function clauses(units: readonly Unit[]): [start: number, end: number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= units.length; i++) {
    const unit = units[i];
    if (!unit || !/^[ \t]*$/u.test(unit.gap)) {
      out.push([start, i]);
      start = i;
    }
  }
  return out;
}

/** What the clause rules ask of the dictionary: whether a word is a verb form, and plain glosses. */
export interface WordClasses {
  /** The infinitive of a verb form (`fing` → `fangen`, `erreichten` → `erreichen`), or undefined. */
  verbLemma(lowerWord: string): string | undefined;
  lookupExact(phrase: string, noun: boolean): string | undefined;
}
