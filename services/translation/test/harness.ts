/**
 * The translation service in tests: kit's startTestService (a fresh database, tokens for named
 * callers, `request` through inject), plus what is translation's own: a tiny inline engine, the
 * database and engine handles, and a reader for server-sent events.
 */
import {
  type Answer,
  type Caller,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@flotilla/kit/testing';
import type { Kysely } from 'kysely';
import { buildApp, type TranslationOptions } from '../src/app.js';
import { loadTranslationConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import type { EngineHolder } from '../src/domain/engine-holder.js';
import type { TranslationEngine } from '../src/engines/types.js';

export type Kind = 'pglite' | 'postgresql';
export type { Answer };

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

/** Viewer alice (id 1), viewer bob (id 2), admin root (id 9); requests are alice's unless `as`. */
const CALLERS = {
  alice: { userId: 1, username: 'alice', roles: ['viewer'] },
  bob: { userId: 2, username: 'bob', roles: ['viewer'] },
  admin: { userId: 9, username: 'root', roles: ['admin'] },
} satisfies Record<string, Caller>;

type App = Awaited<ReturnType<typeof buildApp>>;

export interface Service extends TestService<App, keyof typeof CALLERS> {
  db: Kysely<DB>;
  engines: EngineHolder;
}

export interface StartOptions extends Omit<TranslationOptions, 'accessKeys' | 'onStarted'> {
  env?: Record<string, string>;
  /** Start on this database (already migrated) instead of a fresh one. */
  reuse?: TestDatabase;
}

/** A translation service on a fresh database of the given kind, with the inline engine unless told. */
export async function startService(kind: Kind, options: StartOptions = {}): Promise<Service> {
  const { env, reuse, ...rest } = options;
  let handles: { db: Kysely<DB>; engines: EngineHolder } | undefined;
  const service = await startTestService({
    kind,
    callers: CALLERS,
    ...(reuse ? { reuse } : {}),
    build: (database, keys) =>
      buildApp(
        { ...loadTranslationConfig({ LOG_LEVEL: 'silent', ...env }), DATABASE_URL: database.url },
        {
          loadEngine: async () => inlineEngine(),
          ...rest,
          accessKeys: keys,
          onStarted: (started) => {
            handles = started;
          },
        },
      ),
  });
  if (!handles) throw new Error('buildApp did not hand out its handles');
  return Object.assign(service, handles);
}

