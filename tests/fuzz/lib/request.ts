import fc from 'fast-check';
import {
  garbageCredentials,
  hostileHeaders,
  oddContentTypes,
  rawBodies,
  rawPathSegments,
  rawQueryValues,
} from './hostile.js';
import type { Role } from './identities.js';
import { RawJson, renderValue, toJsonText } from './json.js';
import type { Operation, Parameter } from './openapi.js';
import type { SchemaArbitraries } from './schema.js';

/** How a signed-in caller presents itself; `none`/`garbage` are the anonymous caller's. */
export type AuthStyle = 'bearer' | 'cookie' | 'cookie-no-origin' | 'cookie-foreign-origin' | 'api-key' | 'none' | 'garbage';

/** One generated request, concrete and printable. Credentials are filled in when it is sent. */
export interface FuzzRequest {
  operation: string;
  role: Role;
  auth: AuthStyle;
  method: string;
  /** Raw path, already percent-encoded (or deliberately malformed). */
  path: string;
  /** Raw query string without `?` (may be deliberately malformed). */
  query: string;
  headers: Record<string, string>;
  body?: { json: unknown } | { raw: string | Buffer; label: string };
}

/**
 * Ids the API handed out, by the concrete path that lists or created them (`/api/cars`,
 * `/api/cars/7/allocations`), so that path parameters often name something that exists.
 */
export class IdPool {
  private readonly ids = new Map<string, string[]>();

  add(collection: string, id: unknown): void {
    if (typeof id !== 'number' && typeof id !== 'string') return;
    const list = this.ids.get(collection) ?? [];
    const text = String(id);
    if (!list.includes(text)) list.push(text);
    if (list.length > 50) list.shift();
    this.ids.set(collection, list);
  }

  /** Takes the ids out of a successful JSON answer (`{id}` or `{items: [{id}]}`). */
  harvest(method: string, path: string, status: number, body: string): void {
    if (status < 200 || status >= 300 || !body.startsWith('{')) return;
    let parsed: { id?: unknown; items?: { id?: unknown }[] };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return;
    }
    if (method === 'POST') this.add(path, parsed.id);
    else if (parsed.id !== undefined) this.add(path.slice(0, path.lastIndexOf('/')), parsed.id);
    if (Array.isArray(parsed.items)) for (const item of parsed.items.slice(0, 10)) this.add(path, item?.id);
  }

  pick(collection: string, n: number): string | undefined {
    const list = this.ids.get(collection);
    return list && list.length > 0 ? list[n % list.length] : undefined;
  }
}

/** Percent-encodes a string for a URL, lone surrogates as the bytes WTF-8 would give them. */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const isHigh = code >= 0xd800 && code <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(text[i] as string);
  }
  return out;
}

/** Keeps a deliberately raw URL fragment raw, encoding only what HTTP cannot carry (< 0x21, > 0xff). */
function rawFragment(text: string): string {
  return [...text].map((char) => (char.charCodeAt(0) < 0x21 || char.charCodeAt(0) > 0xff ? percentEncode(char) : char)).join('');
}

/** A generated value as it appears in a query string or a path segment. */
function asUrlText(value: unknown): string {
  if (value instanceof RawJson) return percentEncode(value.text);
  if (typeof value === 'string') return percentEncode(value);
  if (value === null || typeof value !== 'object') return percentEncode(String(value));
  return percentEncode(toJsonText(value));
}

/** `name=value` pairs for one query parameter (arrays repeat the name; objects use brackets). */
function queryPairs(name: string, value: unknown): string[] {
  const key = percentEncode(name);
  if (Array.isArray(value)) return value.length === 0 ? [`${key}=`] : value.map((item) => `${key}=${asUrlText(item)}`);
  if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${key}[]=`];
    return entries.map(([inner, item]) => `${key}[${percentEncode(inner)}]=${asUrlText(item)}`);
  }
  return [`${key}=${asUrlText(value)}`];
}

/** A header value Node's HTTP client can send: UTF-8 bytes as Latin-1, control characters dropped. */
function headerSafe(value: unknown): string {
  const text = value instanceof RawJson ? value.text : typeof value === 'string' ? value : toJsonText(value);
  const latin1 = Buffer.from(text, 'utf8').toString('latin1');
  const allowed = [...latin1].filter((char) => {
    const code = char.charCodeAt(0);
    return code === 0x09 || (code >= 0x20 && code !== 0x7f);
  });
  return allowed.join('').slice(0, 8_000);
}

type PathChoice = { kind: 'pool'; n: number } | { kind: 'value'; text: string };

export class RequestArbitraries {
  constructor(
    private readonly schemas: SchemaArbitraries,
    private readonly pool: IdPool,
  ) {}

  /** Requests for one operation, as one role. */
  forOperation(operation: Operation, role: Role): fc.Arbitrary<FuzzRequest> {
    const params = (place: Parameter['in']) => operation.parameters.filter((parameter) => parameter.in === place);
    return fc
      .record({
        auth: this.auth(role),
        garbage: fc.constantFrom(...garbageCredentials),
        path: this.path(operation.path, params('path')),
        query: this.query(params('query')),
        headers: this.headers(params('header')),
        body: this.body(operation),
      })
      .map(({ auth, garbage, path, query, headers, body }) => {
        const request: FuzzRequest = {
          operation: operation.key,
          role,
          auth,
          method: operation.method,
          path,
          query,
          headers: {
            ...headers,
            ...(auth === 'garbage' ? garbage : {}),
            ...(body.contentType !== undefined ? { 'content-type': body.contentType } : {}),
          },
        };
        if (body.payload) request.body = body.payload;
        return request;
      });
  }

  private auth(role: Role): fc.Arbitrary<AuthStyle> {
    if (role === 'anonymous') return fc.oneof({ weight: 3, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('garbage' as const) });
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant('bearer' as const) },
      { weight: 2, arbitrary: fc.constant('cookie' as const) },
      { weight: 2, arbitrary: fc.constant('api-key' as const) },
      { weight: 1, arbitrary: fc.constant('cookie-no-origin' as const) },
      { weight: 1, arbitrary: fc.constant('cookie-foreign-origin' as const) },
    );
  }

  /**
   * The path: each parameter is an id the API handed out (most often), a valid value of its schema,
   * or a hostile segment. Pool ids are looked up when the request is made, in order, so that
   * `{aid}` comes from the allocations of the `{id}` chosen before it.
   */
  private path(template: string, parameters: Parameter[]): fc.Arbitrary<string> {
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
    if (names.length === 0) return fc.constant(template);
    const choices = names.map((name) => {
      const schema = parameters.find((parameter) => parameter.name === name)?.schema ?? { type: 'string' };
      return fc.oneof(
        { weight: 5, arbitrary: fc.nat().map((n): PathChoice => ({ kind: 'pool', n })) },
        { weight: 3, arbitrary: this.schemas.valid(schema, name).map((value): PathChoice => ({ kind: 'value', text: asUrlText(value) })) },
        { weight: 1, arbitrary: this.schemas.invalid(schema, name).map((value): PathChoice => ({ kind: 'value', text: asUrlText(value) })) },
        { weight: 2, arbitrary: fc.constantFrom(...rawPathSegments).map((text): PathChoice => ({ kind: 'value', text: rawFragment(text) })) },
      );
    });
    // Pool ids are looked up in order, so that `{aid}` comes from the allocations of the `{id}` before it.
    return fc.tuple(...choices).map((picked) => {
      let path = template;
      names.forEach((name, index) => {
        const choice = picked[index] as PathChoice;
        const marker = `{${name}}`;
        const collection = path.slice(0, path.indexOf(marker) - 1);
        const text = choice.kind === 'pool' ? (this.pool.pick(collection, choice.n) ?? String((choice.n % 5) + 1)) : choice.text;
        path = path.replace(marker, text);
      });
      return path;
    });
  }

  private query(parameters: Parameter[]): fc.Arbitrary<string> {
    const perParameter = parameters.map((parameter) => {
      const value = fc.oneof(
        { weight: 6, arbitrary: this.schemas.valid(parameter.schema, parameter.name).map((v) => queryPairs(parameter.name, v)) },
        { weight: 3, arbitrary: this.schemas.invalid(parameter.schema, parameter.name).map((v) => queryPairs(parameter.name, v)) },
        { weight: 2, arbitrary: fc.constantFrom(...rawQueryValues).map((raw) => [`${percentEncode(parameter.name)}=${rawFragment(raw)}`]) },
      );
      // Present or not: required ones are mostly there, optional ones half the time.
      const presence = parameter.required ? fc.integer({ min: 0, max: 9 }).map((n) => n > 0) : fc.boolean();
      return fc.tuple(presence, value).map(([present, pairs]) => (present ? pairs : []));
    });
    const extras = fc.oneof(
      { weight: 12, arbitrary: fc.constant<string[]>([]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          ['__proto__[polluted]=1'],
          ['constructor[prototype][polluted]=1'],
          ['unknown=1'],
          ['&&&'],
          ['='],
          ['=value'],
          ['limit'],
          ['limit[]=1', 'limit[]=2'],
          ['a[b][c][d][e][f]=1'],
          [`${'x'.repeat(20_000)}=1`], // past Node's 16 KiB header limit
          Array.from({ length: 1_000 }, (_, i) => `p${i}=${i}`), // many, but within the limit
        ),
      },
    );
    return fc.tuple(fc.tuple(...perParameter), extras, fc.boolean()).map(([pairs, extra, duplicate]) => {
      const all = pairs.flat();
      // Sometimes a parameter twice, with two different values.
      if (duplicate && all.length > 0 && all[0]?.includes('=')) all.push(`${all[0].split('=')[0]}=2`);
      return [...all, ...extra].join('&');
    });
  }

  private headers(parameters: Parameter[]): fc.Arbitrary<Record<string, string>> {
    const declared = parameters.map((parameter) =>
      fc
        .tuple(fc.boolean(), this.schemas.fuzz(parameter.schema, parameter.name))
        .map(([present, value]): [string, string][] => (present ? [[parameter.name, headerSafe(value)]] : [])),
    );
    const hostile = fc.oneof(
      { weight: 8, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.constantFrom(...hostileHeaders) },
    );
    return fc.tuple(fc.tuple(...declared), hostile).map(([pairs, extra]) => ({ ...Object.fromEntries(pairs.flat()), ...extra }));
  }

  private body(operation: Operation): fc.Arbitrary<{ contentType?: string; payload?: FuzzRequest['body'] }> {
    const json = (payload: FuzzRequest['body']) =>
      fc.oneof(
        { weight: 9, arbitrary: fc.constant({ contentType: 'application/json', payload }) },
        { weight: 1, arbitrary: fc.constantFrom(...oddContentTypes).map((contentType) => ({ contentType, payload })) },
      );
    const raw = fc.constantFrom(...rawBodies).chain(({ label, body }) => json({ raw: body, label }));
    const none = fc.constantFrom<{ contentType?: string; payload?: FuzzRequest['body'] }>({}, { contentType: 'application/json' });
    if (!operation.body) {
      return fc.oneof(
        { weight: 8, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: raw },
        { weight: 1, arbitrary: none },
        { weight: 1, arbitrary: this.schemas.invalid({}).chain((value) => json({ json: value })) },
      );
    }
    return fc.oneof(
      { weight: 12, arbitrary: this.schemas.fuzz(operation.body.schema).chain((value) => json({ json: value })) },
      { weight: 1, arbitrary: raw },
      { weight: 1, arbitrary: none },
    );
  }
}

/** A request as a developer reads it in a report. */
export function describeRequest(request: FuzzRequest): string {
  const lines = [`${request.method} ${abbreviateUrl(request.path, request.query)}  as ${request.role} (${request.auth})`];
  const headers = Object.entries(request.headers);
  if (headers.length > 0) lines.push(`  headers: ${headers.map(([name, value]) => `${name}: ${value.length > 100 ? `${value.slice(0, 60)}…(${value.length} chars)` : value}`).join('; ')}`);
  if (request.body && 'json' in request.body) lines.push(`  body: ${renderValue(request.body.json)}`);
  if (request.body && 'raw' in request.body) {
    const body = request.body.raw;
    const shown = body.length <= 120 ? (typeof body === 'string' ? JSON.stringify(body) : `bytes ${body.toString('hex')}`) : '';
    lines.push(`  body: ${request.body.label}${shown ? ` ${shown}` : ` (${body.length} ${typeof body === 'string' ? 'chars' : 'bytes'})`}`);
  }
  return lines.join('\n');
}

function abbreviateUrl(path: string, query: string): string {
  const shorten = (text: string) => text.replace(/([^&=/]{60})[^&=/]{40,}/g, (_match, head: string) => `${head}…`);
  const url = query ? `${path}?${query}` : path;
  if (url.length <= 300) return url;
  return `${shorten(path)}${query ? `?${shorten(query).slice(0, 300)}…(${query.length} chars of query)` : ''}`;
}

/** The request's size for picking the smallest reproduction of a finding. */
export function requestSize(request: FuzzRequest): number {
  const body = request.body ? ('json' in request.body ? toJsonText(request.body.json).length : request.body.raw.length) : 0;
  const headers = Object.entries(request.headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  return request.path.length + request.query.length + body + headers;
}
