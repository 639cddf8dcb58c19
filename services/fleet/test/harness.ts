import { createTestDatabase, testTokens } from '@flotilla/kit/testing';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadFleetConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';

export type Kind = 'pglite' | 'postgresql';

export interface Fleet {
  request: (options: RequestOptions) => Promise<Answer>;
  post: (url: string, body: unknown, headers?: Record<string, string>) => Promise<Answer>;
  get: (url: string) => Promise<Answer>;
  del: (url: string) => Promise<Answer>;
  /** Authorization headers for a caller with other roles. */
  bearer: Awaited<ReturnType<typeof testTokens>>['bearer'];
  /** The service's own database, for SQL checks. */
  db: Kysely<DB>;
  close: () => Promise<void>;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are inspected field by field in tests
  body: any;
}

/** A fleet service on a fresh database of the given kind, driven through `inject`. */
export async function startFleet(kind: Kind): Promise<Fleet> {
  const target = await createTestDatabase(kind);
  let db: Kysely<DB> | undefined;
  const config = { ...loadFleetConfig({ LOG_LEVEL: 'silent' }), DATABASE_URL: target.url };
  const tokens = await testTokens();
  // Every request acts as an operator unless it brings its own authorization header.
  const operator = await tokens.bearer(['operator']);
  const app = await buildApp(config, {
    accessKeys: tokens.keys,
    onDatabase: (handle) => {
      db = handle;
    },
  });
  if (!db) throw new Error('buildApp did not hand out its database');
  const request = async ({ method, url, body, headers }: RequestOptions): Promise<Answer> => {
    const response = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as object }),
      headers: { ...operator, ...headers },
    });
    const type = String(response.headers['content-type'] ?? '');
    return {
      status: response.statusCode,
      headers: response.headers,
      body: type.includes('json') ? response.json() : response.body,
    };
  };
  return {
    request,
    post: (url, body, headers) => request({ method: 'POST', url, body, ...(headers ? { headers } : {}) }),
    get: (url) => request({ method: 'GET', url }),
    del: (url) => request({ method: 'DELETE', url }),
    db,
    bearer: tokens.bearer,
    async close() {
      await app.close();
      await target.drop();
    },
  };
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
