import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiUrl, onUnauthenticated, request, toPage } from '../src/api/client';
import { ApiError } from '../src/api/problem';

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': type },
  });

function fakeFetch(...responses: Array<Response | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const impl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  });
  return { impl: impl as unknown as typeof fetch, calls };
}

describe('apiUrl', () => {
  it('prefixes /api and leaves out empty query values', () => {
    expect(apiUrl('/cars', { limit: 200, cursor: undefined, q: '', force: true })).toBe(
      '/api/cars?limit=200&force=true',
    );
    expect(apiUrl('/cars/available', { from: '2025-03-10T09:00:00.000Z' })).toBe(
      '/api/cars/available?from=2025-03-10T09%3A00%3A00.000Z',
    );
  });
});

describe('request', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends JSON same-origin with credentials and returns the parsed body', async () => {
    const { impl, calls } = fakeFetch(json(201, { id: 1, name: 'Herbie' }));
    const body = await request('POST', '/cars', { body: { name: 'Herbie' } }, impl);
    expect(body).toEqual({ id: 1, name: 'Herbie' });
    expect(calls[0]?.url).toBe('/api/cars');
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      body: '{"name":"Herbie"}',
    });
    expect((calls[0]?.init.headers as Record<string, string> | undefined)?.['Content-Type']).toBe(
      'application/json',
    );
  });

  it('returns undefined for 204', async () => {
    const { impl } = fakeFetch(new Response(null, { status: 204 }));
    await expect(request('DELETE', '/cars/1', {}, impl)).resolves.toBeUndefined();
  });

  it('throws the problem+json a service answered', async () => {
    const problem = { type: 'about:blank', title: 'Conflict', status: 409, detail: 'clashes', conflicts: [] };
    const { impl } = fakeFetch(json(409, problem, 'application/problem+json'));
    const error = await request('POST', '/cars/1/allocations', {}, impl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).problem).toEqual(problem);
    expect((error as ApiError).message).toBe('clashes');
  });

  it('turns an HTML error page into a problem with the status title', async () => {
    const { impl } = fakeFetch(
      new Response('<html>Bad Gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'text/html' },
      }),
    );
    const error = (await request('GET', '/cars', {}, impl).catch((e: unknown) => e)) as ApiError;
    expect(error.problem).toMatchObject({ status: 502, title: 'Bad Gateway' });
    expect(error.problem.detail).toBeUndefined();
  });

  it('reports no connection as status 0 with a readable detail', async () => {
    const { impl } = fakeFetch(new TypeError('Failed to fetch'));
    const error = (await request('GET', '/cars', {}, impl).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.problem.detail).toMatch(/could not be reached/);
  });

  it('lets an abort through as an AbortError', async () => {
    const { impl } = fakeFetch(new DOMException('aborted', 'AbortError'));
    const error = await request('GET', '/cars', {}, impl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
  });

  it('refreshes the session once on 401 and repeats the request', async () => {
    const { impl, calls } = fakeFetch(
      json(401, { title: 'Unauthorized', status: 401, detail: 'token expired' }),
      json(200, { accessToken: 'x', expiresIn: 900 }),
      json(200, [{ id: 1 }]),
    );
    await expect(request('GET', '/cars', {}, impl)).resolves.toEqual([{ id: 1 }]);
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/cars',
      'POST /api/auth/refresh',
      'GET /api/cars',
    ]);
  });

  it('tells listeners the session ended when the refresh fails too', async () => {
    const ended = vi.fn();
    const stop = onUnauthenticated(ended);
    const { impl } = fakeFetch(
      json(401, { title: 'Unauthorized', status: 401, detail: 'token expired' }),
      json(401, { title: 'Unauthorized', status: 401, detail: 'no refresh token' }),
    );
    const error = (await request('GET', '/cars', {}, impl).catch((e: unknown) => e)) as ApiError;
    stop();
    expect(error.status).toBe(401);
    expect(error.problem.detail).toBe('token expired');
    expect(ended).toHaveBeenCalledOnce();
  });

  it('does not refresh for the auth calls that ask not to', async () => {
    const { impl, calls } = fakeFetch(
      json(401, { title: 'Unauthorized', status: 401, detail: 'wrong password' }),
    );
    await expect(request('POST', '/auth/login', { noRefresh: true }, impl)).rejects.toThrow('wrong password');
    expect(calls).toHaveLength(1);
  });

  it('says so when a success is not JSON', async () => {
    const { impl } = fakeFetch(new Response('<html>', { status: 200 }));
    await expect(request('GET', '/cars', {}, impl)).rejects.toThrow(/not JSON/);
  });
});

describe('toPage', () => {
  it('reads the fleet envelope and plain arrays', () => {
    expect(toPage({ items: [1, 2], nextCursor: 'abc' })).toEqual({ items: [1, 2], nextCursor: 'abc' });
    expect(toPage({ items: [1], nextCursor: null })).toEqual({ items: [1], nextCursor: undefined });
    expect(toPage([3])).toEqual({ items: [3], nextCursor: undefined });
  });
});
