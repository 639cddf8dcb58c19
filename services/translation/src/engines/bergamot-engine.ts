import { join } from 'node:path';
import { FETCH_HINT, readModelFiles } from './bergamot/model-files.js';
import { BergamotWorker } from './bergamot/worker-host.js';
import { DEFAULT_MANIFEST_PATH, type ModelManifest, readManifest } from './model-manifest.js';
import {
  type EngineStatus,
  EngineUnavailableError,
  type TranslationEngine,
  throwIfAborted,
} from './types.js';

export function modelDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRANSLATION_MODEL_DIR || join(process.cwd(), 'data', 'translation-model');
}

export interface BergamotOptions {
  readonly modelDir?: string;
  readonly manifest?: ModelManifest;
  /** Deadline for the WASM runtime to start. */
  readonly initTimeoutMs?: number;
  /** Deadline for Marian to load the model into the runtime. */
  readonly loadTimeoutMs?: number;
  /** Deadline per batch of sentences. */
  readonly translateTimeoutMs?: number;
  readonly cacheRoot?: string;
}

const PAIR = { from: 'de', to: 'en' };

/** The neural engine: Firefox's Marian model running in Bergamot's WASM build. */
export class BergamotEngine implements TranslationEngine {
  readonly name = 'bergamot';
  readonly kind = 'neural';
  readonly #worker: BergamotWorker;
  readonly #modelName: string;
  readonly #translateTimeoutMs: number;

  private constructor(worker: BergamotWorker, modelName: string, translateTimeoutMs: number) {
    this.#worker = worker;
    this.#modelName = modelName;
    this.#translateTimeoutMs = translateTimeoutMs;
  }

  /** Verifies the model files, starts the WASM runtime and loads the model, or fails clearly. */
  static async load(options: BergamotOptions = {}): Promise<BergamotEngine> {
    const dir = options.modelDir ?? modelDir();
    const manifest = options.manifest ?? (await readManifest(DEFAULT_MANIFEST_PATH));
    // Checksums first: a missing or damaged file fails before any WASM is started.
    const buffers = await readModelFiles(dir, manifest);
    const worker = await BergamotWorker.start({
      timeoutMs: options.initTimeoutMs ?? 20_000,
      ...(options.cacheRoot ? { cacheRoot: options.cacheRoot } : {}),
    });
    try {
      await worker.call(
        'loadTranslationModel',
        [
          PAIR,
          {
            model: toArrayBuffer(buffers.model),
            shortlist: toArrayBuffer(buffers.shortlist),
            vocabs: [toArrayBuffer(buffers.vocab)],
          },
        ],
        options.loadTimeoutMs ?? 60_000,
      );
    } catch (error) {
      await worker.terminate();
      throw new EngineUnavailableError(
        `Bergamot could not load the model in ${dir}: ${(error as Error).message}; ${FETCH_HINT}`,
      );
    }
    return new BergamotEngine(worker, manifest.name, options.translateTimeoutMs ?? 120_000);
  }

  status(): EngineStatus {
    return this.#worker.alive
      ? { ready: true, reason: `neural translation with ${this.#modelName} (Bergamot WASM)` }
      : { ready: false, reason: 'the Bergamot worker stopped; restart the service' };
  }

  async translateBatch(sentences: string[], signal?: AbortSignal): Promise<string[]> {
    throwIfAborted(signal);
    if (sentences.length === 0) return [];
    const result = (await this.#worker.call(
      'translate',
      [{ models: [PAIR], texts: sentences.map((text) => ({ text, html: false, qualityScores: false })) }],
      this.#translateTimeoutMs,
      signal,
    )) as { target: { text: string } }[];
    return result.map((r) => r.target.text);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** Copies into a standalone ArrayBuffer: a Buffer may be a view on a larger shared pool. */
function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(buffer.byteLength);
  new Uint8Array(copy).set(buffer);
  return copy;
}
