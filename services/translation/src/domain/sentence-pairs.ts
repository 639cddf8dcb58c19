/**
 * German and English side by side, sentence by sentence, for a stored translation. Nothing extra
 * is stored: the service translates sentence by sentence (`segmentText`) and copies everything
 * between sentences verbatim, so the stored texts already hold the alignment. Line breaks are
 * never inside a sentence, so lines pair up exactly; within a line the English is cut into
 * sentences where that reproduces the line with the German text's own gaps, and otherwise the
 * line is one pair (an engine that merged or split sentences, a line too long to re-segment).
 */
import { segmentText } from '../engines/segment.js';

export interface SentencePair {
  de: string;
  en: string;
  /** A blank line comes before it in the German text. */
  startsParagraph: boolean;
}

interface Line {
  /** The gap before the line (it holds the line break or breaks that end the previous one). */
  before: string;
  sentences: string[];
  /** The gaps between this line's sentences (spaces). */
  gaps: string[];
}

const LINE_BREAK = /\r\n|\n|\r/u;
const LINE_BREAKS = /\r\n|\n|\r/gu;
/** Searches from `lastIndex` on (without copying the rest of a long text). */
const NEXT_LINE_BREAK = /\r\n|\n|\r/gu;
/** Intl.Segmenter slows sharply on long strings (see segment.ts); such lines stay one pair. */
const MAX_RESEGMENTED_LINE = 20_000;
const english = new Intl.Segmenter('en', { granularity: 'sentence' });

export function sentencePairs(textDe: string, textEn: string): SentencePair[] {
  const { lines, after } = linesOf(textDe);
  const pairs: SentencePair[] = [];
  let at = 0;
  for (const [index, line] of lines.entries()) {
    if (!textEn.startsWith(line.before, at)) return wholeText(textDe, textEn);
    at += line.before.length;
    const next = lines[index + 1];
    let end: number;
    if (next) {
      // The translation of a line holds no line break: the first one after it begins the next gap.
      NEXT_LINE_BREAK.lastIndex = at;
      const found = NEXT_LINE_BREAK.exec(textEn);
      const lead = next.before.search(LINE_BREAK);
      if (!found || lead < 0) return wholeText(textDe, textEn);
      end = found.index - lead;
      if (end < at || !textEn.startsWith(next.before, end)) return wholeText(textDe, textEn);
    } else {
      end = textEn.length - after.length;
      if (end < at || !textEn.endsWith(after)) return wholeText(textDe, textEn);
    }
    const startsParagraph = index > 0 && (line.before.match(LINE_BREAKS)?.length ?? 0) > 1;
    const split = splitLine(textEn.slice(at, end), line);
    split.forEach((pair, i) => pairs.push({ ...pair, startsParagraph: startsParagraph && i === 0 }));
    at = end;
  }
  return pairs;
}

/** The German text's lines of sentences, and the gap after the last one. */
function linesOf(text: string): { lines: Line[]; after: string } {
  const lines: Line[] = [];
  let gap = '';
  for (const piece of segmentText(text).pieces) {
    if (piece.kind === 'gap') {
      gap += piece.text;
      continue;
    }
    const current = lines.at(-1);
    if (current && !LINE_BREAK.test(gap)) {
      current.gaps.push(gap);
      current.sentences.push(piece.text);
    } else {
      lines.push({ before: gap, sentences: [piece.text], gaps: [] });
    }
    gap = '';
  }
  return { lines, after: gap };
}

function splitLine(en: string, line: Line): Array<Omit<SentencePair, 'startsParagraph'>> {
  const whole = [{ de: joinLine(line), en }];
  if (line.sentences.length === 1 || en.length > MAX_RESEGMENTED_LINE) return whole;
  const parts = [...english.segment(en)].map(({ segment }) => segment.trim()).filter(Boolean);
  if (parts.length !== line.sentences.length) return whole;
  // Only if the German gaps between the English sentences give back the line exactly.
  const rebuilt = parts.reduce((out, part, i) => (i === 0 ? part : out + (line.gaps[i - 1] ?? '') + part), '');
  if (rebuilt !== en) return whole;
  return parts.map((part, i) => ({ de: line.sentences[i] ?? '', en: part }));
}

function joinLine(line: Line): string {
  return line.sentences.reduce((out, sentence, i) => (i === 0 ? sentence : out + (line.gaps[i - 1] ?? '') + sentence), '');
}

/** The texts do not line up (stored by another version, or edited): one pair, nothing lost. */
function wholeText(textDe: string, textEn: string): SentencePair[] {
  return [{ de: textDe.trim(), en: textEn.trim(), startsParagraph: false }];
}
