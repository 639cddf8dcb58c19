/** Whether an engine can translate right now, and why not when it cannot. */
export interface EngineStatus {
  readonly ready: boolean;
  /** Human-readable: what the engine is, or what is wrong and how to fix it. */
  readonly reason: string;
  /** The engine's worker threads, for an engine that runs them (Bergamot). */
  readonly workers?: EngineWorkerStatus[];
}

/** One worker thread of an engine: what it does, what it did, and its memory. */
export interface EngineWorkerStatus {
  readonly id: number;
  readonly state: 'starting' | 'idle' | 'busy' | 'stopped';
  /** Worker calls (batches, merged across requests) and their sentences, since the engine loaded. */
  readonly batches: number;
  readonly sentences: number;
  /** Times the worker was replaced (after missing its deadline or crashing). */
  readonly restarts: number;
  /** The WebAssembly memory (model, workspace, buffers) after its last call; null when stopped. */
  readonly wasmBytes: number | null;
  /** The thread's V8 heap in use after its last call; null when stopped. */
  readonly heapBytes: number | null;
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
  /** Batches the engine translates at once (its workers); translateText keeps that many in flight. */
  readonly parallelism?: number;
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
