import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelBuffers } from './model-files.js';

/**
 * Runs the `@browsermt/bergamot-translator` WASM worker under Node.
 *
 * The package declares `"type": "module"`, but its worker script is CommonJS (it calls
 * `require` and reads `__dirname`), so Node refuses to start it in place. We copy the
 * worker's three files into a cache directory with a `{"type":"commonjs"}` package.json
 * beside them and talk to the worker ourselves over its `{id, name, args}` protocol.
 */

/** A worker's memory, as it stood after its last reply. */
export interface WorkerMemory {
  /**
   * The WebAssembly memory's size: the model, Marian's workspace and the sentences' buffers all
   * live in it. It only grows, and only during a call, so between calls this is exact.
   */
  readonly wasmBytes: number;
  /** The worker thread's V8 heap in use (its JavaScript objects, not the WASM memory). */
  readonly heapBytes: number;
}

const PAIR = { from: 'de', to: 'en' };

/**
 * The worker's entry: the package's script, with every reply stamped with the thread's memory
 * (Node 20 cannot read another thread's heap, and the WASM memory is only visible inside it).
 */
function workerEntry(script: string): string {
  return `'use strict';
const { parentPort } = require('node:worker_threads');
const { getHeapStatistics } = require('node:v8');
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (message) =>
  post({ ...message, memory: {
    wasmBytes: globalThis.Module?.HEAP8?.buffer.byteLength ?? 0,
    heapBytes: getHeapStatistics().used_heap_size,
  } });
require(${JSON.stringify(script)});
`;
}

const WORKER_FILES = [
  'translator-worker.js',
  'bergamot-translator-worker.js',
  'bergamot-translator-worker.wasm',
];

function packageWorkerDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@browsermt/bergamot-translator/worker/translator-worker.js'));
}

async function packageVersion(workerDir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(workerDir, '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

async function isComplete(dir: string, sourceDir: string): Promise<boolean> {
  try {
    for (const file of WORKER_FILES) {
      const [a, b] = await Promise.all([stat(join(dir, file)), stat(join(sourceDir, file))]);
      if (a.size !== b.size) return false;
    }
    await stat(join(dir, 'package.json'));
    return true;
  } catch {
    return false;
  }
}

/** Returns a directory holding the worker files plus the CommonJS shim, creating it if needed. */
export async function prepareWorkerDir(cacheRoot = defaultCacheRoot()): Promise<string> {
  const source = packageWorkerDir();
  const target = join(cacheRoot, `bergamot-worker-${await packageVersion(source)}`);
  if (await isComplete(target, source)) return target;
  // Build in a private directory and rename, so concurrent processes never see half a copy.
  const staging = `${target}.tmp-${randomUUID()}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const file of WORKER_FILES) await copyFile(join(source, file), join(staging, file));
    await writeFile(join(staging, 'package.json'), '{"type":"commonjs"}\n');
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (await isComplete(target, source)) return target; // another process won the race
    throw error;
  }
  return target;
}

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRANSLATION_CACHE_DIR || join(tmpdir(), 'flotilla-translation');
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { message?: string };
  memory?: WorkerMemory;
}

/**
 * A started Bergamot worker: calls its methods with a deadline each. A call that misses its
 * deadline terminates the worker: it is stuck in WASM, which cannot be interrupted.
 */
export class BergamotWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderrTail: string[] = [];
  #dead: Error | undefined;
  #memory: WorkerMemory = { wasmBytes: 0, heapBytes: 0 };

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: Reply) => {
      if (message.memory) this.#memory = message.memory;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) {
        const text = message.error.message ?? 'worker error';
        // stderr travels on its own channel; give Marian's explanation a moment to arrive.
        setTimeout(() => pending.reject(new Error(this.#withStderr(text))), 50);
      } else {
        pending.resolve(message.result);
      }
    });
    worker.on('error', (error) =>
      this.#fail(new Error(this.#withStderr(`Bergamot worker crashed: ${error.message}`))),
    );
    worker.on('exit', (code) =>
      this.#fail(new Error(this.#withStderr(`Bergamot worker exited (code ${code})`))),
    );
    // Marian reports the real cause (e.g. "SentencePiece vocabulary error") on stderr only.
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderrTail.push(...chunk.split('\n').filter((l) => l.trim() !== ''));
      this.#stderrTail = this.#stderrTail.slice(-5);
    });
    worker.stdout.resume();
  }

  /** Starts the worker and initialises the WASM runtime, or fails within `timeoutMs`. */
  static async start(options: { timeoutMs?: number; cacheRoot?: string } = {}): Promise<BergamotWorker> {
    const dir = await prepareWorkerDir(options.cacheRoot);
    const worker = new BergamotWorker(
      new Worker(workerEntry(join(dir, 'translator-worker.js')), { eval: true, stdout: true, stderr: true }),
    );
    try {
      await worker.call(
        'initialize',
        [{ cacheSize: 0, useNativeIntGemm: false }],
        options.timeoutMs ?? 20_000,
      );
    } catch (error) {
      await worker.terminate();
      throw new Error(`Bergamot WASM runtime did not start: ${(error as Error).message}`, { cause: error });
    }
    return worker;
  }

  /** Loads the German→English model; the worker keeps it for all its translations. */
  async loadModel(buffers: ModelBuffers, timeoutMs: number): Promise<void> {
    await this.call(
      'loadTranslationModel',
      [
        PAIR,
        {
          model: toArrayBuffer(buffers.model),
          shortlist: toArrayBuffer(buffers.shortlist),
          vocabs: [toArrayBuffer(buffers.vocab)],
        },
      ],
      timeoutMs,
    );
  }

  /** Translates the sentences as one batch (Marian batches them internally by length). */
  async translate(sentences: readonly string[], timeoutMs: number): Promise<string[]> {
    const result = (await this.call(
      'translate',
      [{ models: [PAIR], texts: sentences.map((text) => ({ text, html: false, qualityScores: false })) }],
      timeoutMs,
    )) as { target: { text: string } }[];
    return result.map((r) => r.target.text);
  }

  call(name: string, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#pending.delete(id);
      };
      const timer = setTimeout(() => {
        cleanup();
        const error = new Error(this.#withStderr(`Bergamot ${name} timed out after ${timeoutMs} ms`));
        void this.terminate();
        reject(error);
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      this.#worker.postMessage({ id, name, args });
    });
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  get memory(): WorkerMemory {
    return this.#memory;
  }

  async terminate(): Promise<void> {
    this.#fail(new Error('Bergamot worker terminated'));
    await this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #withStderr(message: string): string {
    const tail = this.#stderrTail.join(' / ').trim();
    return tail ? `${message} (${tail})` : message;
  }
}

/** Copies into a standalone ArrayBuffer: a Buffer may be a view on a larger shared pool. */
function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(buffer.byteLength);
  new Uint8Array(copy).set(buffer);
  return copy;
}
