/**
 * The first start's downloads against loopback HTTP servers (no internet): resumable, verified
 * downloads of the dictionary and the model, and the service switching engines when one arrives.
 */
import { createHash } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { fetchDictionary } from '../src/engines/dictionary-fetch.js';
import { DownloadError } from '../src/engines/download.js';
import { fetchModel, STAGING_DIR } from '../src/engines/model-fetch.js';
import type { ModelManifest } from '../src/engines/model-manifest.js';
import type { TranslationEngine } from '../src/engines/types.js';
import { inlineEngine, type Service, startService } from './harness.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A tiny Ding file: enough for the dictionary engine to load and gloss `Hund`. */
const DING = Buffer.from(
  [
    '# Version :: 1.9 test',
    'Hund {m} | Hunde {pl} :: hound | hounds',
    'Katze {f} | Katzen {pl} :: cat | cats',
    ...Array.from({ length: 2000 }, (_, i) => `Testwort${i} {n} :: test word ${i}`),
    '',
  ].join('\n'),
);
const DING_GZ = gzipSync(DING);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers GET with `body`, honouring `Range: bytes=N-` unless told not to. */
function serve(body: Buffer, req: IncomingMessage, res: ServerResponse, options: { ranges?: boolean } = {}): void {
  const range = /^bytes=(\d+)-$/u.exec(req.headers.range ?? '');
  if (range && options.ranges !== false) {
    const from = Number(range[1]);
    if (from >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': body.length - from,
      'content-range': `bytes ${from}-${body.length - 1}/${body.length}`,
    });
    res.end(body.subarray(from));
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
}

/**
 * A connection cut after the first `bytes` of `body` (the whole length announced): the server
 * drops it once the client reports, through `onProgress`, that those bytes are on its disk.
 */
function cutter(body: Buffer, bytes: number) {
  let open: ServerResponse | undefined;
  return {
    send(res: ServerResponse): void {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, bytes));
      open = res;
    },
    onProgress(received: number): void {
      if (received === bytes) open?.destroy();
    },
  };
}

let server: Server;
let base: string;
let handler: Handler = (_req, res) => res.writeHead(404).end();
const requests: IncomingMessage[] = [];
let work: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), 'first-start-'));
});
afterEach(() => {
  requests.length = 0;
  handler = (_req, res) => res.writeHead(404).end();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('fetchDictionary', () => {
  it('installs the gzip upstream serves, verified on its text, reporting progress to the last byte', async () => {
    handler = (req, res) => serve(DING_GZ, req, res);
    const dest = join(work, 'gz', 'de-en');
    const progress: [number, number | null][] = [];
    await fetchDictionary({
      url: `${base}/de-en.txt.gz`,
      sha256: sha256(DING),
      dest,
      onProgress: (received, total) => progress.push([received, total]),
    });
    expect((await readFile(dest)).equals(DING)).toBe(true);
    expect(progress.at(-1)).toEqual([DING_GZ.length, DING_GZ.length]);
    expect(progress.every(([received], i) => i === 0 || received >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
    // Nothing but the dictionary is left beside it.
    expect(await readdir(join(work, 'gz'))).toEqual(['de-en']);
  });

  it('accepts the same dictionary as plain text (the checksum is of the text)', async () => {
    handler = (req, res) => serve(DING, req, res);
    const dest = join(work, 'plain', 'de-en');
    await fetchDictionary({ url: `${base}/de-en`, sha256: sha256(DING), dest });
    expect((await readFile(dest)).equals(DING)).toBe(true);
  });

  it('resumes with a Range request after the connection is cut', async () => {
    const half = Math.floor(DING_GZ.length / 2);
    const cut = cutter(DING_GZ, half);
    let first = true;
    handler = (req, res) => {
      if (first) {
        first = false;
        cut.send(res);
      } else serve(DING_GZ, req, res);
    };
    const dest = join(work, 'resume', 'de-en');
    const options = { url: `${base}/de-en.txt.gz`, sha256: sha256(DING), dest, onProgress: cut.onProgress };
    await expect(fetchDictionary(options)).rejects.toThrow(/broke off after \d+ bytes/);
    expect(await exists(dest)).toBe(false);
    await fetchDictionary(options);
    expect(requests.map((req) => req.headers.range)).toEqual([undefined, `bytes=${half}-`]);
    expect((await readFile(dest)).equals(DING)).toBe(true);
  });

  it('starts again from the first byte when the server ignores the range', async () => {
    const cut = cutter(DING_GZ, 1000);
    let first = true;
    handler = (req, res) => {
      if (first) {
        first = false;
        cut.send(res);
      } else serve(DING_GZ, req, res, { ranges: false });
    };
    const dest = join(work, 'restart', 'de-en');
    const options = { url: `${base}/de-en.txt.gz`, sha256: sha256(DING), dest, onProgress: cut.onProgress };
    await expect(fetchDictionary(options)).rejects.toThrow(DownloadError);
    await fetchDictionary(options);
    expect(requests[1]?.headers.range).toBe('bytes=1000-');
    expect((await readFile(dest)).equals(DING)).toBe(true);
  });

  it('refuses a checksum mismatch, installing nothing and keeping no part', async () => {
    handler = (req, res) => serve(DING_GZ, req, res);
    const dir = join(work, 'mismatch');
    const fetching = fetchDictionary({ url: `${base}/de-en.txt.gz`, sha256: 'a'.repeat(64), dest: join(dir, 'de-en') });
    await expect(fetching).rejects.toThrow(/checksum mismatch: sha256 of the text [0-9a-f]{64}, expected a{64}/);
    await expect(fetching).rejects.toMatchObject({ permanent: true });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('fetchModel after a cut', () => {
  const files = { 'model.x.bin': Buffer.from('model '.repeat(20_000)), 'lex.x.bin': Buffer.from('lex'), 'vocab.x.spm': Buffer.from('v') };
  const gz = Object.fromEntries(Object.entries(files).map(([name, data]) => [`/m/${name}.gz`, gzipSync(data)]));
  const manifest: ModelManifest = {
    name: 'cut model',
    urlTemplate: `http://unused.invalid/{file}`,
    files: Object.keys(files).map((name) => {
      const body = gz[`/m/${name}.gz`] as Buffer;
      return { file: `${name}.gz`, gzBytes: body.length, gzSha256: sha256(body) };
    }),
  };

  it('keeps the part of a broken transfer and resumes it, then installs everything', async () => {
    const model = gz['/m/model.x.bin.gz'] as Buffer;
    const half = Math.floor(model.length / 2);
    const cut = cutter(model, half);
    let cutOnce = true;
    handler = (req, res) => {
      const body = gz[req.url ?? ''];
      if (!body) return void res.writeHead(404).end();
      if (req.url === '/m/model.x.bin.gz' && cutOnce) {
        cutOnce = false;
        return cut.send(res);
      }
      serve(body, req, res);
    };
    const dest = join(work, 'model');
    const options = {
      manifest,
      destDir: dest,
      urlTemplate: `${base}/m/{file}`,
      onProgress: ({ file, receivedBytes }: { file: string; receivedBytes: number }) => {
        if (file === 'model.x.bin.gz') cut.onProgress(receivedBytes);
      },
    };
    await expect(fetchModel(options)).rejects.toThrow(/cannot download model\.x\.bin\.gz from .*broke off/);
    // Only the staging directory is there, with the part: no model file in place.
    expect(await readdir(dest)).toEqual([STAGING_DIR]);
    await fetchModel(options);
    expect(requests.filter((req) => req.url === '/m/model.x.bin.gz').map((req) => req.headers.range)).toEqual([
      undefined,
      `bytes=${half}-`,
    ]);
    expect((await readdir(dest)).sort()).toEqual(['installed.json', 'lex.x.bin', 'model.x.bin', 'vocab.x.spm']);
    expect((await readFile(join(dest, 'model.x.bin'))).equals(files['model.x.bin'])).toBe(true);
  });
});

/** An engine that translates one batch, then waits for `release` before the rest. */
function gatedEngine(): { engine: TranslationEngine; firstBatch: Promise<void>; release: () => void } {
  const inner = inlineEngine();
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let firstDone = () => {};
  const firstBatch = new Promise<void>((resolve) => {
    firstDone = resolve;
  });
  let batches = 0;
  return {
    engine: {
      ...inner,
      translateBatch: async (sentences, signal) => {
        if (batches++ > 0) await gate;
        const out = await inner.translateBatch(sentences, signal);
        firstDone();
        return out;
      },
    },
    firstBatch,
    release: () => release(),
  };
}

function logSink(): { stream: Writable; lines: string[]; seen: (pattern: RegExp) => Promise<void> } {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const line = String(chunk);
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) waiter.resolve();
      done();
    },
  });
  const seen = (pattern: RegExp) =>
    lines.some((line) => pattern.test(line))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ pattern, resolve }));
  return { stream, lines, seen };
}

const FAST_RETRY = { firstDelayMs: 20, maxDelayMs: 100, attempts: 50 };

describe('the service on its first start', () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
    vi.unstubAllEnvs();
  });

  /** The service selecting its own engine from these directories, downloading from the loopback server. */
  async function firstStart(dir: string, env: Record<string, string> = {}) {
    vi.stubEnv('TRANSLATION_MODEL_DIR', join(dir, 'model'));
    vi.stubEnv('DICTIONARY_PATH', join(dir, 'no-debian-dictionary'));
    vi.stubEnv('DICTIONARY_CACHE_DIR', join(dir, 'dictionary'));
    const log = logSink();
    service = await startService('pglite', {
      loadEngine: undefined,
      env: {
        LOG_LEVEL: 'info',
        TRANSLATION_FETCH: 'on',
        TRANSLATION_MODEL_URL: `${base}/model/{file}`,
        DICTIONARY_URL: `${base}/de-en.txt.gz`,
        DICTIONARY_SHA256: sha256(DING),
        ...env,
      },
      fetchRetry: FAST_RETRY,
      logStream: log.stream,
    });
    return { service, log };
  }

  it('offline: starts at once without an engine, says so, retries, and switches to the dictionary once it arrives', async () => {
    const dir = await mkdtemp(join(work, 'offline-'));
    let online = false;
    handler = (req, res) => {
      if (!online) return void req.socket.destroy();
      if (req.url === '/de-en.txt.gz') return serve(DING_GZ, req, res);
      res.writeHead(404).end();
    };
    const { service, log } = await firstStart(dir);
    await service.engines.start();
    // Ready at once in its documented fallback, while the download is failing.
    expect((await service.request('GET', '/readyz', { as: 'anonymous' })).status).toBe(200);
    expect((await service.request('GET', '/translate/engine')).body).toMatchObject({ name: 'unavailable', ready: false });
    await log.seen(/dictionary could not be downloaded/);
    await log.seen(/retrying the download of the neural model and dictionary in/);
    await log.seen(/downloading the dictionary in the background/);
    online = true;
    await log.seen(/translation engine switched/);
    const info = (await service.request('GET', '/translate/engine')).body;
    expect(info).toMatchObject({ name: 'dictionary', kind: 'fallback', ready: true, download: null });
    expect(info.reason).toContain(join(dir, 'dictionary', 'de-en'));
    const translated = await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } });
    expect(translated.status).toBe(201);
    expect(translated.body.text_en).toMatch(/hound/i);
    expect(log.lines.filter((line) => line.includes('could not be downloaded')).length).toBeGreaterThanOrEqual(1);
    // The first start with the files present fetches nothing.
    await service.close();
    requests.length = 0;
    const again = await firstStart(dir, { TRANSLATION_ENGINE: 'dictionary' });
    await again.service.engines.start();
    expect((await again.service.request('GET', '/translate/engine')).body).toMatchObject({ name: 'dictionary', ready: true });
    expect(requests).toEqual([]);
  });

  it('refuses a dictionary whose checksum does not match: nothing installed, not retried', async () => {
    const dir = await mkdtemp(join(work, 'bad-'));
    handler = (req, res) => (req.url === '/de-en.txt.gz' ? serve(DING_GZ, req, res) : res.writeHead(404).end());
    const { service, log } = await firstStart(dir, { TRANSLATION_ENGINE: 'dictionary', DICTIONARY_SHA256: 'b'.repeat(64) });
    await log.seen(/could not be downloaded \(not retried\).*checksum mismatch/);
    expect(await readdir(join(dir, 'dictionary'))).toEqual([]);
    expect((await service.request('GET', '/translate/engine')).body).toMatchObject({ name: 'unavailable' });
  });

  it('shows the download in GET /translate/engine, and a stream under way finishes in its engine while the next uses the new one', async () => {
    const dir = await mkdtemp(join(work, 'switch-'));
    const cache = join(dir, 'dictionary', 'de-en');
    const gated = gatedEngine();
    // The old engine until the dictionary is in place, then the real dictionary engine over it.
    const loadEngine = async () => ((await exists(cache)) ? DictionaryEngine.load(cache) : gated.engine);
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const half = Math.floor(DING_GZ.length / 2);
    handler = (req, res) => {
      if (req.url !== '/de-en.txt.gz') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': DING_GZ.length });
      res.write(DING_GZ.subarray(0, half));
      void finished.then(() => res.end(DING_GZ.subarray(half)));
    };
    const log = logSink();
    vi.stubEnv('DICTIONARY_PATH', join(dir, 'no-debian-dictionary'));
    vi.stubEnv('DICTIONARY_CACHE_DIR', join(dir, 'dictionary'));
    service = await startService('pglite', {
      loadEngine,
      fetchOnStart: true,
      fetchRetry: FAST_RETRY,
      logStream: log.stream,
      env: {
        LOG_LEVEL: 'info',
        TRANSLATION_ENGINE: 'dictionary',
        TRANSLATION_FETCH: 'on',
        TRANSLATION_BATCH_SIZE: '1',
        DICTIONARY_URL: `${base}/de-en.txt.gz`,
        DICTIONARY_SHA256: sha256(DING),
      },
    });
    await service.engines.start();

    // Progress, as the web shows it.
    for (;;) {
      const { download } = (await service.request('GET', '/translate/engine')).body;
      if (download?.receivedBytes === half) {
        expect(download).toEqual({ what: 'dictionary', receivedBytes: half, totalBytes: DING_GZ.length });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    // A stream in the old engine, held after its first sentence.
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (service.app.server.address() as AddressInfo).port;
    const streaming = fetch(`http://127.0.0.1:${port}/translate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service.tokens.alice}` },
      body: JSON.stringify({ text_de: 'Der Hund läuft. Der Hund schläft.' }),
    }).then((response) => response.text());
    await gated.firstBatch;

    finish();
    await log.seen(/translation engine switched/);
    expect((await service.request('GET', '/translate/engine')).body).toMatchObject({
      name: 'dictionary',
      ready: true,
      download: null,
    });
    gated.release();
    const events = await streaming;
    // The old engine's words (the inline dictionary's "dog"), not the new one's.
    expect(events).toContain('"text_en":"The dog runs. The dog sleeps."');
    const next = await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } });
    expect(next.body.text_en).toMatch(/hound/i);
  });

  it('with TRANSLATION_FETCH=off fetches nothing', async () => {
    const dir = await mkdtemp(join(work, 'off-'));
    const { service } = await firstStart(dir, { TRANSLATION_FETCH: 'off' });
    await service.engines.start();
    expect((await service.request('GET', '/translate/engine')).body).toMatchObject({ name: 'unavailable', download: null });
    expect(requests).toEqual([]);
  });
});
