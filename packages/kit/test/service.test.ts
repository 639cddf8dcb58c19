import { type AddressInfo, connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { conflict, createService, MAX_JSON_DEPTH, type ServiceApp, Type } from '../src/index.js';

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

let app: ServiceApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(logStream = logCapture().stream) {
  app = await createService({
    name: 'demo',
    logStream,
    routes(scope) {
      scope.post(
        '/things',
        {
          config: { access: 'public' },
          schema: {
            body: Type.Object({
              name: Type.String({ minLength: 1 }),
              size: Type.Integer(),
              extra: Type.Optional(Type.Unknown()),
            }),
          },
        },
        async (request, reply) => reply.code(201).send({ name: request.body.name }),
      );
      scope.get('/clash', { config: { access: 'public' } }, async () => {
        throw conflict('already booked', { conflicts: [{ id: 7 }] });
      });
      scope.get('/boom', { config: { access: 'public' } }, async () => {
        throw new Error('secret internals');
      });
    },
  });
  return app;
}

describe('createService', () => {
  it('answers health, readiness, metrics and OpenAPI', async () => {
    const service = await build();
    expect((await service.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await service.inject('/readyz')).statusCode).toBe(200);
    await service.inject('/healthz');
    const metrics = await service.inject('/metrics');
    expect(metrics.body).toMatch(
      /http_requests_total\{[^}]*route="\/healthz"[^}]*status_code="200"[^}]*\} [1-9]/,
    );
    const openapi = (await service.inject('/openapi.json')).json();
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(['/things', '/clash', '/boom']);
  });

  it('names the invalid field in a 400 problem+json', async () => {
    const service = await build();
    const response = await service.inject({
      method: 'POST',
      url: '/things',
      payload: { name: '', size: 'big' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.name', 'body.size']);
    expect(problem.detail).toContain('body.size');
  });

  it('refuses an unknown property (a typo in a field name) with a 400 naming it', async () => {
    const service = await build();
    const response = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a', size: 1, szie: 2 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'body.szie', message: 'is not a known field' }]);
    const document = (await service.inject('/openapi.json')).json();
    const body = document.paths['/things'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
  });

  it('names a missing property', async () => {
    const service = await build();
    const response = await service.inject({ method: 'POST', url: '/things', payload: { size: 1 } });
    expect(response.json().errors).toEqual([
      { field: 'body.name', message: 'is required' },
    ]);
  });

  it('rejects malformed JSON with a 400 problem, never a 500', async () => {
    const service = await build();
    const response = await service.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses NUL characters and half surrogate pairs anywhere in the input with a 400 naming the field', async () => {
    const service = await build();
    const body = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a\u0000b', size: 1 } });
    expect(body.statusCode).toBe(400);
    expect(body.headers['content-type']).toContain('application/problem+json');
    expect(body.json().errors).toEqual([{ field: 'body.name', message: expect.stringContaining('NUL') }]);
    const query = await service.inject({ url: '/clash?q=%00' });
    expect(query.statusCode).toBe(400);
    expect(query.json().errors).toEqual([{ field: 'query.q', message: expect.stringContaining('NUL') }]);
    const key = await service.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"ok","size":1,"x\\u0000":2}',
    });
    expect(key.json().errors[0].field).toBe('body.x\u0000');
    const half = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a\ud800b', size: 1 } });
    expect(half.json().errors).toEqual([{ field: 'body.name', message: expect.stringContaining('surrogate') }]);
    const emoji = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a😀b', size: 1 } });
    expect(emoji.statusCode).toBe(201);
  });

  it('refuses JSON nested deeper than the limit with a 400, and accepts it up to the limit', async () => {
    const service = await build();
    const nested = (depth: number) => `{"name":"n","size":1,"extra":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const deep = await service.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: nested(5000),
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toMatchObject({ errors: [{ field: 'body' }] });
    expect(deep.json().detail).toContain(String(MAX_JSON_DEPTH));
    const atLimit = await service.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: nested(MAX_JSON_DEPTH),
    });
    expect(atLimit.statusCode).toBe(201);
    // Brackets inside strings are text, not nesting.
    const inString = await service.inject({
      method: 'POST',
      url: '/things',
      payload: { name: `${'['.repeat(500)}"\\`, size: 1 },
    });
    expect(inString.statusCode).toBe(201);
  });

  it("answers what Node's parser refuses (huge headers, bytes no URL may hold) as problem+json", async () => {
    const service = await build();
    await service.listen({ port: 0, host: '127.0.0.1' });
    const { port } = service.server.address() as AddressInfo;
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let answer = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk) => {
          answer += chunk.toString('latin1');
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(answer));
      });
    const huge = await raw(`GET /clash HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('content-type: application/problem+json'.replace('content-type', 'Content-Type'));
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
    const bytes = await raw('GET /clash/\u00e9\u0001 HTTP/1.1\r\nHost: t\r\n\r\n');
    expect(bytes).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(bytes.slice(bytes.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400 });
  });

  it('refuses to start in production with no database configured, rather than keep data in memory', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(
        createService({ name: 'demo', logLevel: 'silent', database: {}, routes() {} }),
      ).rejects.toThrow(/DATABASE_URL .* is not set.*refusing to keep data only in memory/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('renders domain problems with their extensions and unknown routes as 404 problems', async () => {
    const service = await build();
    const clash = await service.inject('/clash');
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ status: 409, detail: 'already booked', conflicts: [{ id: 7 }] });
    const missing = await service.inject('/nowhere');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, detail: 'no route for GET /nowhere' });
  });

  it('hides internals of unexpected errors but logs them with the request id', async () => {
    const capture = logCapture();
    const service = await build(capture.stream);
    const response = await service.inject({ url: '/boom', headers: { 'x-request-id': 'req-boom-1' } });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internals');
    expect(response.json().detail).toContain('req-boom-1');
    const logged = capture.lines.find((line) => line.level === 50);
    expect(logged).toMatchObject({ reqId: 'req-boom-1', service: 'demo' });
  });

  it('keeps an incoming x-request-id, or generates one, and logs it', async () => {
    const capture = logCapture();
    const service = await build(capture.stream);
    const kept = await service.inject({ url: '/clash', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    expect(capture.lines.some((line) => line.reqId === 'abc-123')).toBe(true);
    const generated = await service.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs credentials', async () => {
    const capture = logCapture();
    const service = await build(capture.stream);
    await service.inject({
      url: '/boom',
      headers: { authorization: 'Bearer top-secret-token', cookie: 'session=top-secret-cookie' },
    });
    const text = JSON.stringify(capture.lines);
    expect(text).not.toContain('top-secret');
  });
});
