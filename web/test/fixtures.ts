import { vi } from 'vitest';
import type { Operation, ResponseBody } from '../src/api/client';
import type { paths } from '../src/api/schema';
import type { DeclaredEvent } from '../src/api/sse';

/**
 * Fixtures typed by the generated document (`src/api/schema.d.ts`): an answer is built for an
 * operation and a status, so a body that does not match what the server declares it sends is a
 * type error, not a test of a shape the server never sends.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = M extends keyof paths[P] ? paths[P][M] : never;

/** The body of `status` of `method path`, exactly as the document types it. */
export type Answer<P extends keyof paths, M extends Method, S extends number> = ResponseBody<Op<P, M>, S>;

/** A JSON answer of an operation (problems are sent as `application/problem+json`, as kit does). */
export function answer<P extends keyof paths, M extends Method, S extends number>(
  _path: P,
  _method: M,
  status: S,
  body: Answer<P, M, S>,
  headers: Record<string, string> = {},
): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

export const noContent = () => new Response(null, { status: 204 });

/** An event stream of an operation's declared events, cut into the given number of chunks. */
export function eventStream<E extends DeclaredEvent>(events: E[], cuts = 1): Response {
  const text = events
    .map((e) => `${'id' in e && typeof e.id === 'string' ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`)
    .join('');
  const size = Math.ceil(text.length / cuts);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < text.length; at += size) controller.enqueue(encoder.encode(text.slice(at, at + size)));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

export type TranslateEvent = ResponseBody<Operation<'/api/translate/stream', 'post'>, 200>;
export type JobEvent = ResponseBody<Operation<'/api/stats/jobs/{id}/events', 'get'>, 200>;

export interface Call {
  method: string;
  url: URL;
  body: string;
  headers: Headers;
  credentials: RequestCredentials;
}

/**
 * Stubs `fetch` with answers in order (a function answers by request); records each request as
 * the server would see it.
 */
export function serve(...answers: Array<Response | Error | ((call: Call) => Response)>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const call: Call = {
      method: request.method,
      url: new URL(request.url),
      body: await request.text(),
      headers: request.headers,
      credentials: request.credentials,
    };
    calls.push(call);
    const next = answers.shift();
    if (!next) throw new Error(`no answer left for ${call.method} ${call.url.pathname}`);
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next(call) : next;
  });
  vi.stubGlobal('fetch', fetch);
  return calls;
}

/** Stubs `fetch` with one function answering every request (for pages that call in parallel). */
export function serveBy(route: (call: Call) => Response) {
  const calls: Call[] = [];
  const handler = (call: Call) => {
    calls.push(call);
    return route(call);
  };
  const recorded = serve(...Array.from({ length: 50 }, () => handler));
  return { calls, recorded };
}

/* ---------- Bodies ---------- */

export type User = Answer<'/api/auth/me', 'get', 200>;
export type Resource = Answer<'/api/{type}/{id}', 'get', 200>;
export type Allocation = Answer<'/api/{type}/{id}/allocations/{aid}', 'get', 200>;
export type Problem = Answer<'/api/users', 'post', 400>;

export const user = (over: Partial<User> = {}): User => ({
  id: 1,
  username: 'admin',
  displayName: 'Admin',
  roles: ['admin'],
  createdAt: '2025-01-01T00:00:00.000Z',
  disabled: false,
  ...over,
});

export const resource = (over: Partial<Resource> = {}): Resource => ({
  id: 7,
  type: 'car',
  name: 'Herbie',
  attributes: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

export const allocation = (over: Partial<Allocation> = {}): Allocation => ({
  id: 1,
  resourceId: 7,
  start: '2025-03-10T08:00:00.000Z',
  end: '2025-03-10T10:00:00.000Z',
  holder: 'Ada',
  note: null,
  createdAt: '2025-03-01T00:00:00.000Z',
  ...over,
});

/** kit's 400 for a request that failed validation: the detail repeats the errors with their paths. */
export function invalid(...errors: Array<{ field: string; message: string }>): Problem {
  return {
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: errors.map((e) => `${e.field} ${e.message}`).join('; '),
    errors,
  };
}
