import { testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERIES } from '../src/console/schema.js';
import { type ConsoleService, startConsoleService } from './console-harness.js';
import type { Service } from './harness.js';

describe.each(testDatabaseKinds())('GET /sql/schema on %s', (kind) => {
  let started: ConsoleService;
  let service: Service;
  beforeAll(async () => {
    started = await startConsoleService(kind);
    service = started.service;
    await service.request('POST', '/translate', { body: { text_de: 'Der Hund schläft.' } });
  });
  afterAll(async () => started?.close());

  it('is for admins only: 401 without a token, 403 for a viewer', async () => {
    const anonymous = await service.request('GET', '/sql/schema', { as: 'anonymous' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
    const viewer = await service.request('GET', '/sql/schema', { as: 'alice' });
    expect(viewer.status).toBe(403);
    expect(viewer.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it("lists translations' columns in table order with their types, from the catalog", async () => {
    const answer = await service.request('GET', '/sql/schema', { as: 'admin' });
    expect(answer.status).toBe(200);
    expect(answer.body.tables.map((table: { name: string }) => table.name)).toEqual(['translations']);
    const columns = answer.body.tables[0].columns as Array<{ name: string; type: string; nullable: boolean }>;
    expect(columns.map(({ name, type, nullable }) => [name, type, nullable])).toEqual([
      ['id', 'bigint', false],
      ['text_de', 'text', false],
      ['text_en', 'text', false],
      ['engine', 'text', false],
      ['chars', 'integer', false],
      ['ms', 'integer', false],
      ['owner_id', 'bigint', true],
      ['owner', 'text', true],
      ['created_at', 'timestamp with time zone', false],
      ['search', 'tsvector', true],
    ]);
    expect(answer.body.tables[0].columns[1].description).toBe('the German text as sent, layout kept');
  });

  it('lists the columns the console can really read: SELECT of each answers', async () => {
    const answer = await service.request('GET', '/sql/schema', { as: 'admin' });
    const names = (answer.body.tables[0].columns as Array<{ name: string }>).map((column) => column.name);
    const run = await service.request('POST', '/sql', {
      body: { query: `select ${names.join(', ')} from translations limit 1` },
      as: 'admin',
    });
    expect(run.status).toBe(200);
    expect(run.body.columns.map((column: { name: string }) => column.name)).toEqual(names);
  });

  it.each(EXAMPLE_QUERIES.map((example) => [example.title, example.query]))(
    'example "%s" runs and answers rows',
    async (_title, query) => {
      const answer = await service.request('POST', '/sql', { body: { query }, as: 'admin' });
      expect(answer.status).toBe(200);
      expect(answer.body.rowCount).toBeGreaterThan(0);
    },
  );
});
