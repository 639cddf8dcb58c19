import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FETCH_HINT, readModelFiles } from './bergamot/model-files.js';
import { defaultWorkerCount, WorkerPool } from './bergamot/pool.js';
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

/**
 * Whether the model directory holds a model file: a cheap look before anything starts (the
 * launcher keeps V8's optimising compiler for the engine's WebAssembly then); loading verifies it.
 */
export function hasModelFile(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    return readdirSync(modelDir(env)).some((name) => name.startsWith('model.'));
  } catch {
    return false;
  }
}

export interface BergamotOptions {
  readonly modelDir?: string;
  readonly manifest?: ModelManifest;
  /** Worker threads, each with its own copy of the model (TRANSLATION_WORKERS; default defaultWorkerCount()). */
  readonly workers?: number;
  /** Deadline for the WASM runtime to start. */
  readonly initTimeoutMs?: number;
  /** Deadline for Marian to load the model into the runtime. */
  readonly loadTimeoutMs?: number;
  /** Deadline per worker call (a batch of sentences); a worker that misses it is replaced. */
  readonly translateTimeoutMs?: number;
  readonly cacheRoot?: string;
}

/** The neural engine: Firefox's Marian model running in Bergamot's WASM build, on a pool of workers. */
export class BergamotEngine implements TranslationEngine {
  readonly name = 'bergamot';
  readonly kind = 'neural';
  readonly #pool: WorkerPool;
  readonly #modelName: string;

  private constructor(pool: WorkerPool, modelName: string) {
    this.#pool = pool;
    this.#modelName = modelName;
  }

  /** Verifies the model files, starts the workers and loads the model into each, or fails clearly. */
  static async load(options: BergamotOptions = {}): Promise<BergamotEngine> {
    const dir = options.modelDir ?? modelDir();
    const manifest = options.manifest ?? (await readManifest(DEFAULT_MANIFEST_PATH));
    // Checksums first: a missing or damaged file fails before any WASM is started. The buffers
    // are kept (the model's size, once) to load a replacement worker without reading them again.
    const buffers = await readModelFiles(dir, manifest);
    const startWorker = async (): Promise<BergamotWorker> => {
      const worker = await BergamotWorker.start({
        timeoutMs: options.initTimeoutMs ?? 20_000,
        ...(options.cacheRoot ? { cacheRoot: options.cacheRoot } : {}),
      });
      try {
        await worker.loadModel(buffers, options.loadTimeoutMs ?? 60_000);
      } catch (error) {
        await worker.terminate();
        throw new EngineUnavailableError(
          `Bergamot could not load the model in ${dir}: ${(error as Error).message}; ${FETCH_HINT}`,
        );
      }
      return worker;
    };
    const pool = await WorkerPool.start({
      size: options.workers ?? defaultWorkerCount(),
      startWorker,
      timeoutMs: options.translateTimeoutMs ?? 120_000,
    });
    return new BergamotEngine(pool, manifest.name);
  }

  get parallelism(): number {
    return this.#pool.size;
  }

  status(): EngineStatus {
    const health = this.#pool.health();
    const workers = this.#pool.workers();
    if (!health.ready) return { ready: false, reason: health.reason, workers };
    const count = workers.length === 1 ? '1 worker' : `${workers.length} workers`;
    return { ready: true, reason: `neural translation with ${this.#modelName} (Bergamot WASM, ${count})`, workers };
  }

  async translateBatch(sentences: string[], signal?: AbortSignal): Promise<string[]> {
    throwIfAborted(signal);
    return this.#pool.translate(sentences, signal);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
