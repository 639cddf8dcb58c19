import { fieldPath, HttpProblem, invalidField } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { insertTranslation } from '../db/translations.js';
import { segmentText } from '../engines/segment.js';
import { type TranslateProgress, translateText } from '../engines/translate-text.js';
import { EngineUnavailableError, type TranslationEngine, throwIfAborted } from '../engines/types.js';
import type { TranslationMetrics } from '../metrics.js';
import type { EngineHolder } from './engine-holder.js';
import { streamLayout } from './stream-layout.js';

/**
 * The longest text accepted, in characters (Unicode code points): 1 Mi, i.e. at least 1 MB of
 * text. The request body limit is derived from it (see `bodyLimitFor`).
 */
export const MAX_TEXT_CHARS = 1024 * 1024;

/** JSON may escape a character as `\uXXXX` (6 bytes); room for that plus the envelope. */
export function bodyLimitFor(maxChars: number): number {
  return maxChars * 6 + 64 * 1024;
}

export interface TranslationDeps {
  db: Kysely<DB>;
  engines: EngineHolder;
  metrics: TranslationMetrics;
  batchSize: number;
}

export interface Caller {
  userId: number | undefined;
  username: string | undefined;
}

export interface TranslationResult {
  id: number;
  text_en: string;
  engine: string;
  chars: number;
  ms: number;
}

export interface TranslateRequest {
  textDe: string;
  caller: Caller;
  signal?: AbortSignal;
  onProgress?: (progress: TranslateProgress) => void;
}

/** Refuses text with nothing to translate; the schema already bounds its length. */
export function checkText(text: string): void {
  if (text.trim() === '') {
    throw invalidField(fieldPath('body', 'text_de'), 'is empty or only whitespace: send German text to translate');
  }
}

const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;

export function countWords(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(WORD)) count++;
  return count;
}

/**
 * Translates a text and stores it. Nothing is stored when the work is cancelled (the signal
 * fires) or fails; the engine is taken before any work so a missing one is a 503 with its fix.
 */
export async function translateAndStore(
  deps: TranslationDeps,
  request: TranslateRequest,
): Promise<TranslationResult> {
  checkText(request.textDe);
  // Held for the whole text: an engine switched in meanwhile serves the next request, not this one.
  const lease = deps.engines.lease();
  try {
    return await translateWith(lease.engine, deps, request);
  } finally {
    lease.release();
  }
}

async function translateWith(
  engine: TranslationEngine,
  deps: TranslationDeps,
  request: TranslateRequest,
): Promise<TranslationResult> {
  const started = performance.now();
  let text: string;
  try {
    ({ text } = await translateText(request.textDe, engine, {
      batchSize: deps.batchSize,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    }));
  } catch (error) {
    if (error instanceof EngineUnavailableError)
      throw new HttpProblem(503, error.message, { engine: engine.name });
    if (request.signal?.aborted || error instanceof HttpProblem) throw error;
    // The engine broke mid-text (a crashed Bergamot worker, a throwing glosser): say so, and how
    // the engine stands now, instead of an anonymous 500.
    const status = engine.status();
    throw new HttpProblem(
      503,
      `the ${engine.name} engine failed while translating: ${(error as Error).message}${status.ready ? '' : `; ${status.reason}`}`,
      { engine: engine.name },
    );
  }
  const seconds = (performance.now() - started) / 1000;
  // A client gone during the last batch must not leave a stored translation behind.
  throwIfAborted(request.signal);
  const chars = [...request.textDe].length;
  const ms = Math.round(seconds * 1000);
  const id = await insertTranslation(deps.db, {
    textDe: request.textDe,
    textEn: text,
    engine: engine.name,
    chars,
    ms,
    ownerId: request.caller.userId,
    owner: request.caller.username,
  });
  deps.metrics.translations.inc({ engine: engine.name });
  deps.metrics.words.inc({ engine: engine.name }, countWords(request.textDe));
  deps.metrics.duration.observe({ engine: engine.name }, seconds);
  return { id, text_en: text, engine: engine.name, chars, ms };
}

/** What a streamed translation tells as it goes. */
export interface StreamListener {
  progress(progress: { sentencesDone: number; sentencesTotal: number }): void;
  /** The next piece of the final text: the pieces, joined in order, are exactly `text_en`. */
  text(piece: string): void;
}

export interface StreamedTranslation {
  sentencesTotal: number;
  /** Translates (telling the listener: progress 0 of the total first) and stores. */
  run(options: { caller: Caller; signal: AbortSignal; listener: StreamListener }): Promise<TranslationResult>;
}

/**
 * A translation told as it goes. The text and the engine are checked here, before any work, so
 * that a refusal (400, or 503 with the fix) is an ordinary answer and a stream is opened only for
 * work that can start; failures after that end the stream (and nothing is stored).
 */
export function prepareStreamedTranslation(deps: TranslationDeps, textDe: string): StreamedTranslation {
  checkText(textDe);
  deps.engines.current();
  const layout = streamLayout(segmentText(textDe));
  return {
    sentencesTotal: layout.total,
    async run({ caller, signal, listener }) {
      listener.progress({ sentencesDone: 0, sentencesTotal: layout.total });
      const result = await translateAndStore(deps, {
        textDe,
        caller,
        signal,
        onProgress: ({ sentencesDone, sentencesTotal, batch }) => {
          listener.progress({ sentencesDone, sentencesTotal });
          const piece = layout.push(batch);
          if (piece) listener.text(piece);
        },
      });
      const tail = layout.finish();
      if (tail) listener.text(tail);
      return result;
    },
  };
}
