/**
 * Reading the Ding dictionary format (`/usr/share/trans/de-en`, from dict.tu-chemnitz.de).
 *
 * One entry per line: `German :: English`. Both sides are split by ` | ` into parallel
 * sub-entries (headword, then inflected forms or examples, in the same order on both sides);
 * each sub-entry lists synonyms separated by `; `. Annotations: `{m}`, `{pl}`, `{vt}` (grammar),
 * `[ugs.]`, `[zool.]` (register, region, domain), `(…)` comments, `<…>` variant spellings,
 * `/abbr./` abbreviations, `~mir` case forms. Lines starting with `#` are comments.
 */

export interface DingSide {
  /** Sub-entries, each a list of raw synonyms. */
  readonly subEntries: string[][];
}

/** Splits on `sep` only outside (), [], {}, <>, so `der {art} (des; dem; den)` stays whole. */
export function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if ((c === ')' || c === ']' || c === '}' || c === '>') && depth > 0) depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

export function parseDingLine(line: string): { de: DingSide; en: DingSide } | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const sep = line.indexOf(' :: ');
  if (sep < 0) return undefined;
  const side = (text: string): DingSide => ({
    subEntries: splitTopLevel(text, ' | ').map((sub) => splitTopLevel(sub, '; ')),
  });
  return { de: side(line.slice(0, sep)), en: side(line.slice(sep + 4)) };
}

/** Register/region labels that mark a sense as less common than the plain one. */
const MARKED_LABELS =
  /\[(?:ugs|slang|vulg|pej|humor|iron|geh|poet|lit|alt|veraltet|obs|archaic|selten|rare|Ös|Schw|Süddt|Norddt|Mitteldt|Ostdt|Westdt|Bayr|BW|Dt|Am|Br|Austr|Sc|übtr|fig|Sprw|prov|coll|formal|dialect|regional|Jugendsprache|Amtssprache|adm|jur)\.?\]/gu;

/** Counts register/region/domain labels: more labels, more specialised the sense. */
export function labelPenalty(raw: string): number {
  // Most synonyms have no label at all: no need to run the patterns over them.
  if (!raw.includes('[')) return 0;
  let penalty = 0;
  for (const _ of raw.matchAll(MARKED_LABELS)) penalty += 2;
  for (const _ of raw.matchAll(/\[[^\]]*\]/gu)) penalty += 0.5;
  return penalty;
}

const PLACEHOLDERS_DE = /(?:^|\s)(?:etw\.|jdm\.|jdn\.|jds\.|jd\.|jdm\/etw\.|jdn\/etw\.|…)(?=\s|$)/gu;
const INNER_PLACEHOLDER_DE = /[\p{L}\p{N}]\s(?:etw\.|jdm\.|jdn\.|jds\.|jd\.|jdm\/etw\.|jdn\/etw\.|…)\s+[\p{L}\p{N}]/u;
const PLACEHOLDERS_EN = /(?:^|\s)(?:sth\.|sb\.|sb\.’s|sth\.’s|sb\.'s|one’s|one's|oneself|…)(?=\s|$)/gu;

const BRACKETED = /\{[^{}]*\}|\[[^[\]]*\]|\([^()]*\)|<[^<>]*>/gu;

// Each pattern runs only where its mark occurs: most synonyms have none, and a compile strips
// over a million of them.
function stripAnnotations(raw: string): string {
  let s = raw;
  // Nested brackets are rare; two passes cover them.
  for (let pass = 0; pass < 2 && /[{[(<]/u.test(s); pass++) s = s.replace(BRACKETED, ' ');
  if (s.includes('/')) s = s.replace(/\s\/[^/\s][^/]*\/(?=\s|$)/gu, ' '); // /Abk./ abbreviations
  if (s.includes('~')) s = s.replace(/~\S+/gu, ' ');
  return s.replace(/\s+/gu, ' ').trim();
}

const PRONOUNS_DE = '(?:ich|du|er|sie|es|wir|ihr)';
const PRONOUN_FORM_DE = new RegExp(`^${PRONOUNS_DE}(?:/${PRONOUNS_DE})* (\\S+)$`, 'u');
const PRONOUNS_EN = '(?:I|you|he|she|it|we|they)';
const PRONOUN_PREFIX_EN = new RegExp(`^${PRONOUNS_EN}(?:/${PRONOUNS_EN})* `, 'u');

export interface GermanKey {
  /** Lower-cased words joined by single spaces. */
  readonly phrase: string;
  readonly wordCount: number;
  /** The German was written capitalised (a noun or a name). */
  readonly capitalised: boolean;
  /** `er/sie geht` style conjugated form: the English side starts with pronouns to drop. */
  readonly conjugated: boolean;
}

/** Turns one German synonym into a lookup key, or undefined when it is not usable as one. */
export function germanKey(raw: string): GermanKey | undefined {
  const stripped = stripAnnotations(raw);
  // "etw. zu etw. machen" is no phrase "zu machen": its words never stand side by side.
  if (INNER_PLACEHOLDER_DE.test(stripped)) return undefined;
  let s = stripped.replace(PLACEHOLDERS_DE, ' ').replace(/\s+/gu, ' ').trim();
  s = s.replace(/[.!?,;:]+$/u, '').replace(/^[„“"»«]+|[„“"»«]+$/gu, '');
  let conjugated = false;
  const pronounForm = PRONOUN_FORM_DE.exec(s);
  if (pronounForm?.[1]) {
    s = pronounForm[1];
    conjugated = true;
  }
  if (s === '' || /[/…()[\]{}<>=+]/u.test(s)) return undefined;
  const words = s.split(' ');
  if (words.length > MAX_PHRASE_WORDS) return undefined;
  if (!words.every((w) => /^[\p{L}\p{N}][\p{L}\p{N}'’.-]*$/u.test(w))) return undefined;
  return {
    phrase: s.toLowerCase(),
    wordCount: words.length,
    capitalised: /^\p{Lu}/u.test(s),
    conjugated,
  };
}

/** Longest German phrase the lexicon keeps (longer examples are whole sentences). */
export const MAX_PHRASE_WORDS = 5;

/** Turns one English synonym into the gloss printed for it. */
export function englishGloss(raw: string, opts: { conjugated: boolean; verb: boolean }): string | undefined {
  let s = stripAnnotations(raw).replace(PLACEHOLDERS_EN, ' ').replace(/\s+/gu, ' ').trim();
  if (opts.conjugated) s = s.replace(PRONOUN_PREFIX_EN, '');
  // Glosses replace words in running text, where "to go" would read "I want to to go".
  if (opts.verb) s = s.replace(/^to /u, '');
  // The source's own punctuation is kept in place, so a phrase gloss's final mark would double it.
  s = s.replace(/\s*[.,;:!?]+$/u, '').trim();
  if (s === '' || s.includes('/')) return s.split('/')[0]?.trim() || undefined;
  return s;
}
