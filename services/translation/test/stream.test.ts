import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamLayout } from '../src/domain/stream-layout.js';
import { BergamotWorker } from '../src/engines/bergamot/worker-host.js';
import { reassemble, segmentText } from '../src/engines/segment.js';
import type { TranslationEngine } from '../src/engines/types.js';
import { parseEventStream } from '@flotilla/kit/testing';
import { type Service, startService } from './harness.js';

describe('streamLayout', () => {
  it('gives chunks that join to exactly the reassembled text', () => {
    const text = '\n  Erster Satz. Zweiter Satz!\n\n\tDritter Absatz\r\nletzte Zeile.  \n';
    const segmented = segmentText(text);
    const translated = segmented.sentences.map((s) => `<${s}>`);
    const layout = streamLayout(segmented);
    const chunks = [
      layout.push(translated.slice(0, 1)),
      layout.push(translated.slice(1, 3)),
      layout.push(translated.slice(3)),
    ];
    chunks.push(layout.finish());
    expect(chunks.join('')).toBe(reassemble(segmented, translated));
    expect(chunks[0]).toBe('\n  <Erster Satz.>');
  });
});

/** An engine that holds its second batch until released, and records the signal it was given. */
function gatedEngine() {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sawAbort: () => void = () => {};
  const aborted = new Promise<void>((resolve) => {
    sawAbort = resolve;
  });
  let batches = 0;
  const engine: TranslationEngine = {
    name: 'dictionary',
    kind: 'fallback',
    status: () => ({ ready: true, reason: 'gated test engine' }),
    async translateBatch(sentences, signal) {
      batches++;
      if (batches === 2) {
        signal?.addEventListener('abort', () => sawAbort(), { once: true });
        await gate;
      }
      return sentences.map((s) => s.toUpperCase());
    },
    close: async () => {},
  };
  return { engine, release, aborted, batches: () => batches };
}

describe('a client that disconnects from /translate/stream', () => {
  const gated = gatedEngine();
  const logLines: string[] = [];
  let cancelledLogged: () => void = () => {};
  const cancelled = new Promise<void>((resolve) => {
    cancelledLogged = resolve;
  });
  let service: Service;
  let port = 0;

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        const line = String(chunk);
        logLines.push(line);
        if (line.includes('nothing stored')) cancelledLogged();
        done();
      },
    });
    service = await startService('pglite', {
      loadEngine: async () => gated.engine,
      env: { LOG_LEVEL: 'info', TRANSLATION_BATCH_SIZE: '2' },
      logStream,
    });
    await service.engines.start();
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    const address = service.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => service?.close());

  it('cancels the work and stores nothing', async () => {
    const text = Array.from({ length: 10 }, (_, i) => `Satz ${i}.`).join(' ');
    const firstText = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/translate/stream',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${service.tokens.alice}` },
        },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream');
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
            if (body.includes('event: text')) {
              resolve(body);
              // Hang up while the second batch is still being translated.
              req.destroy();
            }
          });
          res.on('error', () => {});
        },
      );
      req.on('error', (error) => {
        if (!('code' in error && error.code === 'ECONNRESET')) reject(error);
      });
      req.end(JSON.stringify({ text_de: text }));
    });
    expect(await firstText).toContain('SATZ 0.');
    await gated.aborted;
    gated.release();
    await cancelled;
    expect(gated.batches()).toBe(2);
    const stored = await sql<{ n: string }>`select count(*) as n from translations`.execute(service.db);
    expect(Number(stored.rows[0]?.n)).toBe(0);
  });
});

/**
 * A Bergamot-like engine over a real Bergamot WASM worker that dies during the second batch, as
 * when the worker crashes: its pending call is rejected by the worker host itself.
 */
async function dyingBergamot(cacheRoot: string): Promise<TranslationEngine> {
  const worker = await BergamotWorker.start({ cacheRoot, timeoutMs: 20_000 });
  let batches = 0;
  return {
    name: 'bergamot',
    kind: 'neural',
    status: () =>
      worker.alive
        ? { ready: true, reason: 'test Bergamot worker' }
        : { ready: false, reason: 'the Bergamot worker stopped; restart the service' },
    async translateBatch(sentences) {
      batches++;
      if (batches < 2) return sentences.map((s) => s.toUpperCase());
      const pending = worker.call('translate', [{ models: [], texts: [] }], 60_000);
      pending.catch(() => {}); // awaited below, once the worker is gone
      await worker.terminate();
      return (await pending) as string[];
    },
    close: () => worker.terminate(),
  };
}

/** A dictionary-like engine whose glossing throws on the second batch. */
function throwingDictionary(): TranslationEngine {
  let batches = 0;
  return {
    name: 'dictionary',
    kind: 'fallback',
    status: () => ({ ready: true, reason: 'throwing test dictionary' }),
    async translateBatch(sentences) {
      if (++batches >= 2) throw new TypeError("Cannot read properties of undefined (reading 'gloss')");
      return sentences;
    },
    close: async () => {},
  };
}

describe('an engine that fails in the middle of /translate/stream', () => {
  let cacheRoot: string;
  beforeAll(async () => {
    cacheRoot = await mkdtemp(join(tmpdir(), 'bergamot-cache-'));
  });
  afterAll(async () => rm(cacheRoot, { recursive: true, force: true }));

  const text = Array.from({ length: 10 }, (_, i) => `Satz ${i}.`).join(' ');

  it.each([
    [
      'the Bergamot worker crashes',
      () => dyingBergamot(cacheRoot),
      /bergamot engine failed while translating: Bergamot worker terminated; the Bergamot worker stopped/,
    ],
    [
      'the dictionary throws',
      async () => throwingDictionary(),
      /dictionary engine failed while translating: Cannot read properties/,
    ],
  ] as const)('ends the stream with an error event saying so when %s, and stores nothing', async (_case, engine, detail) => {
    const service = await startService('pglite', {
      loadEngine: engine,
      env: { TRANSLATION_BATCH_SIZE: '2' },
    });
    try {
      await service.engines.start();
      const answer = await service.request('POST', '/translate/stream', { body: { text_de: text } });
      expect(answer.status).toBe(200);
      const events = parseEventStream(answer.text);
      expect(events.map((e) => e.event)).toEqual(['progress', 'progress', 'text', 'error']);
      expect(events.at(-1)?.data).toMatchObject({ status: 503, detail: expect.stringMatching(detail) });
      const stored = await sql<{ n: string }>`select count(*) as n from translations`.execute(service.db);
      expect(Number(stored.rows[0]?.n)).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('reports a crashed engine on /readyz (503, saying why) while /healthz stays 200', async () => {
    const service = await startService('pglite', {
      loadEngine: () => dyingBergamot(cacheRoot),
      env: { TRANSLATION_BATCH_SIZE: '2' },
    });
    try {
      await service.engines.start();
      expect((await service.request('GET', '/readyz', { as: 'anonymous' })).status).toBe(200);
      await service.request('POST', '/translate', { body: { text_de: text } });
      const ready = await service.request('GET', '/readyz', { as: 'anonymous' });
      expect(ready.status).toBe(503);
      expect(ready.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(ready.body.failures)).toMatch(/bergamot engine stopped: the Bergamot worker stopped/);
      expect((await service.request('GET', '/healthz', { as: 'anonymous' })).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
