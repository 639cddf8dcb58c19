// A small OTLP/HTTP trace receiver for tests: POST /v1/traces with OTLP/JSON (`http/json`) or
// OTLP/protobuf (`http/protobuf`, decoded here by hand: the OpenTelemetry JS packages ship no
// decoder), spans kept in memory in one flat shape. No dependency beyond Node itself.
//
// Two uses:
// - imported (tests/embedded/tracing.test.ts): startReceiver() on a loopback port;
// - run as a program (`node otlp-receiver.mjs`, the Compose test's stand-in for Jaeger, which has
//   no image on these machines): OTLP on :4318 as Jaeger receives it, and on :16686 the piece of
//   Jaeger's query API the test reads, GET /api/traces/<trace id> and GET /api/services, in
//   Jaeger's JSON shape. It proves spans leave the containers and reach the backend's address;
//   it does not prove Jaeger stores or shows them.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

// ------------------------------------------------------------------------------------------------
// Protobuf wire format: just enough for opentelemetry/proto/collector/trace/v1.

/** A message's fields: number -> values (varints as BigInt, length-delimited as Buffer). */
function fields(buffer) {
  const out = new Map();
  let at = 0;
  const varint = () => {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error('truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7n;
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    let value;
    if (wire === 0) value = varint();
    else if (wire === 1) {
      value = buffer.subarray(at, at + 8);
      at += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      value = buffer.subarray(at, at + length);
      at += length;
    } else if (wire === 5) {
      value = buffer.subarray(at, at + 4);
      at += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (!out.has(number)) out.set(number, []);
    out.get(number).push(value);
  }
  return out;
}
const one = (f, n) => f.get(n)?.[0];
const all = (f, n) => f.get(n) ?? [];
const text = (value) => (value ? Buffer.from(value).toString('utf8') : '');
const hex = (value) => (value ? Buffer.from(value).toString('hex') : '');

function anyValue(buffer) {
  const f = fields(buffer);
  if (f.has(1)) return text(one(f, 1));
  if (f.has(2)) return one(f, 2) !== 0n;
  if (f.has(3)) return Number(BigInt.asIntN(64, one(f, 3)));
  if (f.has(4)) return one(f, 4).readDoubleLE(0);
  if (f.has(5)) return all(fields(one(f, 5)), 1).map(anyValue);
  if (f.has(6)) return keyValues(all(fields(one(f, 6)), 1));
  if (f.has(7)) return hex(one(f, 7));
  return undefined;
}
function keyValues(list) {
  const attributes = {};
  for (const kv of list) {
    const f = fields(kv);
    attributes[text(one(f, 1))] = one(f, 2) ? anyValue(one(f, 2)) : undefined;
  }
  return attributes;
}

function decodeProtobuf(buffer) {
  const spans = [];
  for (const resourceSpans of all(fields(buffer), 1)) {
    const rs = fields(resourceSpans);
    const resource = one(rs, 1) ? keyValues(all(fields(one(rs, 1)), 1)) : {};
    for (const scopeSpans of all(rs, 2)) {
      const ss = fields(scopeSpans);
      const scope = one(ss, 1) ? text(one(fields(one(ss, 1)), 1)) : '';
      for (const encoded of all(ss, 2)) {
        const s = fields(encoded);
        const status = one(s, 15) ? fields(one(s, 15)) : new Map();
        spans.push({
          traceId: hex(one(s, 1)),
          spanId: hex(one(s, 2)),
          parentSpanId: hex(one(s, 4)),
          name: text(one(s, 5)),
          kind: Number(one(s, 6) ?? 0n),
          startNs: one(s, 7) ? one(s, 7).readBigUInt64LE(0) : 0n,
          endNs: one(s, 8) ? one(s, 8).readBigUInt64LE(0) : 0n,
          attributes: keyValues(all(s, 9)),
          status: Number(one(status, 3) ?? 0n),
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

// ------------------------------------------------------------------------------------------------
// OTLP/JSON (ids in hex, as the OTLP/JSON mapping says and the JS exporter writes them).

function jsonValue(value) {
  if (!value || typeof value !== 'object') return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(jsonValue);
  if ('kvlistValue' in value) return jsonAttributes(value.kvlistValue.values);
  if ('bytesValue' in value) return value.bytesValue;
  return undefined;
}
function jsonAttributes(list = []) {
  return Object.fromEntries(list.map((kv) => [kv.key, jsonValue(kv.value)]));
}
const jsonId = (id) => (typeof id === 'string' && /^[0-9a-f]*$/i.test(id) ? id.toLowerCase() : id ? Buffer.from(id, 'base64').toString('hex') : '');

function decodeJson(body) {
  const spans = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: jsonId(s.traceId),
          spanId: jsonId(s.spanId),
          parentSpanId: jsonId(s.parentSpanId),
          name: s.name,
          kind: Number(s.kind ?? 0),
          startNs: BigInt(s.startTimeUnixNano ?? 0),
          endNs: BigInt(s.endTimeUnixNano ?? 0),
          attributes: jsonAttributes(s.attributes),
          status: Number(s.status?.code ?? 0),
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

// ------------------------------------------------------------------------------------------------

/** Each span as tests read it: ids in hex, `service` from the resource, `protocol` it came in. */
function receive(request, body) {
  const type = String(request.headers['content-type'] ?? '');
  const raw = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  if (type.includes('json')) return decodeJson(JSON.parse(raw.toString('utf8'))).map((s) => ({ ...s, protocol: 'http/json' }));
  if (type.includes('protobuf')) return decodeProtobuf(raw).map((s) => ({ ...s, protocol: 'http/protobuf' }));
  throw new Error(`unsupported content-type ${type}`);
}

/**
 * Starts a receiver; resolves with its base URL (for OTEL_EXPORTER_OTLP_ENDPOINT), the spans
 * received so far (each with `service` = its resource's service.name) and close().
 */
export async function startReceiver({ port = 0, host = '127.0.0.1' } = {}) {
  const spans = [];
  const errors = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        for (const span of receive(request, Buffer.concat(chunks))) {
          spans.push({ ...span, service: span.resource['service.name'] });
        }
        const json = String(request.headers['content-type']).includes('json');
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        response.end(json ? '{}' : undefined);
      } catch (error) {
        errors.push(error);
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    spans,
    errors,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A trace in the shape of Jaeger's query API (GET /api/traces/<id>): what the Compose test reads. */
function jaegerTrace(traceId, spans) {
  const services = [...new Set(spans.map((s) => s.service))];
  const tag = (key, value) => ({
    key,
    type: typeof value === 'number' ? 'int64' : typeof value === 'boolean' ? 'bool' : 'string',
    value,
  });
  return {
    traceID: traceId,
    spans: spans.map((s) => ({
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references: s.parentSpanId ? [{ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parentSpanId }] : [],
      startTime: Number(s.startNs / 1000n),
      duration: Number((s.endNs - s.startNs) / 1000n),
      tags: [
        ...Object.entries(s.attributes).map(([k, v]) => tag(k, v)),
        tag('span.kind', ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'][s.kind] ?? 'unspecified'),
        tag('otlp.protocol', s.protocol),
      ],
      processID: `p${services.indexOf(s.service) + 1}`,
    })),
    processes: Object.fromEntries(services.map((name, i) => [`p${i + 1}`, { serviceName: name, tags: [] }])),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const receiver = await startReceiver({ port: Number(process.env.OTLP_PORT ?? 4318), host: '0.0.0.0' });
  const query = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://query');
    const reply = (status, body) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/services') {
      return reply(200, { data: [...new Set(receiver.spans.map((s) => s.service))].sort() });
    }
    const id = /^\/api\/traces\/([0-9a-f]{32})$/.exec(url.pathname)?.[1];
    if (id) {
      const spans = receiver.spans.filter((s) => s.traceId === id);
      if (spans.length === 0) return reply(404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
      return reply(200, { data: [jaegerTrace(id, spans)] });
    }
    if (url.pathname === '/') return reply(200, { spans: receiver.spans.length, errors: receiver.errors.map(String) });
    return reply(404, { errors: [{ code: 404, msg: 'not found' }] });
  });
  query.listen(Number(process.env.QUERY_PORT ?? 16686), '0.0.0.0');
  process.stdout.write('OTLP receiver: OTLP/HTTP on :4318, query API on :16686\n');
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
}
