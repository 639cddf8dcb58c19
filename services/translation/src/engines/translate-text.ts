import { batches, DEFAULT_MAX_SENTENCE_CHARS, reassemble, segmentText } from './segment.js';
import { type TranslationEngine, throwIfAborted } from './types.js';

export interface TranslateProgress {
  readonly sentencesDone: number;
  readonly sentencesTotal: number;
  /** The translations of the batch just finished, in order. */
  readonly batch: readonly string[];
}

export interface TranslateTextOptions {
  readonly onProgress?: (progress: TranslateProgress) => void;
  readonly signal?: AbortSignal;
  /** Sentences per engine call (default 16). */
  readonly batchSize?: number;
  readonly maxSentenceChars?: number;
}

export interface TranslateTextResult {
  readonly text: string;
  readonly engine: TranslationEngine['name'];
  readonly sentences: number;
}

/** Translates any length of text, keeping paragraphs, line breaks and spacing. */
export async function translateText(
  text: string,
  engine: TranslationEngine,
  options: TranslateTextOptions = {},
): Promise<TranslateTextResult> {
  throwIfAborted(options.signal);
  const segmented = segmentText(text, options.maxSentenceChars ?? DEFAULT_MAX_SENTENCE_CHARS);
  const total = segmented.sentences.length;
  const translated: string[] = [];
  for (const batch of batches(segmented.sentences, options.batchSize ?? 16)) {
    throwIfAborted(options.signal);
    const out = await engine.translateBatch(batch, options.signal);
    if (out.length !== batch.length) {
      throw new Error(
        `engine ${engine.name} returned ${out.length} translations for ${batch.length} sentences`,
      );
    }
    translated.push(...out);
    options.onProgress?.({ sentencesDone: translated.length, sentencesTotal: total, batch: out });
    // Yield so that an abort (e.g. a client hanging up) is noticed between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { text: reassemble(segmented, translated), engine: engine.name, sentences: total };
}
