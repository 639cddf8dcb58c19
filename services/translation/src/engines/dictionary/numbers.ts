/**
 * German number, time and date notation and common abbreviations rewritten to English before
 * glossing (z. B. → zum Beispiel; 500 v. Chr. → 500 BC):
 * 2,3 → 2.3 and 1.200 → 1,200; 9:30 Uhr / 11.00 Uhr → 9:30 / 11:00; 9 Uhr → 9 o'clock;
 * 1. Januar → 1 Januar (the month is glossed as a word); 28-jährige → 28-year-old; 1970er Jahre →
 * 1970s; 2,3 Milliarden → 2.3 Milliarde ("2.3 billion"); 5 Prozent → 5 percent.
 */
const MONTHS = 'Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember';

const TIME = /\b(\d{1,2})[.:](\d{2}) Uhr\b/gu;
const HOUR = /\b(\d{1,2}) Uhr\b/gu;
const DAY_OF_MONTH = new RegExp(`\\b(\\d{1,2})\\. (${MONTHS})\\b`, 'gu');
/** 1.234.567,89 or 2,3: digit groups with German separators (not dates like 1.1.2020). */
const NUMBER = /(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\d]|[.,]\d)/gu;
/** Decades: die 1970er Jahre, in den 1970ern → the 1970s. */
const DECADE = /\b(\d{2,3}0)er(?:n|-Jahre[n]?| Jahre[n]?)?\b/gu;
/**
 * After a number, million and billion stay singular in English: 2,3 Milliarden → 2.3 Milliarde
 * (glossed "billion"; the English word would be read as German Billion, "trillion").
 */
const NUMBER_SCALE = /\b(\d[\d.,]*) (Millionen|Milliarden)\b/gu;
const PERCENT = /\b(\d[\d.,]*) Prozent\b/gu;
const AGE = /\b(\d+)-jährige[nmrs]?\b/gu;
const SCALE = /\b(\d+(?:[.,]\d+)?) (Mio|Mrd)\.(?= )/gu;

/**
 * Abbreviations written out, so the dictionary glosses them as phrases instead of their dotted
 * letters one by one (z. B. → zum Beispiel → "for example", not "Z. flat").
 */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bz\. ?B\./gu, 'zum Beispiel'],
  [/\bd\. ?h\./gu, 'das heißt'],
  [/\bbzw\./gu, 'beziehungsweise'],
  [/\busw\./gu, 'und so weiter'],
  [/\bca\. (?=\d)/gu, 'circa '],
  [/\b(\d+) v\. ?Chr\./gu, '$1 BC'],
  [/\b(\d+) n\. ?Chr\./gu, '$1 AD'],
];

const ANY_ABBREVIATION = /\b(?:z|d|bzw|usw|ca|Chr)\./u;

export function englishNumbers(german: string): string {
  let text = german;
  if (ANY_ABBREVIATION.test(text)) for (const [pattern, english] of ABBREVIATIONS) text = text.replace(pattern, english);
  if (!/\d/u.test(text)) return text;
  return text
    .replace(TIME, '$1:$2')
    .replace(HOUR, "$1 o'clock")
    .replace(DAY_OF_MONTH, '$1 $2')
    .replace(SCALE, (_, n: string, unit: string) => `${n} ${unit === 'Mio' ? 'Million' : 'Milliarde'}`)
    .replace(NUMBER, (n) => n.replace(/[.,]/gu, (c) => (c === '.' ? ',' : '.')))
    .replace(AGE, '$1-year-old')
    .replace(DECADE, '$1s')
    .replace(NUMBER_SCALE, (_, n: string, scale: string) => `${n} ${scale === 'Millionen' ? 'Million' : 'Milliarde'}`)
    .replace(PERCENT, '$1 percent');
}
