import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/engines/bergamot/pool.js';
import { BergamotWorker } from '../src/engines/bergamot/worker-host.js';
import { BergamotEngine } from '../src/engines/bergamot-engine.js';
import type { ModelManifest } from '../src/engines/model-manifest.js';
import { EngineUnavailableError } from '../src/engines/types.js';
import { startService } from './harness.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

// Small stand-ins for the three model files; the real ones cannot be downloaded here.
const FAKE = {
  model: Buffer.from('not a marian model'.repeat(64)),
  lex: Buffer.from('not a shortlist'.repeat(16)),
  vocab: Buffer.from('not a sentencepiece vocabulary'),
};

function manifestFor(files: { model: Buffer; lex: Buffer; vocab: Buffer }): ModelManifest {
  return {
    name: 'test model',
    urlTemplate: 'http://127.0.0.1:9/{file}',
    files: [
      { file: 'model.test.bin.gz', gzBytes: 1, gzSha256: '0'.repeat(64), sha256: sha256(files.model) },
      { file: 'lex.test.bin.gz', gzBytes: 1, gzSha256: '0'.repeat(64), sha256: sha256(files.lex) },
      { file: 'vocab.test.spm.gz', gzBytes: 1, gzSha256: '0'.repeat(64), sha256: sha256(files.vocab) },
    ],
  };
}

let dir: string;
let cacheRoot: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bergamot-model-'));
  cacheRoot = await mkdtemp(join(tmpdir(), 'bergamot-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(cacheRoot, { recursive: true, force: true });
});

const WASM_PAGE = 65_536;

describe('Bergamot WASM runtime', () => {
  it('starts under Node from a CommonJS shim directory, reports its memory, and stops again', async () => {
    const worker = await BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 });
    expect(worker.alive).toBe(true);
    // Emscripten's initial memory is 16 MiB, in whole WebAssembly pages.
    expect(worker.memory.wasmBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(worker.memory.wasmBytes % WASM_PAGE).toBe(0);
    expect(worker.memory.heapBytes).toBeGreaterThan(0);
    await worker.terminate();
    expect(worker.alive).toBe(false);
  });

  it('terminates a worker that misses its deadline', async () => {
    const worker = await BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 });
    // Starting the runtime again reads and compiles 5 MB of WASM: far past a 1 ms deadline.
    await expect(worker.call('initialize', [{ cacheSize: 0, useNativeIntGemm: false }], 1)).rejects.toThrow(
      /Bergamot initialize timed out after 1 ms/,
    );
    expect(worker.alive).toBe(false);
  });
});

describe('a pool of Bergamot WASM workers (no model: the runtime refuses to translate)', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.start({
      size: 2,
      startWorker: () => BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 }),
      timeoutMs: 20_000,
    });
  });
  afterAll(() => pool.close());

  it('starts the workers asked for, each with its own WASM memory', () => {
    const workers = pool.workers();
    expect(workers.map((w) => [w.id, w.state])).toEqual([
      [0, 'idle'],
      [1, 'idle'],
    ]);
    for (const w of workers) {
      expect(w.wasmBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
      expect((w.wasmBytes ?? 1) % WASM_PAGE).toBe(0);
      expect(w.heapBytes).toBeGreaterThan(0);
    }
  });

  it("fails a batch with the runtime's error and keeps the worker; a cancelled queued batch never starts", async () => {
    const a = pool.translate(['Erster Satz.']);
    const b = pool.translate(['Zweiter Satz.']);
    const controller = new AbortController();
    const c = pool.translate(['Dritter Satz.'], controller.signal);
    expect(pool.queued).toBe(1);
    controller.abort();
    await expect(c).rejects.toThrow(/abort/i);
    // Without a model, Bergamot's bindings refuse the missing TranslationModel.
    await Promise.all(
      [a, b].map((batch) => expect(batch).rejects.toThrow(/Cannot read properties of undefined/)),
    );
    const workers = pool.workers();
    expect(workers.map((w) => [w.state, w.batches, w.restarts])).toEqual([
      ['idle', 1, 0],
      ['idle', 1, 0],
    ]);
    expect(pool.queued).toBe(0);
  });

  it('serves the workers and their memory in GET /translate/engine and /metrics', async () => {
    const service = await startService('pglite', {
      loadEngine: async () => ({
        name: 'bergamot',
        kind: 'neural',
        parallelism: pool.size,
        status: () => ({ ready: true, reason: 'runtime without a model', workers: pool.workers() }),
        translateBatch: (sentences, signal) => pool.translate(sentences, signal),
        close: async () => {},
      }),
    });
    try {
      await service.engines.start();
      const engine = await service.request('GET', '/translate/engine', { as: 'anonymous' });
      expect(engine.status).toBe(200);
      const served = engine.body.workers as { id: number; wasmBytes: number; heapBytes: number }[];
      expect(served).toEqual(pool.workers());
      const metrics = (await service.request('GET', '/metrics', { as: 'anonymous' })).text;
      for (const w of served) {
        expect(metrics).toContain(
          `translation_worker_memory_bytes{worker="${w.id}",memory="wasm",service="translation"} ${w.wasmBytes}`,
        );
        expect(metrics).toMatch(
          new RegExp(`translation_worker_memory_bytes\\{worker="${w.id}",memory="heap",service="translation"\\} \\d+`),
        );
      }
    } finally {
      await service.close();
    }
  });

  it('stops every worker on close', async () => {
    const other = await WorkerPool.start({
      size: 2,
      startWorker: () => BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 }),
      timeoutMs: 20_000,
    });
    await other.close();
    expect(other.workers().map((w) => w.state)).toEqual(['stopped', 'stopped']);
    await expect(other.translate(['Satz.'])).rejects.toThrow(EngineUnavailableError);
  });
});

describe('BergamotEngine.load', () => {
  it('names the missing file and says how to fetch it', async () => {
    const load = BergamotEngine.load({ modelDir: dir, manifest: manifestFor(FAKE), cacheRoot });
    await expect(load).rejects.toThrow(EngineUnavailableError);
    await expect(load).rejects.toThrow(new RegExp(`${join(dir, 'model.test.bin')} is missing.*model:fetch`));
  });

  it('names a file whose sha256 differs from the manifest', async () => {
    await writeFile(join(dir, 'model.test.bin'), FAKE.model);
    await writeFile(join(dir, 'lex.test.bin'), Buffer.from('tampered'));
    await writeFile(join(dir, 'vocab.test.spm'), FAKE.vocab);
    await expect(
      BergamotEngine.load({ modelDir: dir, manifest: manifestFor(FAKE), cacheRoot }),
    ).rejects.toThrow(
      new RegExp(`${join(dir, 'lex.test.bin')} is corrupt \\(sha256 ${sha256(Buffer.from('tampered'))}`),
    );
  });

  it('reports a model the WASM engine cannot read instead of hanging', async () => {
    await writeFile(join(dir, 'lex.test.bin'), FAKE.lex);
    // Checksums match, contents are garbage: Marian itself must refuse them.
    const load = BergamotEngine.load({
      modelDir: dir,
      manifest: manifestFor(FAKE),
      cacheRoot,
      workers: 2,
      loadTimeoutMs: 20_000,
    });
    await expect(load).rejects.toThrow(EngineUnavailableError);
    await expect(load).rejects.toThrow(/Bergamot could not load the model .*Aborted/s);
  });
});
