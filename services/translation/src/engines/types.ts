/** Whether an engine can translate right now, and why not when it cannot. */
export interface EngineStatus {
  readonly ready: boolean;
  /** Human-readable: what the engine is, or what is wrong and how to fix it. */
  readonly reason: string;
}

export type EngineName = 'bergamot' | 'dictionary' | 'unavailable';

/**
 * One German→English engine. Engines translate sentences, never whole documents:
 * segmentation and layout are handled once, in `translateText`.
 */
export interface TranslationEngine {
  readonly name: EngineName;
  /** `neural` is the real translator, `fallback` the dictionary gloss. */
  readonly kind: 'neural' | 'fallback' | 'none';
  status(): EngineStatus;
  /** Translates each sentence; the result has the same length and order. */
  translateBatch(sentences: string[], signal?: AbortSignal): Promise<string[]>;
  /** Frees workers and memory; the engine is unusable afterwards. */
  close(): Promise<void>;
}

/** Raised when an engine cannot be used; the message says how to fix it. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error
      ? signal.reason
      : new DOMException('Translation aborted', 'AbortError');
  }
}
