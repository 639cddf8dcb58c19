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
  const pending = batches(segmented.sentences, options.batchSize ?? 16);
  // An engine with workers gets that many batches at once, so one long text uses them all;
  // results are taken in order. A failure stops the batches still in flight.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const inFlight: Promise<string[]>[] = [];
  const send = (): void => {
    const batch = pending.shift();
    if (!batch) return;
    const out = engine.translateBatch(batch, signal).then((out) => {
      if (out.length !== batch.length) {
        throw new Error(
          `engine ${engine.name} returned ${out.length} translations for ${batch.length} sentences`,
        );
      }
      return out;
    });
    out.catch(() => {}); // awaited in turn below; one failing early must not go unhandled
    inFlight.push(out);
  };
  const translated: string[] = [];
  try {
    while (inFlight.length < Math.max(1, engine.parallelism ?? 1) && pending.length > 0) send();
    for (let next = inFlight.shift(); next; next = inFlight.shift()) {
      const out = await next;
      translated.push(...out);
      options.onProgress?.({ sentencesDone: translated.length, sentencesTotal: total, batch: out });
      // Yield so that an abort (e.g. a client hanging up) is noticed between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (pending.length > 0) {
        throwIfAborted(options.signal);
        send();
      }
    }
  } finally {
    stop.abort();
  }
  return { text: reassemble(segmented, translated), engine: engine.name, sentences: total };
}
