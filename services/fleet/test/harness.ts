import {
  type Answer,
  type Caller as TestCaller,
  parseEventStream,
  type StreamEvent,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@flotilla/kit/testing';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadFleetConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';

export type Kind = 'pglite' | 'postgresql';

/** Who calls fleet in its tests: requests act as `operator` unless they say otherwise. */
export const CALLERS = {
  operator: { userId: 1, username: 'test-operator', roles: ['operator'] },
  viewer: { userId: 2, username: 'test-viewer', roles: ['viewer'] },
  alice: { userId: 101, username: 'alice', roles: ['operator'] },
  bob: { userId: 102, username: 'bob', roles: ['operator'] },
  carol: { userId: 103, username: 'carol', roles: ['operator'] },
} satisfies Record<string, TestCaller>;

export type Caller = keyof typeof CALLERS;

type Options = { as?: Caller | 'anonymous'; headers?: Record<string, string> };

/** kit's test service, with fleet's database handle and shorthands for its three verbs. */
export interface Fleet extends TestService<Awaited<ReturnType<typeof buildApp>>, Caller> {
  /** The service's own database, for SQL checks (in-memory PGlite has no other way in). */
  db: Kysely<DB>;
  post: (url: string, body: unknown, options?: Options) => Promise<Answer>;
  get: (url: string, options?: Options) => Promise<Answer>;
  del: (url: string, options?: Options) => Promise<Answer>;
}

/** A fleet service on a fresh database of the given kind (or `reuse`d), driven through `inject`. */
export async function startFleet(kind: Kind, reuse?: TestDatabase): Promise<Fleet> {
  let db: Kysely<DB> | undefined;
  const service = await startTestService({
    kind,
    callers: CALLERS,
    ...(reuse ? { reuse } : {}),
    build: (database, keys) =>
      buildApp(
        { ...loadFleetConfig({ LOG_LEVEL: 'silent' }), DATABASE_URL: database.url },
        { accessKeys: keys, onDatabase: (handle) => (db = handle) },
      ),
  });
  if (!db) throw new Error('buildApp did not hand out its database');
  const handle = db;
  return Object.assign(service, {
    db: handle,
    post: (url: string, body: unknown, options?: Options) => service.request('POST', url, { body, ...options }),
    get: (url: string, options?: Options) => service.request('GET', url, options),
    del: (url: string, options?: Options) => service.request('DELETE', url, options),
  });
}

/** Asserts nothing by itself: shapes a problem for `toMatchObject`. */
export const problem = (status: number) => ({ type: 'about:blank', status });

export const PROBLEM_JSON = 'application/problem+json';

/** Asserts a 400 problem+json whose field errors name `field`. */
export function expectFieldProblem(answer: Answer, field: string): void {
  expect(answer.status).toBe(400);
  expect(answer.headers['content-type']).toContain(PROBLEM_JSON);
  expect(answer.body).toMatchObject(problem(400));
  expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
}

/** A live event stream as a test reads it: each event in order, and the raw text so far. */
export interface EventFeed {
  status: number;
  headers: Headers;
  /** The next event (skipping none); resolves when it arrives, or with undefined once the stream ended. */
  next(): Promise<StreamEvent | undefined>;
  /** Everything received so far, comments and `retry:` included. */
  raw(): string;
  close(): void;
}

/**
 * Opens `GET url` for real over HTTP on `base` (an event stream never completes, so `inject` cannot
 * hold it), as a caller's bearer token or anonymously.
 */
export async function openFeed(base: string, url: string, token: string | undefined): Promise<EventFeed> {
  const abort = new AbortController();
  const response = await fetch(new URL(url, base), {
    headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: abort.signal,
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let buffered = '';
  const ready: StreamEvent[] = [];
  const next = async (): Promise<StreamEvent | undefined> => {
    while (ready.length === 0) {
      const chunk = await reader?.read().catch(() => ({ done: true as const, value: undefined }));
      if (!chunk || chunk.done) return undefined;
      const piece = decoder.decode(chunk.value, { stream: true });
      text += piece;
      buffered += piece;
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        // A block of only `retry:` dispatches no event (WHATWG), though the parser reads one.
        const block = buffered.slice(0, end + 2);
        if (!/^retry:[^\n]*\n\n$/.test(block)) ready.push(...parseEventStream(block));
        buffered = buffered.slice(end + 2);
      }
    }
    return ready.shift();
  };
  return { status: response.status, headers: response.headers, next, raw: () => text, close: () => abort.abort() };
}

/** Listens `fleet` on a loopback port for real HTTP clients; its base URL. */
export async function listening(fleet: Fleet): Promise<string> {
  await fleet.app.listen({ port: 0, host: '127.0.0.1' });
  const address = fleet.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a port');
  return `http://127.0.0.1:${address.port}`;
}
