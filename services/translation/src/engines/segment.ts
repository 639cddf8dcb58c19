/**
 * Splits text into sentences for translation while keeping everything between them
 * (spaces, line breaks, blank lines) verbatim, so the translation keeps the layout.
 */

/** The text as alternating pieces: `gap` pieces are copied, `sentence` pieces translated. */
export interface Piece {
  readonly kind: 'sentence' | 'gap';
  readonly text: string;
}

export interface Segmented {
  readonly pieces: readonly Piece[];
  /** The sentence pieces' texts, in order (what gets translated). */
  readonly sentences: readonly string[];
}

/** Longer "sentences" (lists, tables, text without punctuation) are cut at whitespace. */
export const DEFAULT_MAX_SENTENCE_CHARS = 1000;

const segmenter = new Intl.Segmenter('de', { granularity: 'sentence' });
const LEADING_SPACE = /^\s+/u;
const TRAILING_SPACE = /\s+$/u;
const BLANK = /^\s*$/u;

export function segmentText(text: string, maxSentenceChars = DEFAULT_MAX_SENTENCE_CHARS): Segmented {
  const pieces: Piece[] = [];
  const push = (kind: Piece['kind'], part: string): void => {
    if (part === '') return;
    const last = pieces.at(-1);
    // Adjacent gaps merge so that reassembly is a plain join.
    if (kind === 'gap' && last?.kind === 'gap') pieces[pieces.length - 1] = { kind, text: last.text + part };
    else pieces.push({ kind, text: part });
  };
  for (const segment of sentenceSegments(text)) {
    if (BLANK.test(segment)) {
      push('gap', segment);
      continue;
    }
    // ICU breaks after line breaks already; split again so a sentence never spans lines.
    for (const line of segment.split(/(\r\n|\n|\r)/u)) {
      const lead = LEADING_SPACE.exec(line)?.[0] ?? '';
      const rest = line.slice(lead.length);
      const trail = TRAILING_SPACE.exec(rest)?.[0] ?? '';
      const core = rest.slice(0, rest.length - trail.length);
      push('gap', lead);
      for (const chunk of splitLong(core, maxSentenceChars)) push(chunk.kind, chunk.text);
      push('gap', trail);
    }
  }
  const sentences = pieces.filter((p) => p.kind === 'sentence').map((p) => p.text);
  return { pieces, sentences };
}

/**
 * ICU (behind Intl.Segmenter) has no German abbreviation list, so "z. B.", "Dr." and
 * dates like "3. Mai" end a sentence there. Re-join a segment ending in such a token
 * with the next one, unless a line break separates them.
 */
const ABBREVIATION_END =
  /(?:^|[\s(])(?:\p{L}|\d{1,4}|Dr|Prof|Nr|St|Str|bzw|usw|etc|ca|vgl|ggf|evtl|inkl|bspw|Mio|Mrd|Jh|Jhd|geb|gegr|Hr|Fr|Abs|Art|Bd|Kap|Tel|zB|ebd|sog|u\.a|d\.h|z\.B|v\.a|o\.ä)\.[ \t\u00a0]+$/u;

const ORDINAL_END = /(?:^|[\s(])\d{1,4}\.[ \t\u00a0]+$/u;
/** After "3." a date or century continues the sentence ("am 3. Mai", "im 19. Jahrhundert"). */
const ORDINAL_CONTINUES =
  /^(?:\p{Ll}|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Jahrhundert|Jh)/u;

function* sentenceSegments(text: string): Generator<string> {
  let pending = '';
  for (const chunk of icuSizedChunks(text)) {
    // Blank lines hold no sentence: ICU would only cost microseconds per line for them.
    if (BLANK.test(chunk)) {
      if (pending) yield pending;
      pending = '';
      yield chunk;
      continue;
    }
    for (const { segment } of segmenter.segment(chunk)) {
      if (pending && ORDINAL_END.test(pending) && !ORDINAL_CONTINUES.test(segment)) {
        yield pending;
        pending = '';
      }
      pending += segment;
      if (ABBREVIATION_END.test(pending) || ORDINAL_END.test(pending)) continue;
      yield pending;
      pending = '';
    }
  }
  if (pending) yield pending;
}

/**
 * V8's Intl.Segmenter slows down sharply on long strings (a 1 MB text takes half a minute), and
 * each call costs a few microseconds (a million blank lines took ~9 s, one call per line), so it
 * is fed lines packed into chunks of at most ICU_CHUNK characters, and over-long lines in pieces
 * cut after a sentence end. ICU always breaks after a line break, so packing changes nothing.
 */
const ICU_CHUNK = 8000;
function* icuSizedChunks(text: string): Generator<string> {
  const lineEnd = /\r\n|\n|\r/gu;
  let start = 0;
  let packed = '';
  for (;;) {
    const match = lineEnd.exec(text);
    const end = match ? match.index + match[0].length : text.length;
    let line = text.slice(start, end);
    if (packed.length + line.length > ICU_CHUNK) {
      if (packed) yield packed;
      packed = '';
    }
    while (line.length > ICU_CHUNK) {
      const window = line.slice(0, ICU_CHUNK);
      let cut = -1;
      for (const m of window.matchAll(/[.!?]\s+/gu)) cut = m.index + m[0].length;
      if (cut <= 0) cut = window.lastIndexOf(' ') + 1;
      if (cut <= 0) cut = ICU_CHUNK;
      yield line.slice(0, cut);
      line = line.slice(cut);
    }
    packed += line;
    if (!match) break;
    start = end;
  }
  if (packed) yield packed;
}

/** Cuts an over-long sentence at whitespace (or hard, if it has none) into ≤ max chars. */
function splitLong(core: string, max: number): Piece[] {
  if (core.length <= max) return core === '' ? [] : [{ kind: 'sentence', text: core }];
  const out: Piece[] = [];
  let rest = core;
  while (rest.length > max) {
    // Cut before the last whitespace run within the limit, so no sentence ends in a space.
    let cut = max;
    while (cut > 0 && !/\s/u.test(rest[cut] ?? '')) cut--;
    while (cut > 0 && /\s/u.test(rest[cut - 1] ?? '')) cut--;
    if (cut <= 0) {
      cut = max;
      // Never split a surrogate pair.
      if (/[\uD800-\uDBFF]/u.test(rest[cut - 1] ?? '')) cut--;
    }
    const head = rest.slice(0, cut);
    const spaces = /^\s*/u.exec(rest.slice(cut))?.[0] ?? '';
    out.push({ kind: 'sentence', text: head });
    if (spaces) out.push({ kind: 'gap', text: spaces });
    rest = rest.slice(cut + spaces.length);
  }
  if (rest) out.push({ kind: 'sentence', text: rest });
  return out;
}

/** Puts translated sentences back in place of the originals, gaps untouched. */
export function reassemble(segmented: Segmented, translated: readonly string[]): string {
  if (translated.length !== segmented.sentences.length) {
    throw new Error(`expected ${segmented.sentences.length} translated sentences, got ${translated.length}`);
  }
  let i = 0;
  let out = '';
  for (const piece of segmented.pieces) out += piece.kind === 'gap' ? piece.text : translated[i++];
  return out;
}

/** Groups items into batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
