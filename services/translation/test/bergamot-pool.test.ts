/**
 * The Bergamot worker pool's scheduling: where batches go, what is merged, what cancel and a
 * missed deadline do. The neural model cannot be downloaded here, so its workers are stand-ins
 * that answer when the test says (no timing involved); bergamot.test.ts runs the pool on the
 * real WASM runtime for what needs no model.
 */
import { describe, expect, it } from 'vitest';
import { loadTranslationConfig } from '../src/config.js';
import { defaultWorkerCount, type PoolWorker, WorkerPool } from '../src/engines/bergamot/pool.js';
import { translateText } from '../src/engines/translate-text.js';
import { EngineUnavailableError, type TranslationEngine } from '../src/engines/types.js';

interface Call {
  readonly sentences: readonly string[];
  /** Answers with each sentence in brackets, as a translation the test can trace. */
  finish(): void;
  /** As a worker past its deadline: its host terminates it and the call fails. */
  expire(): void;
}

/** Workers that record their calls and hold each one until the test finishes it. */
function standIns() {
  const calls: { worker: number; call: Call }[] = [];
  let started = 0;
  let failNextStart: string | undefined;
  const waiting: (() => void)[] = [];
  const startWorker = async (): Promise<PoolWorker> => {
    if (failNextStart) throw new Error(failNextStart);
    const id = started++;
    let alive = true;
    const running = new Set<(error: Error) => void>();
    return {
      get alive() {
        return alive;
      },
      memory: { wasmBytes: (id + 1) * 65_536, heapBytes: 1_000 },
      translate: (sentences) =>
        new Promise<string[]>((resolve, reject) => {
          running.add(reject);
          calls.push({
            worker: id,
            call: {
              sentences,
              finish: () => resolve(sentences.map((s) => `[${s}]`)),
              expire: () => {
                alive = false;
                reject(new Error('Bergamot translate timed out after 120000 ms'));
              },
            },
          });
          for (const wake of waiting.splice(0)) wake();
        }),
      terminate: async () => {
        alive = false;
        for (const reject of running) reject(new Error('Bergamot worker terminated'));
      },
    };
  };
  return {
    startWorker,
    calls,
    started: () => started,
    failStarts: (message: string) => {
      failNextStart = message;
    },
    /** Resolves once `n` calls reached the workers. */
    async reached(n: number): Promise<Call[]> {
      while (calls.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return calls.slice(0, n).map((c) => c.call);
    },
  };
}

const sentences = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}.`);

function engineOver(pool: WorkerPool): TranslationEngine {
  return {
    name: 'bergamot',
    kind: 'neural',
    parallelism: pool.size,
    status: () => ({ ready: true, reason: 'stand-in workers', workers: pool.workers() }),
    translateBatch: (batch, signal) => pool.translate(batch, signal),
    close: () => pool.close(),
  };
}

describe('WorkerPool', () => {
  it('spreads one long text over the workers by batch and keeps its order', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 2, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const progress: number[] = [];
    const text = sentences('Satz ', 6).join(' ');
    const run = translateText(text, engineOver(pool), {
      batchSize: 2,
      onProgress: (p) => progress.push(p.sentencesDone),
    });
    const [first, second] = await workers.reached(2);
    expect(workers.calls.map((c) => c.worker)).toEqual([0, 1]);
    // The second batch finishes first; the text and the progress still come in order.
    second?.finish();
    first?.finish();
    const [, , third] = await workers.reached(3);
    third?.finish();
    expect((await run).text).toBe('[Satz 0.] [Satz 1.] [Satz 2.] [Satz 3.] [Satz 4.] [Satz 5.]');
    expect(progress).toEqual([2, 4, 6]);
    expect(pool.workers().map((w) => w.sentences)).toEqual([4, 2]);
    await pool.close();
  });

  it('stops a text whose batch failed: the batch in flight is discarded and the rest never sent', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 2, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const run = translateText('Eins. Zwei. Drei. Vier.', engineOver(pool), { batchSize: 1 });
    const [first, second] = await workers.reached(2);
    first?.expire();
    await expect(run).rejects.toThrow(/timed out/);
    second?.finish();
    expect(workers.calls.map((c) => c.call.sentences)).toEqual([['Eins.'], ['Zwei.']]);
    expect(pool.queued).toBe(0);
    await pool.close();
  });

  it('merges the batches of requests that queued while the workers were busy into one call', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const busy = pool.translate(['Erster.']);
    const queued = [pool.translate(['A.', 'B.']), pool.translate(['C.']), pool.translate(['D.'])];
    (await workers.reached(1))[0]?.finish();
    const merged = (await workers.reached(2))[1];
    expect(merged?.sentences).toEqual(['A.', 'B.', 'C.', 'D.']);
    merged?.finish();
    expect(await busy).toEqual(['[Erster.]']);
    expect(await Promise.all(queued)).toEqual([['[A.]', '[B.]'], ['[C.]'], ['[D.]']]);
    expect(pool.workers()[0]).toMatchObject({ batches: 2, sentences: 5, state: 'idle' });
    await pool.close();
  });

  it('merges no more than maxSentences into one call', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({
      size: 1,
      startWorker: workers.startWorker,
      timeoutMs: 120_000,
      maxSentences: 3,
    });
    const all = [pool.translate(['0.']), pool.translate(['1.', '2.']), pool.translate(['3.']), pool.translate(['4.'])];
    (await workers.reached(1))[0]?.finish();
    (await workers.reached(2))[1]?.finish();
    (await workers.reached(3))[2]?.finish();
    await Promise.all(all);
    expect(workers.calls.map((c) => c.call.sentences)).toEqual([['0.'], ['1.', '2.', '3.'], ['4.']]);
    await pool.close();
  });

  it('never starts the queued batches of a cancelled request', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const busy = pool.translate(['Erster.']);
    const controller = new AbortController();
    const cancelled = pool.translate(['Abgebrochen.'], controller.signal);
    const other = pool.translate(['Weiter.']);
    expect(pool.queued).toBe(2);
    controller.abort();
    await expect(cancelled).rejects.toThrow(/abort/i);
    expect(pool.queued).toBe(1);
    (await workers.reached(1))[0]?.finish();
    (await workers.reached(2))[1]?.finish();
    expect(await Promise.all([busy, other])).toEqual([['[Erster.]'], ['[Weiter.]']]);
    expect(workers.calls.map((c) => c.call.sentences)).toEqual([['Erster.'], ['Weiter.']]);
    await pool.close();
  });

  it('discards the result of a running batch that was cancelled, and the worker goes on', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const first = pool.translate(['Erster.']);
    const controller = new AbortController();
    // Queued together, so both go to the worker in one call once it is free.
    const cancelled = pool.translate(['Abgebrochen.'], controller.signal);
    const kept = pool.translate(['Behalten.']);
    (await workers.reached(1))[0]?.finish();
    const merged = (await workers.reached(2))[1];
    expect(merged?.sentences).toEqual(['Abgebrochen.', 'Behalten.']);
    controller.abort();
    // Rejected at once, while the worker is still translating it.
    await expect(cancelled).rejects.toThrow(/abort/i);
    expect(pool.workers()[0]?.state).toBe('busy');
    merged?.finish();
    expect(await first).toEqual(['[Erster.]']);
    expect(await kept).toEqual(['[Behalten.]']);
    const next = pool.translate(['Danach.']);
    (await workers.reached(3))[2]?.finish();
    expect(await next).toEqual(['[Danach.]']);
    await pool.close();
  });

  it('replaces a worker that missed its deadline, and the queued batches run on the new one', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const stuck = pool.translate(['Hängt.']);
    const queued = pool.translate(['Wartet.']);
    (await workers.reached(1))[0]?.expire();
    await expect(stuck).rejects.toThrow(/timed out/);
    const retried = (await workers.reached(2))[1];
    expect(workers.calls[1]?.worker).toBe(1);
    retried?.finish();
    expect(await queued).toEqual(['[Wartet.]']);
    expect(workers.started()).toBe(2);
    expect(pool.workers()[0]).toMatchObject({ restarts: 1, state: 'idle', wasmBytes: 2 * 65_536 });
    expect(pool.health()).toEqual({ ready: true });
    await pool.close();
  });

  it('fails what is queued, and says why, when a stopped worker cannot be replaced', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const stuck = pool.translate(['Hängt.']);
    const queued = pool.translate(['Wartet.']);
    workers.failStarts('Bergamot WASM runtime did not start: out of memory');
    (await workers.reached(1))[0]?.expire();
    await expect(stuck).rejects.toThrow(/timed out/);
    await expect(queued).rejects.toThrow(EngineUnavailableError);
    await expect(queued).rejects.toThrow(/workers stopped \(Bergamot WASM runtime did not start: out of memory\)/);
    expect(pool.health()).toMatchObject({ ready: false });
    expect(pool.workers()[0]).toMatchObject({ state: 'stopped', wasmBytes: null, heapBytes: null });
    await expect(pool.translate(['Später.'])).rejects.toThrow(EngineUnavailableError);
    await pool.close();
  });

  it('stops the workers already started when one fails to start', async () => {
    const started: PoolWorker[] = [];
    const workers = standIns();
    let n = 0;
    const start = WorkerPool.start({
      size: 3,
      timeoutMs: 120_000,
      startWorker: async () => {
        if (n++ === 1) throw new EngineUnavailableError('Bergamot could not load the model');
        const worker = await workers.startWorker();
        started.push(worker);
        return worker;
      },
    });
    await expect(start).rejects.toThrow('Bergamot could not load the model');
    expect(started).toHaveLength(2);
    expect(started.map((w) => w.alive)).toEqual([false, false]);
  });

  it('refuses queued work when closed', async () => {
    const workers = standIns();
    const pool = await WorkerPool.start({ size: 1, startWorker: workers.startWorker, timeoutMs: 120_000 });
    const running = pool.translate(['Läuft.']);
    const queued = pool.translate(['Wartet.']);
    await workers.reached(1);
    await pool.close();
    await expect(running).rejects.toThrow(/terminated/);
    await expect(queued).rejects.toThrow(/closed/);
    expect(pool.workers().map((w) => w.state)).toEqual(['stopped']);
    expect(pool.health()).toMatchObject({ ready: false });
  });
});

describe('TRANSLATION_WORKERS', () => {
  it('defaults to the cores less one, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultWorkerCount(cores))).toEqual([1, 1, 2, 3, 4, 4]);
    expect(loadTranslationConfig({}).TRANSLATION_WORKERS).toBe(defaultWorkerCount());
  });

  it('takes a count, and refuses 0 or a non-number at startup naming the variable', () => {
    expect(loadTranslationConfig({ TRANSLATION_WORKERS: '3' }).TRANSLATION_WORKERS).toBe(3);
    expect(() => loadTranslationConfig({ TRANSLATION_WORKERS: '0' })).toThrow(/TRANSLATION_WORKERS must be >= 1/);
    expect(() => loadTranslationConfig({ TRANSLATION_WORKERS: 'many' })).toThrow(/TRANSLATION_WORKERS/);
  });
});
