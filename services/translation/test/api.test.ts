import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS } from '../src/domain/translate.js';
import { UnavailableEngine } from '../src/engines/select.js';
import type { TranslationEngine } from '../src/engines/types.js';
import { parseEventStream } from '@flotilla/kit/testing';
import { inlineEngine, type Service, startService } from './harness.js';

describe.each(testDatabaseKinds())('translation API on %s', (kind) => {
  let service: Service;
  const rows = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from translations`.execute(service.db)).rows[0]?.n);

  beforeAll(async () => {
    service = await startService(kind);
    await service.engines.start();
  });
  afterAll(async () => service?.close());

  it('translates, stores with the caller as owner, and answers note 000 field names', async () => {
    const answer = await service.request('POST', '/translate', {
      body: { text_de: 'Der Hund schläft.\n\nDas Haus ist groß.' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      text_en: 'The dog sleeps.\n\nThe house is big.',
      engine: 'dictionary',
      chars: 37,
      ms: expect.any(Number),
    });
    const stored = await service.request('GET', `/translations/${answer.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      id: answer.body.id,
      text_de: 'Der Hund schläft.\n\nDas Haus ist groß.',
      text_en: 'The dog sleeps.\n\nThe house is big.',
      engine: 'dictionary',
      userId: 1,
      owner: 'alice',
    });
    expect(Date.parse(stored.body.createdAt)).not.toBeNaN();
  });

  it('refuses empty, whitespace-only, missing and mistyped text with 400 and stores nothing', async () => {
    const before = await rows();
    for (const body of [{ text_de: '' }, { text_de: ' \n\t ' }, {}, { text_de: 42 }, { text: 'Hund' }]) {
      const answer = await service.request('POST', '/translate', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail).toMatch(/text_de/);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('body.text_de');
    }
    expect(await rows()).toBe(before);
  });

  it('refuses unknown properties in the body and the query with 400 naming them', async () => {
    const before = await rows();
    const body = await service.request('POST', '/translate', { body: { text_de: 'Der Hund.', txet_en: 'x' } });
    expect(body.status).toBe(400);
    expect(body.body.errors).toEqual([{ field: 'body.txet_en', message: 'is not a known field' }]);
    const stream = await service.request('POST', '/translate/stream', { body: { text_de: 'Hund', x: 1 } });
    expect(stream.status).toBe(400);
    expect(stream.headers['content-type']).toContain('application/problem+json');
    const query = await service.request('GET', '/translations?limt=5');
    expect(query.status).toBe(400);
    expect(query.body.errors).toEqual([{ field: 'query.limt', message: 'is not a known field' }]);
    expect(await rows()).toBe(before);
  });

  it('refuses a NUL character in text_de, a console query or ?q= with 400 naming the field', async () => {
    const before = await rows();
    const answers = {
      'body.text_de': await service.request('POST', '/translate', { body: { text_de: 'Der\u0000Hund' } }),
      'body.query': await service.request('POST', '/sql', { body: { query: "select 'a\u0000'" }, as: 'admin' }),
      'query.q': await service.request('GET', '/translations?q=Hund%00'),
    };
    for (const [field, answer] of Object.entries(answers)) {
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail).toContain(field);
    }
    expect(await rows()).toBe(before);
  });

  it('accepts a text of the documented limit (1 Mi characters) and refuses one character more', async () => {
    const sentence = 'Der Hund läuft. ';
    const text = sentence.repeat(Math.ceil(MAX_TEXT_CHARS / sentence.length)).slice(0, MAX_TEXT_CHARS);
    const ok = await service.request('POST', '/translate', { body: { text_de: text } });
    expect(ok.status).toBe(201);
    expect(ok.body.chars).toBe(MAX_TEXT_CHARS);
    expect(ok.body.text_en.startsWith('The dog runs. The dog runs.')).toBe(true);
    const before = await rows();
    const tooLong = await service.request('POST', '/translate', { body: { text_de: `${text}x` } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.detail).toMatch(/text_de/);
    expect(await rows()).toBe(before);
  });

  it('refuses anonymous callers with 401 and needs no token for the engine status', async () => {
    expect(
      (await service.request('POST', '/translate', { body: { text_de: 'Hund' }, as: 'anonymous' })).status,
    ).toBe(401);
    expect((await service.request('GET', '/translations', { as: 'anonymous' })).status).toBe(401);
    const engine = await service.request('GET', '/translate/engine', { as: 'anonymous' });
    expect(engine.status).toBe(200);
    expect(engine.body).toEqual({
      name: 'dictionary',
      kind: 'fallback',
      ready: true,
      reason: 'inline test dictionary',
      download: null,
      maxChars: MAX_TEXT_CHARS,
    });
  });

  it('lists newest first with a cursor, and searches both texts', async () => {
    const ids: number[] = [];
    for (const text of ['Die Katze läuft.', 'Der Hund ist groß.', 'Das Haus schläft.', 'Katze und Hund.']) {
      ids.push((await service.request('POST', '/translate', { body: { text_de: text } })).body.id);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await service.request('GET', `/translations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { id: number }) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    // The cursor is opaque: not an id a client could compute.
    const first = await service.request('GET', '/translations?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(first.body.nextCursor).not.toMatch(/^\d+$/);
    const last = await service.request('GET', `/translations?limit=100`);
    expect(last.body.nextCursor).toBeNull();

    const german = await service.request('GET', `/translations?q=${encodeURIComponent('Katze')}`);
    expect(german.body.items.map((item: { id: number }) => item.id)).toEqual([ids[3], ids[0]]);
    const english = await service.request('GET', `/translations?q=${encodeURIComponent('cat -dog')}`);
    expect(english.body.items.map((item: { id: number }) => item.id)).toEqual([ids[0]]);
    // Web-search syntax never fails to parse: odd input is a search, not an error.
    for (const q of ['"unclosed', '&|!():*', "'; drop table translations; --"]) {
      expect((await service.request('GET', `/translations?q=${encodeURIComponent(q)}`)).status).toBe(200);
    }
  });

  it('sends every field clients read, in the list and by id', async () => {
    const id = (await service.request('POST', '/translate', { body: { text_de: 'Das Haus.' }, as: 'bob' })).body.id;
    const fields = {
      id,
      text_de: 'Das Haus.',
      text_en: 'The house.',
      engine: 'dictionary',
      chars: 9,
      ms: expect.any(Number),
      userId: 2,
      owner: 'bob',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    };
    const list = await service.request('GET', '/translations?limit=1');
    expect(list.body).toEqual({ items: [{ ...fields, truncated: false }], nextCursor: expect.any(String) });
    expect((await service.request('GET', `/translations/${id}`)).body).toEqual({
      ...fields,
      sentences: [{ de: 'Das Haus.', en: 'The house.', startsParagraph: false }],
    });
  });

  it('cuts long texts to a preview in the list and keeps them whole by id', async () => {
    const text = 'Der Hund läuft. '.repeat(200);
    const id = (await service.request('POST', '/translate', { body: { text_de: text } })).body.id;
    const list = await service.request('GET', '/translations?limit=1');
    expect(list.body.items[0]).toMatchObject({ id, truncated: true });
    expect(list.body.items[0].text_de).toHaveLength(1000);
    expect((await service.request('GET', `/translations/${id}`)).body.text_de).toBe(text);
    // Characters, not bytes: 1,000 umlauts are 2,000 bytes and still whole.
    for (const [length, truncated] of [
      [1000, false],
      [1001, true],
    ] as const) {
      await service.request('POST', '/translate', { body: { text_de: 'ä'.repeat(length) } });
      const item = (await service.request('GET', '/translations?limit=1')).body.items[0];
      expect({ length, truncated: item.truncated }).toEqual({ length, truncated });
    }
  });

  it('answers 400 for a cursor it did not issue, a bad limit or id, and 404 for a missing translation', async () => {
    const forged = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    for (const url of [
      '/translations?cursor=abc',
      '/translations?cursor=0',
      // The numeric cursors of before the contract, and positions this list never issues.
      '/translations?cursor=12',
      `/translations?cursor=${forged({ before: 0 })}`,
      `/translations?cursor=${forged({ before: '5' })}`,
      `/translations?cursor=${forged({ before: 5, offset: 3 })}`,
      `/translations?cursor=${forged({ before: 5 })}=`,
      '/translations?limit=0',
      '/translations?limit=101',
    ]) {
      const answer = await service.request('GET', url);
      expect(answer.status, url).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail, url).toMatch(/query\.(cursor|limit)/);
      expect(answer.body.errors[0].field, url).toMatch(/^query\.(cursor|limit)$/);
    }
    // One it would issue is accepted, wherever it came from: the list below id 5.
    const below = await service.request('GET', `/translations?cursor=${forged({ before: 5 })}`);
    expect(below.status).toBe(200);
    expect(below.body.items.every((item: { id: number }) => item.id < 5)).toBe(true);
    for (const id of ['abc', '0']) {
      const answer = await service.request('GET', `/translations/${id}`);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].field).toBe('path.id');
    }
    const missing = await service.request('GET', '/translations/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/999999/);
  });

  it('lets the owner or an admin delete, and nobody else', async () => {
    const mine = (await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } })).body.id;
    const other = await service.request('DELETE', `/translations/${mine}`, { as: 'bob' });
    expect(other.status).toBe(403);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body.detail).toMatch(/owner or an admin/);
    expect((await service.request('GET', `/translations/${mine}`)).status).toBe(200);
    const deleted = await service.request('DELETE', `/translations/${mine}`, { as: 'alice' });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await service.request('GET', `/translations/${mine}`)).status).toBe(404);
    expect((await service.request('DELETE', `/translations/${mine}`, { as: 'alice' })).status).toBe(404);

    const bobs = (await service.request('POST', '/translate', { body: { text_de: 'Die Katze.' }, as: 'bob' }))
      .body.id;
    expect((await service.request('DELETE', `/translations/${bobs}`, { as: 'admin' })).status).toBe(204);
    expect((await service.request('DELETE', `/translations/${bobs}`, { as: 'anonymous' })).status).toBe(401);
  });

  it('streams progress and text whose concatenation is the stored translation', async () => {
    const text = Array.from(
      { length: 40 },
      (_, i) => `Der Hund ${i} schläft.${i % 10 === 9 ? '\n\n' : ' '}`,
    ).join('');
    const answer = await service.request('POST', '/translate/stream', { body: { text_de: text } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/event-stream');
    expect(answer.headers['x-accel-buffering']).toBe('no');
    const events = parseEventStream(answer.text);
    const progress = events
      .filter((e) => e.event === 'progress')
      .map((e) => e.data as { sentencesDone: number; sentencesTotal: number });
    expect(progress[0]).toEqual({ sentencesDone: 0, sentencesTotal: 40 });
    expect(progress.at(-1)).toEqual({ sentencesDone: 40, sentencesTotal: 40 });
    expect(progress.length).toBeGreaterThan(2);
    const streamed = events
      .filter((e) => e.event === 'text')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    const result = done?.data as { id: number; text_en: string; engine: string };
    expect(streamed).toBe(result.text_en);
    expect(result.text_en).toContain('The dog 0 sleeps. The dog 1 sleeps.');
    const stored = await service.request('GET', `/translations/${result.id}`);
    expect(stored.body.text_en).toBe(result.text_en);
  });

  it('refuses a bad stream request before streaming, with a problem', async () => {
    const answer = await service.request('POST', '/translate/stream', { body: { text_de: '   ' } });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body.errors).toEqual([{ field: 'body.text_de', message: expect.stringMatching(/whitespace/) }]);
  });

  it('documents its routes in /openapi.json, with their access and responses', async () => {
    const doc = await service.request('GET', '/openapi.json', { as: 'anonymous' });
    expect(doc.status).toBe(200);
    const access = Object.fromEntries(
      Object.entries(doc.body.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
        ([path, operations]) =>
          Object.entries(operations).map(([method, operation]) => [
            `${method.toUpperCase()} ${path}`,
            operation['x-flotilla-access'],
          ]),
      ),
    );
    expect(access).toEqual({
      'GET /translate/engine': 'public',
      'POST /translate': 'viewer',
      'POST /translate/stream': 'viewer',
      'GET /translations': 'viewer',
      'GET /translations/{id}': 'viewer',
      'DELETE /translations/{id}': 'viewer',
      'POST /sql': 'admin',
      'GET /sql/schema': 'admin',
    });
    const stream = doc.body.paths['/translate/stream'].post.responses;
    expect(Object.keys(stream[200].content)).toEqual(['text/event-stream']);
    expect(JSON.stringify(stream[200].content['text/event-stream'].schema)).toMatch(/progress.*text.*done.*error/);
    const list = doc.body.paths['/translations'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'q']);
    expect(Object.keys(list.responses[200].content['application/json'].schema.properties).sort()).toEqual([
      'items',
      'nextCursor',
    ]);
    expect(doc.body.paths['/sql'].post.responses[422].description).toMatch(/timeout or too-large/);
  });

  if (kind === 'postgresql') {
    it('answers 503 naming CONSOLE_DATABASE_URL when the console has no read-only login', async () => {
      const answer = await service.request('POST', '/sql', { body: { query: 'select 1' }, as: 'admin' });
      expect(answer.status).toBe(503);
      expect(answer.body.detail).toContain('CONSOLE_DATABASE_URL');
    });
  }

  it('counts translations and words per engine', async () => {
    const metrics = await service.request('GET', '/metrics', { as: 'anonymous' });
    expect(metrics.text).toMatch(/translations_total\{engine="dictionary",service="translation"\} \d+/);
    expect(metrics.text).toMatch(/translated_words_total\{engine="dictionary",service="translation"\} \d+/);
    expect(metrics.text).toMatch(
      /translation_duration_seconds_count\{service="translation",engine="dictionary"\} \d+/,
    );
  });
});

describe('engine start-up', () => {
  it('listens while the engine loads: healthz 200, readyz 503 "engine loading", translate 503, then ready', async () => {
    let release: (engine: TranslationEngine) => void = () => {};
    const loading = new Promise<TranslationEngine>((resolve) => {
      release = resolve;
    });
    const service = await startService('pglite', { loadEngine: () => loading });
    try {
      const ready = await service.request('GET', '/readyz', { as: 'anonymous' });
      expect(ready.status).toBe(503);
      expect(ready.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(ready.body.failures)).toContain('engine loading');
      expect((await service.request('GET', '/healthz', { as: 'anonymous' })).status).toBe(200);
      expect((await service.request('GET', '/translate/engine')).body).toMatchObject({
        name: 'loading',
        ready: false,
      });
      const early = await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } });
      expect(early.status).toBe(503);
      expect(early.body.detail).toMatch(/still loading/);
      // The rest of the service works meanwhile.
      expect((await service.request('GET', '/translations')).status).toBe(200);

      release(inlineEngine());
      await service.engines.start();
      const after = await service.request('GET', '/readyz', { as: 'anonymous' });
      expect(after.status).toBe(200);
      expect(after.body.checks).toContain('engine: fallback/dictionary');
      expect((await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } })).status).toBe(
        201,
      );
    } finally {
      await service.close();
    }
  });

  it('is not ready when an explicitly chosen engine could not be loaded, saying why', async () => {
    const reason = 'translation unavailable (neural: no model in /nowhere). To fix: run `npm run model:fetch`';
    const service = await startService('pglite', {
      env: { TRANSLATION_ENGINE: 'bergamot' },
      loadEngine: async () => new UnavailableEngine(reason),
    });
    try {
      await service.engines.start();
      const ready = await service.request('GET', '/readyz', { as: 'anonymous' });
      expect(ready.status).toBe(503);
      expect(ready.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(ready.body.failures)).toContain(
        'the configured translation engine could not be loaded: translation unavailable (neural: no model in /nowhere)',
      );
      // History still works; only translation is missing.
      expect((await service.request('GET', '/translations')).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('runs without any engine when auto found none: ready, and translate answers 503 with the fix', async () => {
    const reason =
      'translation unavailable (dictionary: not found). To fix: install the Debian package trans-de-en, or run `npm run model:fetch`';
    const service = await startService('pglite', { loadEngine: async () => new UnavailableEngine(reason) });
    try {
      await service.engines.start();
      const ready = await service.request('GET', '/readyz', { as: 'anonymous' });
      expect(ready.status).toBe(200);
      expect(ready.body.checks.join(' ')).toContain('unavailable');
      const engine = await service.request('GET', '/translate/engine');
      expect(engine.body).toEqual({
        name: 'unavailable',
        kind: 'none',
        ready: false,
        reason,
        download: null,
        maxChars: MAX_TEXT_CHARS,
      });
      for (const url of ['/translate', '/translate/stream']) {
        const answer = await service.request('POST', url, { body: { text_de: 'Der Hund.' } });
        expect(answer.status).toBe(503);
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(answer.body.detail).toContain('To fix: install the Debian package trans-de-en');
      }
      expect((await service.request('GET', '/translations')).body.items).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('treats an engine whose loading throws as unavailable, naming the error', async () => {
    const service = await startService('pglite', {
      loadEngine: async () => {
        throw new Error('worker crashed');
      },
    });
    try {
      await service.engines.start();
      const answer = await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } });
      expect(answer.status).toBe(503);
      expect(answer.body.detail).toContain('worker crashed');
    } finally {
      await service.close();
    }
  });
});
