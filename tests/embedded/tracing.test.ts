// One trace per request across every hop: the embedded stack (`npm start`'s launcher) with its
// OTLP exporter pointed at a receiver this test runs (tests/compose/otlp-receiver.mjs), one
// booking and one streamed translation through the gateway, and the spans and log lines they
// leave. Polls for spans (they are exported in batches); nothing here is judged by time.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEventStream } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type ReceivedSpan, type Receiver, startReceiver } from '../compose/otlp-receiver.mjs';
import { eventually, freePort, listeningSockets, type RunningStack, signIn, startStack } from './launcher.js';
import { exportedMetricsNeeded } from './monitoring.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = 2;
const CLIENT = 3;
const HTTP_SCOPE = '@opentelemetry/instrumentation-http';
const UNDICI_SCOPE = '@opentelemetry/instrumentation-undici';
const PG_SCOPE = '@opentelemetry/instrumentation-pg';
const ADMIN_PASSWORD = 'tracing-test-password';
const services = domainServices();
const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-tracing-'));
let receiver: Receiver;
let stack: RunningStack;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startStack(dataDir, {
    FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The standard variables, as an operator would set them.
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // Raw JSON log lines at info level, to read each request's lines.
    FLOTILLA_LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
  });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);

/** The log lines of one request (by its request id) as the launcher printed them: `name | {json}`. */
function logLines(requestId: string): { service: string; line: Record<string, unknown> }[] {
  const lines: { service: string; line: Record<string, unknown> }[] = [];
  for (const raw of stack.output) {
    const match = /^(\w+)\s+\| (\{.*\})$/.exec(raw);
    if (!match?.[2]) continue;
    try {
      const line = JSON.parse(match[2]) as Record<string, unknown>;
      if (line.reqId === requestId) lines.push({ service: String(match[1]), line });
    } catch {}
  }
  return lines;
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

/** Whether `span` descends from `ancestor` through parent links inside the trace. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, trace: ReceivedSpan[]): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  for (let at: ReceivedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

/**
 * The hops of one proxied call, checked: the gateway's server span, its client span to the
 * service (a descendant of it), the service's server span (a child of that client span: the
 * traceparent crossed the process boundary) and the service's SQL spans (descendants of that).
 */
function checkHops(trace: ReceivedSpan[], service: string, path: RegExp, method: string, status: number) {
  const gatewayServer = only(
    trace.filter((s) => s.service === 'gateway' && s.kind === SERVER && s.scope === HTTP_SCOPE),
    'one gateway server span',
  );
  expect(gatewayServer.attributes).toMatchObject({
    'http.request.method': method,
    'http.response.status_code': status,
  });
  expect(String(gatewayServer.attributes['url.path'] ?? gatewayServer.attributes['http.target'])).toMatch(path);
  const gatewayClient = only(
    trace.filter(
      (s) =>
        s.service === 'gateway' && s.kind === CLIENT && s.scope === UNDICI_SCOPE && path.test(String(s.attributes['url.path'])),
    ),
    `one gateway → ${service} client span`,
  );
  expect(descendsFrom(gatewayClient, gatewayServer, trace)).toBe(true);
  expect(gatewayClient.attributes).toMatchObject({ 'http.request.method': method, 'http.response.status_code': status });
  const serviceServer = only(
    trace.filter((s) => s.service === service && s.kind === SERVER && s.scope === HTTP_SCOPE),
    `one ${service} server span`,
  );
  expect(serviceServer.parentSpanId).toBe(gatewayClient.spanId);
  expect(serviceServer.attributes).toMatchObject({ 'http.request.method': method, 'http.response.status_code': status });
  const sql = trace.filter((s) => s.service === service && s.scope === PG_SCOPE && s.name.startsWith('pg.query'));
  expect(sql.length).toBeGreaterThan(0);
  for (const span of sql) {
    expect(descendsFrom(span, serviceServer, trace), `${span.name} under ${service}'s request`).toBe(true);
    expect(span.attributes['db.system.name'] ?? span.attributes['db.system']).toBe('postgresql');
    expect(typeof (span.attributes['db.query.text'] ?? span.attributes['db.statement'])).toBe('string');
  }
  // Every span's parent is in the trace, but the first hop's, which is the caller's.
  const ids = new Set(trace.map((s) => s.spanId));
  const dangling = trace.filter((s) => s !== gatewayServer && !ids.has(s.parentSpanId));
  expect(dangling.map((s) => `${s.service} ${s.name}`)).toEqual([]);
  return { gatewayServer, gatewayClient, serviceServer, sql };
}

/** Every log line of the request carries the trace id, and a span id of that trace. */
function checkLogs(requestId: string, traceId: string, trace: ReceivedSpan[], wanted: string[]) {
  const lines = logLines(requestId);
  expect(new Set(lines.map((l) => l.service))).toEqual(new Set(wanted));
  const spanIds = new Set(trace.map((s) => s.spanId));
  for (const { service, line } of lines) {
    expect({ service, msg: line.msg, trace_id: line.trace_id }).toEqual({ service, msg: line.msg, trace_id: traceId });
    expect(spanIds.has(String(line.span_id)), `${service} "${line.msg}": span ${line.span_id} in the trace`).toBe(true);
  }
  return lines;
}

// ------------------------------------------------------------------------------------------------

describe.runIf(services.includes('fleet'))('a booking through the gateway', () => {
  it('is one trace from the edge’s traceparent through gateway and fleet into SQL, its log lines carrying its id', async () => {
    const headers = await signIn(stack.url, ADMIN_PASSWORD);
    const car = await fetch(`${stack.url}/api/cars`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Traced Golf' }),
    });
    expect(car.status).toBe(201);
    const carId = ((await car.json()) as { id: number }).id;

    // As the edge would send it: a trace id and the edge's own span id.
    const traceId = hex(16);
    const edgeSpanId = hex(8);
    const requestId = `tracing-booking-${hex(4)}`;
    const booked = await fetch(`${stack.url}/api/cars/${carId}/allocations`, {
      method: 'POST',
      headers: { ...headers, traceparent: `00-${traceId}-${edgeSpanId}-01`, 'x-request-id': requestId },
      body: JSON.stringify({ start: '2031-02-03T09:00:00Z', end: '2031-02-03T12:00:00Z' }),
    });
    expect(booked.status).toBe(201);
    expect(booked.headers.get('x-request-id')).toBe(requestId);

    const path = new RegExp(`/cars/${carId}/allocations$`);
    const trace = await eventually(async () => {
      const spans = spansOf(traceId);
      const ready =
        spans.some((s) => s.service === 'gateway' && s.kind === SERVER) &&
        spans.some((s) => s.service === 'fleet' && s.kind === SERVER) &&
        spans.some((s) => s.service === 'fleet' && s.scope === PG_SCOPE && /insert into/i.test(String(s.attributes['db.query.text'])));
      return ready ? spans : undefined;
    }, 60_000);
    const { gatewayServer, serviceServer, sql } = checkHops(trace, 'fleet', path, 'POST', 201);
    // The gateway's span continues the edge's: its parent is the edge's span.
    expect(gatewayServer.parentSpanId).toBe(edgeSpanId);
    // The request id is on the server spans too: from a log line to its trace and back.
    expect(gatewayServer.attributes['http.request.header.x-request-id']).toEqual([requestId]);
    expect(serviceServer.attributes['http.request.header.x-request-id']).toEqual([requestId]);
    expect(sql.some((s) => /insert into "?allocations"?/i.test(String(s.attributes['db.query.text'])))).toBe(true);
    expect(trace.every((s) => s.protocol === 'http/protobuf')).toBe(true);

    await eventually(async () => (logLines(requestId).some((l) => l.service === 'fleet') ? true : undefined));
    const lines = checkLogs(requestId, traceId, trace, ['gateway', 'fleet']);
    console.info(
      `booking trace ${traceId}: ${trace.length} spans (${[...new Set(trace.map((s) => s.service))].join(', ')}), ${sql.length} SQL; ${lines.length} log lines`,
    );
  });
});

describe.runIf(services.includes('translation'))('a streamed translation through the gateway', () => {
  it('is one trace started by the gateway, through translation into SQL, its log lines carrying its id', async () => {
    const headers = await signIn(stack.url, ADMIN_PASSWORD);
    const requestId = `tracing-stream-${hex(4)}`;
    const response = await fetch(`${stack.url}/api/translate/stream`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': requestId },
      body: JSON.stringify({ text_de: 'Das Auto ist rot. Der Zug fährt nach Berlin.' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = parseEventStream(await response.text());
    expect(events.at(-1)?.event).toBe('done');

    // No traceparent came in: the gateway started the trace. Find it by the request id.
    const gatewayServer = await eventually(async () =>
      receiver.spans.find(
        (s) =>
          s.service === 'gateway' &&
          s.kind === SERVER &&
          (s.attributes['http.request.header.x-request-id'] as string[] | undefined)?.[0] === requestId,
      ),
    60_000);
    expect(gatewayServer.parentSpanId).toBe('');
    const traceId = gatewayServer.traceId;
    const trace = await eventually(async () => {
      const spans = spansOf(traceId);
      const stored = spans.some(
        (s) => s.service === 'translation' && s.scope === PG_SCOPE && /insert into "?translations"?/i.test(String(s.attributes['db.query.text'])),
      );
      return stored && spans.some((s) => s.service === 'translation' && s.kind === SERVER) ? spans : undefined;
    }, 60_000);
    const { sql } = checkHops(trace, 'translation', /\/translate\/stream$/, 'POST', 200);

    await eventually(async () => (logLines(requestId).some((l) => l.service === 'translation') ? true : undefined));
    const lines = checkLogs(requestId, traceId, trace, ['gateway', 'translation']);
    console.info(
      `stream trace ${traceId}: ${trace.length} spans (${[...new Set(trace.map((s) => s.service))].join(', ')}), ${sql.length} SQL; ${lines.length} log lines`,
    );
  });
});

/** GET /metrics on a Unix socket. */
function scrape(socketPath: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get({ socketPath, path: '/metrics' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

describe('metrics', () => {
  it('every process serves them on its own metrics socket, with every metric the dashboard and the alert rules query', async () => {
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(404);
    const types = new Set<string>();
    for (const name of ['gateway', ...services]) {
      const socket = listeningSockets(stack.pids.get(name) as number).unixPaths.find((path) => path.endsWith(`/${name}-metrics.sock`));
      expect(socket, `${name}'s metrics socket`).toBeDefined();
      const { status, text } = await scrape(socket as string);
      expect(status).toBe(200);
      expect(text).toContain(`service="${name}"`);
      for (const match of text.matchAll(/^# TYPE (\S+) /gm)) types.add(match[1] as string);
    }
    // After the booking and the translation above, the domain counters have moved too.
    expect(exportedMetricsNeeded().filter((name) => !types.has(name))).toEqual([]);
  });
});

describe('tracing configuration', () => {
  it('never traces probes and scrapes', async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    // The launcher polled every service's /readyz before it said ready.
    const probes = receiver.spans.filter((s) => /\/(healthz|readyz|metrics)\b/.test(`${s.name} ${s.attributes['url.path'] ?? ''}`));
    expect(probes.map((s) => `${s.service} ${s.name}`)).toEqual([]);
  });

  it('exports OTLP/JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, named by OTEL_SERVICE_NAME', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['services/users/dist/main.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATA_DIR: '',
        DATABASE_URL: '',
        NODE_ENV: 'test',
        FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'users-json-probe',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 60_000);
      const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      expect(login.status).toBe(200);
      const spans = await eventually(async () => {
        const probe = receiver.spans.filter((s) => s.service === 'users-json-probe');
        return probe.some((s) => s.kind === SERVER) && probe.some((s) => s.scope === PG_SCOPE) ? probe : undefined;
      }, 60_000);
      expect(new Set(spans.map((s) => s.protocol))).toEqual(new Set(['http/json']));
      const server = only(spans.filter((s) => s.kind === SERVER), 'one server span');
      expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
      expect(spans.filter((s) => s.scope === PG_SCOPE).every((s) => s.traceId === server.traceId)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(receiver.errors).toEqual([]);
  });

  it('loads no OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is unset, and does when set', async () => {
    // What a service's main.ts does first, then the kit itself; which OpenTelemetry modules loaded.
    const probe = `
      const tracing = await import('@flotilla/kit/tracing');
      await tracing.startTracing('probe');
      await import('@flotilla/kit');
      const { createRequire } = await import('node:module');
      const loaded = Object.keys(createRequire(import.meta.url).cache)
        .filter((path) => /\\/node_modules\\/(@opentelemetry|@fastify\\/otel)\\//.test(path))
        .map((path) => path.split('/node_modules/').at(-1).split('/').slice(0, 2).join('/'));
      console.log(JSON.stringify({ packages: [...new Set(loaded)].sort(), registered: Symbol.for('opentelemetry.js.api.1') in globalThis }));
      await tracing.shutdownTracing();
    `;
    const run = (env: Record<string, string>) =>
      new Promise<{ packages: string[]; registered: boolean }>((resolve, reject) => {
        const { OTEL_EXPORTER_OTLP_ENDPOINT: _e, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: _t, ...base } = process.env;
        const child = spawn(process.execPath, ['--input-type=module', '-e', probe], {
          cwd: join(ROOT, 'packages', 'kit'),
          env: { ...base, ...env },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}')) : reject(new Error(`probe exited ${code}`))));
      });
    const off = await run({});
    // prom-client loads the OpenTelemetry API package (for exemplars) whatever tracing does; nothing else.
    expect(off).toEqual({ packages: off.packages.includes('@opentelemetry/api') ? ['@opentelemetry/api'] : [], registered: false });
    const on = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(on.registered).toBe(true);
    expect(on.packages).toEqual(expect.arrayContaining(['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-pg', '@fastify/otel']));
  });
});
