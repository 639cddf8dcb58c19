import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BergamotWorker } from '../src/engines/bergamot/worker-host.js';
import { BergamotEngine } from '../src/engines/bergamot-engine.js';
import type { ModelManifest } from '../src/engines/model-manifest.js';
import { EngineUnavailableError } from '../src/engines/types.js';

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

describe('Bergamot WASM runtime', () => {
  it('starts under Node from a CommonJS shim directory and stops again', async () => {
    const worker = await BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 });
    expect(worker.alive).toBe(true);
    await worker.terminate();
    expect(worker.alive).toBe(false);
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
    await expect(
      BergamotEngine.load({ modelDir: dir, manifest: manifestFor(FAKE), cacheRoot, loadTimeoutMs: 20_000 }),
    ).rejects.toThrow(/Bergamot could not load the model .*Aborted/s);
  });
});
