import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batches, reassemble, segmentText } from '../src/engines/segment.js';

describe('segmentText', () => {
  it('splits German sentences and keeps the text between them', () => {
    const text =
      '  Das ist ein Satz. Hier ist noch einer! Und z. B. ein dritter?\n\nNeuer Absatz.\r\nZeile zwei  ';
    const seg = segmentText(text);
    expect(seg.sentences).toEqual([
      'Das ist ein Satz.',
      'Hier ist noch einer!',
      'Und z. B. ein dritter?',
      'Neuer Absatz.',
      'Zeile zwei',
    ]);
    expect(seg.pieces[0]).toEqual({ kind: 'gap', text: '  ' });
    expect(seg.pieces.at(-1)).toEqual({ kind: 'gap', text: '  ' });
    expect(
      reassemble(
        seg,
        seg.sentences.map((s) => s.toUpperCase()),
      ),
    ).toBe(text.toUpperCase());
  });

  it('keeps long runs of blank lines as layout between sentences', () => {
    const text = `Erster Satz.${'\n'.repeat(20_000)}  \t\r\n${' \n'.repeat(9000)}Zweiter Satz.   \n\n`;
    const seg = segmentText(text);
    expect(seg.sentences).toEqual(['Erster Satz.', 'Zweiter Satz.']);
    expect(seg.pieces.map((p) => p.kind)).toEqual(['sentence', 'gap', 'sentence', 'gap']);
    expect(reassemble(seg, ['First sentence.', 'Second sentence.'])).toBe(
      text.replace('Erster Satz.', 'First sentence.').replace('Zweiter Satz.', 'Second sentence.'),
    );
  });

  it('keeps German abbreviations and dates inside their sentence', () => {
    expect(
      segmentText('Das ist Dr. Müller. Am 3. Mai kam er. Es waren 300. Dann ging er.').sentences,
    ).toEqual(['Das ist Dr. Müller.', 'Am 3. Mai kam er.', 'Es waren 300.', 'Dann ging er.']);
  });

  it('segments a very long single line the same way as short ones', () => {
    const line = 'Ein Satz mit z. B. Abkürzung. Noch einer! '.repeat(1000).trim();
    const seg = segmentText(line);
    expect(seg.sentences).toHaveLength(2000);
    expect(new Set(seg.sentences)).toEqual(new Set(['Ein Satz mit z. B. Abkürzung.', 'Noch einer!']));
    expect(reassemble(seg, seg.sentences)).toBe(line);
  });

  it('never lets a sentence span a line break', () => {
    const seg = segmentText('Überschrift ohne Punkt\nText danach');
    expect(seg.sentences).toEqual(['Überschrift ohne Punkt', 'Text danach']);
  });

  it('cuts over-long sentences at whitespace', () => {
    const long = Array.from({ length: 300 }, (_, i) => `wort${i}`).join(' ');
    const seg = segmentText(long, 100);
    expect(seg.sentences.every((s) => s.length <= 100)).toBe(true);
    expect(reassemble(seg, seg.sentences)).toBe(long);
  });

  it('reassembles any text exactly when sentences are returned unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'B', ' ', '.', '!', '\n', '\r\n', '\t', 'ä', '?', '\u00a0') }),
        (text) => {
          const seg = segmentText(text, 7);
          expect(reassemble(seg, seg.sentences)).toBe(text);
          expect(seg.sentences.every((s) => s.trim() === s && s !== '')).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects a translation with the wrong number of sentences', () => {
    expect(() => reassemble(segmentText('Eins. Zwei.'), ['One.'])).toThrow(/expected 2/);
  });
});

describe('batches', () => {
  it('groups items in order', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 3)).toEqual([]);
    expect(() => batches([1], 0)).toThrow(RangeError);
  });
});
