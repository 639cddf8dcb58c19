import { createTestDatabase, type TestDatabase, testTokens } from '@flotilla/kit/testing';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import { buildApp, type TranslationOptions } from '../src/app.js';
import { loadTranslationConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import type { EngineHolder } from '../src/domain/engine-holder.js';
import type { TranslationEngine } from '../src/engines/types.js';

export type Kind = 'pglite' | 'postgresql';

export { testTokens };

const WORDS: Record<string, string> = {
  der: 'the',
  die: 'the',
  das: 'the',
  hund: 'dog',
  katze: 'cat',
  schläft: 'sleeps',
  läuft: 'runs',
  haus: 'house',
  ist: 'is',
  groß: 'big',
  und: 'and',
};

/** A tiny word-for-word engine: fast, deterministic, and English enough to search for. */
export function inlineEngine(calls: string[][] = []): TranslationEngine {
  return {
    name: 'dictionary',
    kind: 'fallback',
    status: () => ({ ready: true, reason: 'inline test dictionary' }),
    translateBatch: async (sentences) => {
      calls.push(sentences);
      return sentences.map((sentence) =>
        sentence.replace(/\p{L}+/gu, (word, offset: number) => {
          const english = WORDS[word.toLowerCase()];
          if (!english) return word;
          return offset === 0 ? english[0]?.toUpperCase() + english.slice(1) : english;
        }),
      );
    },
    close: async () => {},
  };
}

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are inspected field by field in tests
  body: any;
  text: string;
}

export interface Service {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: Kysely<DB>;
  engines: EngineHolder;
  database: TestDatabase;
  /** Bearer tokens: viewer alice (id 1), viewer bob (id 2), admin root (id 9). */
  tokens: { alice: string; bob: string; admin: string };
  request(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options?: { body?: unknown; as?: 'alice' | 'bob' | 'admin' | 'anonymous' },
  ): Promise<Answer>;
  close(): Promise<void>;
}

export interface StartOptions extends Omit<TranslationOptions, 'accessKeys' | 'onStarted'> {
  env?: Record<string, string>;
  logStream?: DestinationStream;
  /** Start on this database (already migrated) instead of a fresh one. */
  reuse?: TestDatabase;
}

/** A translation service on a fresh database of the given kind, driven through `inject`. */
export async function startService(kind: Kind, options: StartOptions = {}): Promise<Service> {
  const database = options.reuse ?? (await createTestDatabase(kind));
  const { keys, sign } = await testTokens();
  const config = {
    ...loadTranslationConfig({ LOG_LEVEL: 'silent', ...options.env }),
    DATABASE_URL: database.url,
  };
  let handles: { db: Kysely<DB>; engines: EngineHolder } | undefined;
  const { env: _env, reuse: _reuse, ...rest } = options;
  const app = await buildApp(config, {
    loadEngine: async () => inlineEngine(),
    ...rest,
    accessKeys: keys,
    onStarted: (started) => {
      handles = started;
    },
  });
  if (!handles) throw new Error('buildApp did not hand out its handles');
  const tokens = {
    alice: await sign(1, 'alice', ['viewer']),
    bob: await sign(2, 'bob', ['viewer']),
    admin: await sign(9, 'root', ['admin']),
  };
  const service: Service = {
    app,
    db: handles.db,
    engines: handles.engines,
    database,
    tokens,
    async request(method, url, { body, as = 'alice' } = {}) {
      const response = await app.inject({
        method,
        url,
        ...(body === undefined ? {} : { payload: body as object }),
        headers: as === 'anonymous' ? {} : { authorization: `Bearer ${tokens[as]}` },
      });
      const type = String(response.headers['content-type'] ?? '');
      return {
        status: response.statusCode,
        headers: response.headers,
        body: type.includes('json') ? response.json() : response.body,
        text: response.body,
      };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
  return service;
}

/** Server-sent events of a finished response body. */
export function parseEvents(body: string): Array<{ event: string; data: unknown }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}
