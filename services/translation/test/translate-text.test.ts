import { beforeAll, describe, expect, it } from 'vitest';
import type { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { translateText } from '../src/engines/translate-text.js';
import type { TranslationEngine } from '../src/engines/types.js';
import { realDictionary } from './helpers.js';

/** Marks each sentence so the test can see exactly what was sent and where it came back. */
function bracketEngine(calls: string[][] = []): TranslationEngine {
  return {
    name: 'dictionary',
    kind: 'fallback',
    status: () => ({ ready: true, reason: 'test' }),
    translateBatch: async (sentences) => {
      calls.push(sentences);
      return sentences.map((s) => `[${s}]`);
    },
    close: async () => {},
  };
}

describe('translateText', () => {
  it('keeps paragraphs, line breaks and surrounding whitespace', async () => {
    const text = '\n  Erster Satz. Zweiter Satz!\n\n\tDritter Absatz\r\nletzte Zeile.  \n';
    const result = await translateText(text, bracketEngine());
    expect(result.text).toBe(
      '\n  [Erster Satz.] [Zweiter Satz!]\n\n\t[Dritter Absatz]\r\n[letzte Zeile.]  \n',
    );
    expect(result.sentences).toBe(4);
  });

  it('translates in batches and reports progress', async () => {
    const calls: string[][] = [];
    const progress: [number, number][] = [];
    const text = Array.from({ length: 5 }, (_, i) => `Satz ${i + 1}.`).join(' ');
    await translateText(text, bracketEngine(calls), {
      batchSize: 2,
      onProgress: (p) => progress.push([p.sentencesDone, p.sentencesTotal]),
    });
    expect(calls.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it('stops when aborted between batches', async () => {
    const controller = new AbortController();
    const calls: string[][] = [];
    const text = Array.from({ length: 50 }, (_, i) => `Satz ${i}.`).join(' ');
    const run = translateText(text, bracketEngine(calls), {
      batchSize: 5,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.sentencesDone === 10) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(calls).toHaveLength(2);
  });

  it('refuses to start with an already aborted signal', async () => {
    const calls: string[][] = [];
    await expect(
      translateText('Hallo.', bracketEngine(calls), { signal: AbortSignal.abort() }),
    ).rejects.toThrow();
    expect(calls).toHaveLength(0);
  });
});

describe('translateText with the dictionary engine', () => {
  let engine: DictionaryEngine;
  beforeAll(async () => {
    engine = await realDictionary();
  });

  it('translates 1 MB of text and keeps its layout', async () => {
    const paragraph =
      'Der Hund spielt im Garten. Die Kinder spielten mit den Hunden!\nHeute ist der Hund im Garten.\n\n';
    const text = paragraph.repeat(Math.ceil(1_000_000 / paragraph.length));
    expect(text.length).toBeGreaterThanOrEqual(1_000_000);
    let last = 0;
    const result = await translateText(text, engine, {
      batchSize: 256,
      onProgress: (p) => (last = p.sentencesDone),
    });
    const expected =
      'The dog plays in the garden. The children played with the dogs!\nToday the dog is in the garden.\n\n'.repeat(
        Math.ceil(1_000_000 / paragraph.length),
      );
    expect(result.text).toBe(expected);
    expect(last).toBe(result.sentences);
    expect(result.engine).toBe('dictionary');
  });
});
