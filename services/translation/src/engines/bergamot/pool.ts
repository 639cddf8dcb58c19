import { availableParallelism } from 'node:os';
import { type EngineWorkerStatus, EngineUnavailableError } from '../types.js';
import type { WorkerMemory } from './worker-host.js';

/** What the pool needs of a worker: a BergamotWorker with the model loaded. */
export interface PoolWorker {
  readonly alive: boolean;
  readonly memory: WorkerMemory;
  translate(sentences: readonly string[], timeoutMs: number): Promise<string[]>;
  terminate(): Promise<void>;
}

export interface PoolOptions {
  readonly size: number;
  /** Starts one worker and loads the model into it; also used to replace a stopped worker. */
  readonly startWorker: () => Promise<PoolWorker>;
  /** Deadline of one worker call; a worker that misses it is terminated and replaced. */
  readonly timeoutMs: number;
  /** At most this many sentences in one worker call (queued batches are merged up to it). */
  readonly maxSentences?: number;
  /** At most this many characters in one worker call, so a call's time stays well in its deadline. */
  readonly maxChars?: number;
}

/** Most workers the default starts: each holds its own copy of the model and Marian's workspace. */
export const DEFAULT_MAX_WORKERS = 4;

/** One per core, leaving one for the service's own thread (HTTP, segmentation, the database). */
export function defaultWorkerCount(cores = availableParallelism()): number {
  return Math.min(DEFAULT_MAX_WORKERS, Math.max(1, cores - 1));
}

interface Job {
  readonly sentences: readonly string[];
  readonly chars: number;
  /** Settles once: a result, an error, or the abort (whichever comes first). */
  settle(outcome: { result: string[] } | { error: unknown }): void;
}

interface Slot {
  readonly id: number;
  worker: PoolWorker | undefined;
  starting: Promise<void> | undefined;
  busy: boolean;
  batches: number;
  sentences: number;
  restarts: number;
  /** Why the slot has no worker, when its replacement failed too. */
  failure: string | undefined;
}

/**
 * Bergamot worker threads sharing one queue of sentence batches. A batch goes to an idle
 * worker (the one that has translated least); batches that queued meanwhile, from any request,
 * are merged into one worker call up to `maxSentences`, since Marian translates a batch of
 * sentences faster than the same sentences one call each. Each caller gets its own sentences'
 * results, in order.
 */
export class WorkerPool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  readonly #options: Required<PoolOptions>;
  #closed = false;

  private constructor(workers: PoolWorker[], options: Required<PoolOptions>) {
    this.#options = options;
    this.#slots = workers.map((worker, id) => ({
      id,
      worker,
      starting: undefined,
      busy: false,
      batches: 0,
      sentences: 0,
      restarts: 0,
      failure: undefined,
    }));
  }

  /** Starts `size` workers at once; if one fails, stops the others and throws its error. */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`a worker pool needs at least one worker, not ${options.size}`);
    const started = await Promise.allSettled(Array.from({ length: options.size }, () => options.startWorker()));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason;
    }
    return new WorkerPool(workers, { maxSentences: 64, maxChars: 12_000, ...options });
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Whether a worker runs or is being started; otherwise why none does. */
  health(): { ready: true } | { ready: false; reason: string } {
    if (this.#closed) return { ready: false, reason: 'the Bergamot engine was closed' };
    if (this.#slots.some((s) => s.worker?.alive || s.starting)) return { ready: true };
    const failure = this.#slots.find((s) => s.failure)?.failure;
    return { ready: false, reason: `the Bergamot workers stopped${failure ? ` (${failure})` : ''}; restart the service` };
  }

  workers(): EngineWorkerStatus[] {
    return this.#slots.map((slot) => {
      const worker = slot.worker?.alive ? slot.worker : undefined;
      return {
        id: slot.id,
        state: worker ? (slot.busy ? 'busy' : 'idle') : slot.starting ? 'starting' : 'stopped',
        batches: slot.batches,
        sentences: slot.sentences,
        restarts: slot.restarts,
        wasmBytes: worker?.memory.wasmBytes ?? null,
        heapBytes: worker?.memory.heapBytes ?? null,
      };
    });
  }

  /** Sentence batches waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Translates one batch. Aborting removes a queued batch, so it never starts; a batch already
   * in a worker runs to its end (Bergamot cannot be interrupted mid-batch, and terminating the
   * worker would cost a model reload) and its result is discarded.
   */
  translate(sentences: readonly string[], signal?: AbortSignal): Promise<string[]> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const health = this.health();
    if (!health.ready) return Promise.reject(new EngineUnavailableError(health.reason));
    if (sentences.length === 0) return Promise.resolve([]);
    return new Promise<string[]>((resolve, reject) => {
      let settled = false;
      const job: Job = {
        sentences,
        chars: sentences.reduce((n, s) => n + s.length, 0),
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          if ('result' in outcome) resolve(outcome.result);
          else reject(outcome.error);
        },
      };
      const onAbort = (): void => {
        const queuedAt = this.#queue.indexOf(job);
        if (queuedAt >= 0) this.#queue.splice(queuedAt, 1);
        job.settle({ error: abortReason(signal) });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Refuses what is queued, stops every worker (running batches fail) and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = new EngineUnavailableError('the Bergamot engine was closed');
    for (const job of this.#queue.splice(0)) job.settle({ error });
    await Promise.allSettled(this.#slots.map((s) => s.starting));
    await Promise.all(this.#slots.map((s) => s.worker?.terminate()));
  }

  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const slot = this.#slots
        .filter((s) => s.worker?.alive && !s.busy)
        .reduce<Slot | undefined>((best, s) => (!best || s.sentences < best.sentences ? s : best), undefined);
      if (!slot) return;
      void this.#run(slot, this.#takeBatch());
    }
  }

  /**
   * The next worker call: the first queued batch, and the ones after it while they fit. Batches
   * queue only while every worker is busy, so a worker that frees up takes what has piled up.
   */
  #takeBatch(): Job[] {
    const { maxSentences, maxChars } = this.#options;
    const jobs = this.#queue.splice(0, 1);
    let sentences = jobs[0]?.sentences.length ?? 0;
    let chars = jobs[0]?.chars ?? 0;
    for (let next = this.#queue[0]; next; next = this.#queue[0]) {
      if (sentences + next.sentences.length > maxSentences || chars + next.chars > maxChars) break;
      jobs.push(next);
      this.#queue.shift();
      sentences += next.sentences.length;
      chars += next.chars;
    }
    return jobs;
  }

  async #run(slot: Slot, jobs: Job[]): Promise<void> {
    const worker = slot.worker;
    if (!worker) return;
    const sentences = jobs.flatMap((job) => job.sentences);
    slot.busy = true;
    slot.batches++;
    slot.sentences += sentences.length;
    try {
      const out = await worker.translate(sentences, this.#options.timeoutMs);
      if (out.length !== sentences.length)
        throw new Error(`Bergamot returned ${out.length} translations for ${sentences.length} sentences`);
      let offset = 0;
      for (const job of jobs) {
        job.settle({ result: out.slice(offset, offset + job.sentences.length) });
        offset += job.sentences.length;
      }
    } catch (error) {
      for (const job of jobs) job.settle({ error });
    } finally {
      slot.busy = false;
      // Missed its deadline (and was terminated by its host) or crashed: start another.
      if (!worker.alive) this.#replace(slot);
      this.#dispatch();
    }
  }

  #replace(slot: Slot): void {
    slot.worker = undefined;
    if (this.#closed || slot.starting) return;
    slot.restarts++;
    slot.starting = this.#options
      .startWorker()
      .then(async (worker) => {
        if (this.#closed) await worker.terminate();
        else {
          slot.worker = worker;
          slot.failure = undefined;
        }
      })
      .catch((error: unknown) => {
        slot.failure = (error as Error).message;
      })
      .finally(() => {
        slot.starting = undefined;
        const health = this.health();
        // Nothing left to run what is queued: fail it now rather than let it wait forever.
        if (!this.#closed && !health.ready) {
          const unavailable = new EngineUnavailableError(health.reason);
          for (const job of this.#queue.splice(0)) job.settle({ error: unavailable });
        }
        this.#dispatch();
      });
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason instanceof Error ? signal.reason : new DOMException('Translation aborted', 'AbortError');
}
