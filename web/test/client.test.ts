import { afterEach, describe, expect, it, vi } from 'vitest';
import { allPages, onUnauthenticated } from '../src/api/client';
import { createResource, deleteAllocation, listResources } from '../src/api/fleet';
import { ApiError } from '../src/api/problem';
import { login, me } from '../src/api/users';
import {
  answer,
  eventStream,
  invalid,
  type JobEvent,
  noContent,
  resource,
  serve,
  type TranslateEvent,
  user,
} from './fixtures';

afterEach(() => vi.unstubAllGlobals());

const unauthorized = (detail: string) =>
  answer('/api/auth/me', 'get', 401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail });

describe('the typed client', () => {
  it('sends JSON same-origin with the session cookie and returns the declared body', async () => {
    const calls = serve(answer('/api/{type}', 'post', 201, resource({ name: 'Herbie' })));
    const created = await createResource('cars', 'Herbie');
    expect(created).toEqual(resource({ name: 'Herbie' }));
    const [call] = calls;
    expect(`${call?.method} ${call?.url.pathname}`).toBe('POST /api/cars');
    expect(call?.credentials).toBe('same-origin');
    expect(JSON.parse(call?.body ?? '')).toEqual({ name: 'Herbie' });
    expect(call?.headers.get('content-type')).toBe('application/json');
    expect(call?.headers.get('accept')).toBe('application/json');
    expect(call?.headers.get('idempotency-key')).toMatch(/^[\x21-\x7e]{16,}$/);
  });

  it('answers undefined for 204', async () => {
    serve(noContent());
    await expect(deleteAllocation('cars', 7, 3)).resolves.toBeUndefined();
  });

  it('throws the problem document a service answered', async () => {
    const problem = invalid({ field: 'body.name', message: 'must not be empty' });
    serve(answer('/api/{type}', 'post', 400, problem));
    const error = (await createResource('cars', '').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.problem).toEqual(problem);
  });

  it('makes a problem from the status when something in between answered (an HTML error page)', async () => {
    serve(
      new Response('<html>Bad Gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'text/html' },
      }),
    );
    const error = (await me().catch((e: unknown) => e)) as ApiError;
    expect(error.problem).toMatchObject({ status: 502, title: 'Bad Gateway', type: 'about:blank' });
    expect(error.problem.detail).toMatch(/server failed/);
  });

  it('keeps Retry-After', async () => {
    serve(
      answer(
        '/api/auth/login',
        'post',
        429,
        { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'too many login attempts' },
        { 'retry-after': '30' },
      ),
    );
    const error = (await login('admin', 'x').catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfter).toBe(30);
  });

  it('reports no connection as status 0 with a readable detail', async () => {
    serve(new TypeError('Failed to fetch'));
    const error = (await me().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.problem.detail).toMatch(/could not be reached \(Failed to fetch\)/);
  });

  it('lets an abort through as an AbortError', async () => {
    serve(new DOMException('aborted', 'AbortError'));
    await expect(me()).rejects.toBeInstanceOf(DOMException);
  });
});

describe('the session', () => {
  it('refreshes once on 401 and repeats the request, body and all', async () => {
    const calls = serve(
      unauthorized('token expired'),
      answer('/api/auth/refresh', 'post', 200, { accessToken: 'x', expiresIn: 600, user: user() }),
      answer('/api/{type}', 'post', 201, resource()),
    );
    await expect(createResource('cars', 'Herbie')).resolves.toEqual(resource());
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      'POST /api/cars',
      'POST /api/auth/refresh',
      'POST /api/cars',
    ]);
    expect(JSON.parse(calls[2]?.body ?? '')).toEqual({ name: 'Herbie' });
    // The same Idempotency-Key: it is the same request.
    expect(calls[2]?.headers.get('idempotency-key')).toBe(calls[0]?.headers.get('idempotency-key'));
  });

  it('tells listeners the session ended when the refresh fails too', async () => {
    const ended = vi.fn();
    const stop = onUnauthenticated(ended);
    serve(unauthorized('token expired'), unauthorized('no refresh token: log in first'));
    const error = (await me().catch((e: unknown) => e)) as ApiError;
    stop();
    expect(error.status).toBe(401);
    expect(error.problem.detail).toBe('token expired');
    expect(ended).toHaveBeenCalledOnce();
  });

  it('does not refresh for the auth calls themselves', async () => {
    const calls = serve(
      answer('/api/auth/login', 'post', 401, {
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'invalid username or password',
      }),
    );
    await expect(login('admin', 'wrong')).rejects.toThrow('invalid username or password');
    expect(calls).toHaveLength(1);
  });
});

describe('lists', () => {
  it('follow nextCursor, passing it back as cursor, to the last page', async () => {
    const calls = serve(
      answer('/api/{type}', 'get', 200, { items: [resource({ id: 1 })], nextCursor: 'opaque-1' }),
      answer('/api/{type}', 'get', 200, { items: [resource({ id: 2 })], nextCursor: null }),
    );
    const list = await listResources('lorries');
    expect(list).toEqual({ items: [resource({ id: 1 }), resource({ id: 2 })], complete: true });
    expect(calls.map((c) => c.url.pathname + c.url.search)).toEqual([
      '/api/lorries?limit=200',
      '/api/lorries?limit=200&cursor=opaque-1',
    ]);
  });

  it('stop at the bound and say the list is not complete', async () => {
    let pages = 0;
    const list = await allPages(async () => ({ items: [(pages += 1)], nextCursor: `after-${pages}` }), 3);
    expect(list).toEqual({ items: [1, 2, 3], complete: false });
  });
});

describe('fixtures', () => {
  it('cannot be built in a shape the server does not send (these lines must not compile)', () => {
    const shapes = [
      // @ts-expect-error users' old bare array: every list is { items, nextCursor }
      answer('/api/users', 'get', 200, [user()]),
      // @ts-expect-error stats' old offset envelope
      answer('/api/stats/runs', 'get', 200, { items: [], total: 0, limit: 200, offset: 0 }),
      // @ts-expect-error a guessed cursor name
      answer('/api/{type}', 'get', 200, { items: [], next_cursor: null }),
      answer('/api/translations/{id}', 'get', 200, {
        ...{ id: 1, text_de: 'a', text_en: 'b', engine: 'x', chars: 1, ms: 1, userId: null, owner: null },
        // @ts-expect-error translation's snake_case twin of createdAt
        created_at: '2025-01-01T00:00:00Z',
      }),
      // @ts-expect-error stats' old `finished` event
      eventStream<JobEvent>([{ event: 'finished', data: { runIds: [1], bestRunId: 1 } }]),
      // @ts-expect-error a guessed end-of-stream event
      eventStream<TranslateEvent>([{ event: 'result', data: { id: 1, text_en: 'x', engine: 'x', chars: 1, ms: 1 } }]),
    ];
    expect(shapes).toHaveLength(6);
  });
});
