import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, ModelFetchError, modelInstalled } from '../src/engines/model-fetch.js';
import type { ModelManifest } from '../src/engines/model-manifest.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

const CONTENT = {
  'model.fake.bin': Buffer.from('model bytes '.repeat(5000)),
  'lex.fake.bin': Buffer.from('shortlist bytes '.repeat(100)),
  'vocab.fake.spm': Buffer.from('vocabulary'),
};
const GZ = Object.fromEntries(Object.entries(CONTENT).map(([name, data]) => [`${name}.gz`, gzipSync(data)]));

function manifest(
  base: string,
  overrides: Partial<Record<string, { gzSha256?: string; sha256?: string }>> = {},
): ModelManifest {
  return {
    name: 'fake model',
    urlTemplate: `${base}/files/{file}`,
    files: Object.entries(CONTENT).map(([name, data], i) => {
      const gz = GZ[`${name}.gz`] as Buffer;
      return {
        file: `${name}.gz`,
        gzBytes: gz.length,
        gzSha256: overrides[name]?.gzSha256 ?? sha256(gz),
        // Like the real manifest, only the first file gives the decompressed checksum.
        ...(i === 0 ? { sha256: overrides[name]?.sha256 ?? sha256(data) } : {}),
      };
    }),
  };
}

let server: Server;
let base: string;
let work: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const name = req.url?.replace('/files/', '') ?? '';
    const body = GZ[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), 'model-fetch-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('fetchModel', () => {
  it('installs verified, decompressed files and records their checksums', async () => {
    const dest = join(work, 'ok');
    const progress = new Map<string, number>();
    const m = manifest(base);
    const record = await fetchModel({
      manifest: m,
      destDir: dest,
      onProgress: (p) => {
        expect(p.totalBytes).toBe(GZ[p.file]?.length);
        progress.set(p.file, p.receivedBytes);
      },
    });
    expect((await readdir(dest)).sort()).toEqual([
      'installed.json',
      'lex.fake.bin',
      'model.fake.bin',
      'vocab.fake.spm',
    ]);
    for (const [name, data] of Object.entries(CONTENT)) {
      expect((await readFile(join(dest, name))).equals(data)).toBe(true);
      expect(record.files[name]?.sha256).toBe(sha256(data));
    }
    expect(Object.fromEntries(progress)).toEqual(
      Object.fromEntries(Object.entries(GZ).map(([n, gz]) => [n, gz.length])),
    );
    expect(await modelInstalled(dest, m)).toBe(true);
  });

  it('rejects a gzip checksum mismatch and leaves nothing behind', async () => {
    const dest = join(work, 'bad-gz');
    const m = manifest(base, { 'vocab.fake.spm': { gzSha256: 'f'.repeat(64) } });
    await expect(fetchModel({ manifest: m, destDir: dest })).rejects.toThrow(
      /checksum mismatch for vocab\.fake\.spm\.gz/,
    );
    await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a decompressed checksum mismatch', async () => {
    const dest = join(work, 'bad-raw');
    const m = manifest(base, { 'model.fake.bin': { sha256: 'e'.repeat(64) } });
    await expect(fetchModel({ manifest: m, destDir: dest })).rejects.toThrow(
      /checksum mismatch for model\.fake\.bin:/,
    );
    await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
  });

  it('keeps an existing directory but adds nothing to it on failure', async () => {
    const dest = join(work, 'ok');
    const m = manifest(`${base}/missing`);
    await expect(fetchModel({ manifest: m, destDir: dest })).rejects.toThrow(/HTTP 404/);
    expect((await readdir(dest)).sort()).toEqual([
      'installed.json',
      'lex.fake.bin',
      'model.fake.bin',
      'vocab.fake.spm',
    ]);
  });

  it('fails fast and clearly when the server is down', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const fetching = fetchModel({
      manifest: manifest(`http://127.0.0.1:${port}`),
      destDir: join(work, 'down'),
      connectTimeoutMs: 2000,
    });
    await expect(fetching).rejects.toThrow(ModelFetchError);
    await expect(fetching).rejects.toThrow(/cannot download model\.fake\.bin\.gz .*ECONNREFUSED.*offline/);
  });
});
