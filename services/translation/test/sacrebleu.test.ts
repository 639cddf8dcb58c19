import { describe, expect, it } from 'vitest';
import { corpusBleu, corpusChrf, tokenize13a } from '../src/eval/sacrebleu.js';

describe('tokenize13a', () => {
  it('splits punctuation but keeps decimals and thousands', () => {
    expect(tokenize13a('Hello, world! It costs $3.50, i.e. 1,000.')).toBe(
      'Hello , world ! It costs $ 3.50 , i . e . 1,000 .',
    );
    expect(tokenize13a('2-3 &amp; (a/b)')).toBe('2 - 3 & ( a / b )');
  });
});

describe('corpusBleu', () => {
  it('is 100 for identical output', () => {
    const lines = ['The cat sat on the mat.', 'A second, longer sentence with numbers like 3.14.'];
    expect(corpusBleu(lines, lines).score).toBeCloseTo(100, 10);
  });

  it('matches a hand-computed case with exp smoothing', () => {
    // 1-grams 5/6, 2-grams 3/5, 3-grams 1/4, 4-grams 0/3 → smoothed to 100/(2·3); no brevity penalty.
    const result = corpusBleu(['the cat sat on the mat'], ['the cat is on the mat']);
    expect(result.precisions.map((p) => p.toFixed(4))).toEqual(['83.3333', '60.0000', '25.0000', '16.6667']);
    expect(result.brevityPenalty).toBe(1);
    expect(result.score).toBeCloseTo(37.9918, 3);
  });

  it('applies the brevity penalty at corpus level', () => {
    // hyp 4 tokens, ref 6: BP = exp(1 − 6/4); all 4 hypothesis n-grams match.
    const result = corpusBleu(['the cat sat on'], ['the cat sat on the mat']);
    expect(result.brevityPenalty).toBeCloseTo(Math.exp(-0.5), 12);
    expect(result.score).toBeCloseTo(100 * Math.exp(-0.5), 8);
  });

  it('refuses misaligned inputs', () => {
    expect(() => corpusBleu(['a'], ['a', 'b'])).toThrow(/differ in length/);
  });
});

describe('corpusChrf', () => {
  it('is 100 for identical output', () => {
    expect(corpusChrf(['Ein Test.', 'Noch einer'], ['Ein Test.', 'Noch einer'])).toBeCloseTo(100, 10);
  });

  it('matches sacreBLEU on its documented examples', () => {
    // Values from the chrF metric card of huggingface/datasets, computed with sacreBLEU.
    expect(
      corpusChrf(
        ['The relationship between Obama and Netanyahu is not exactly friendly.'],
        ['The ties between Obama and Netanyahu are not particularly friendly.'],
      ),
    ).toBeCloseTo(61.576379378113785, 9);
    expect(
      corpusChrf(
        [
          'The relationship between cats and dogs is not exactly friendly.',
          'a good bookshop is just a genteel black hole that knows how to read.',
        ],
        [
          'The relationship between dogs and cats is not exactly friendly.',
          'A good bookshop is just a genteel Black Hole that knows how to read.',
        ],
      ),
    ).toBeCloseTo(84.64214891738334, 9);
  });

  it('ignores whitespace', () => {
    expect(corpusChrf(['a b c'], ['abc'])).toBeCloseTo(100, 10);
  });
});
