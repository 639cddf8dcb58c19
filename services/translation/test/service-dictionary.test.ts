import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventStream } from '@flotilla/kit/testing';
import { type Service, startService } from './harness.js';
import { realDictionary } from './helpers.js';

// One end-to-end pass with the real Ding dictionary (loaded once for this file).
describe('translation service with the real dictionary engine', () => {
  let service: Service;

  beforeAll(async () => {
    const engine = await realDictionary();
    service = await startService('pglite', { loadEngine: async () => engine });
    await service.engines.start();
  });
  afterAll(async () => service?.close());

  it('reports the fallback in /readyz and /translate/engine', async () => {
    const ready = await service.request('GET', '/readyz', { as: 'anonymous' });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toContain('engine: fallback/dictionary');
    const engine = await service.request('GET', '/translate/engine');
    expect(engine.body).toMatchObject({ name: 'dictionary', kind: 'fallback', ready: true });
    expect(engine.body.reason).toMatch(/dictionary fallback/);
  });

  it('translates, keeps the layout, stores and finds the result by an English word', async () => {
    const text = 'Der Hund schläft im Haus.\n\nDie Katze trinkt Milch.';
    const answer = await service.request('POST', '/translate', { body: { text_de: text } });
    expect(answer.status).toBe(201);
    expect(answer.body.engine).toBe('dictionary');
    expect(answer.body.text_en).toMatch(/dog/i);
    expect(answer.body.text_en).toMatch(/cat/i);
    expect(answer.body.text_en.split('\n\n')).toHaveLength(2);
    const found = await service.request('GET', '/translations?q=dog');
    expect(found.body.items.map((item: { id: number }) => item.id)).toContain(answer.body.id);
  });

  it('streams the same text it stores', async () => {
    const answer = await service.request('POST', '/translate/stream', {
      body: { text_de: 'Guten Morgen. Wie geht es dir?\nIch bin müde.' },
    });
    const events = parseEventStream(answer.text);
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    const streamed = events
      .filter((e) => e.event === 'text')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    expect(streamed).toBe((done?.data as { text_en: string } | undefined)?.text_en);
  });
});
