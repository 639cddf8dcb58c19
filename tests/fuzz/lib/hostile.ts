import fc from 'fast-check';
import { deepJson, RawJson } from './json.js';

/**
 * The hostile and boundary values every schema gets besides its valid ones. Each table is plain data
 * so that a reader sees exactly what is thrown at the API.
 */

/** How deep the "deep JSON" bodies and fields nest. */
export const DEEP = 5_000;

export const hostileStrings: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800', // lone high surrogate
  '\udc00', // lone low surrogate
  'x\udfff\ud800y', // surrogates in the wrong order
  '\ufeff', // byte-order mark
  '\u202eevil', // right-to-left override
  'e\u0301\u0301\u0301', // stacked combining marks
  '\u200b\u200c\u200d', // zero-width characters
  '\u2028\u2029', // JavaScript line separators
  'ﬁ Ⅻ ＡＢＣ', // compatibility characters (NFKC changes them)
  '👩🏽‍🚀🇩🇪', // emoji ZWJ sequence and a flag
  'Straße Größe Übermaß', // German, the translation service's input
  '日本語テキスト',
  '\t\r\n',
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '%s%s%n%x',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%zz%',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '1e400',
  '99999999999999999999',
  '__proto__',
  'constructor',
];

/** Strings far longer than anything the API expects. */
export const longStrings: readonly string[] = ['x'.repeat(10_000), 'ä'.repeat(70_000), '😀'.repeat(40_000)];

/** Numbers at and beyond every limit a service is likely to have, as JSON literals. */
export const hostileNumbers: readonly unknown[] = [
  0,
  -1,
  0.5,
  -0.5,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER - 2,
  2 ** 63,
  2 ** 64,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e-300,
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('99999999999999999999'),
  new RawJson('-99999999999999999999'),
  new RawJson('9007199254740993'),
  new RawJson('-0'),
  new RawJson('1.0'),
  new RawJson('1E2'),
  new RawJson('0.1e-400'),
  new RawJson('123456789012345678901234567890.5'),
];

/** Values of the wrong type for almost any field. */
export const wrongTypes: readonly unknown[] = [
  null,
  true,
  false,
  0,
  '',
  '1',
  [],
  [null],
  {},
  { $gt: '' },
  { __proto__: null, toString: 1 },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
];

/** Timestamps RFC 3339 allows but code often does not, ones it forbids, and PostgreSQL's specials. */
export const hostileDates: readonly string[] = [
  '+275760-09-13T00:00:00.000Z', // the last instant a JavaScript Date can hold
  '+275760-09-13T00:00:00.001Z', // one millisecond later
  '275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z', // the first one
  '-004713-11-24T00:00:00Z', // the Julian day epoch, PostgreSQL's earliest date
  '-4713-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '294277-01-01T00:00:00Z', // past PostgreSQL's timestamp range
  '2024-02-29T00:00:00Z', // a leap day
  '2023-02-29T00:00:00Z', // no such day
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-01-32T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2016-12-31T23:59:60Z', // a leap second, valid RFC 3339
  '2024-01-01t10:00:00z', // lower-case T and Z, valid RFC 3339
  '2024-01-01 10:00:00Z',
  '2024-01-01T10:00:00', // no offset
  '2024-01-01T10:00:00+25:00',
  '2024-01-01T10:00:00-00:00',
  '2024-01-01T10:00:00.1234567891234Z',
  '2024-01-01',
  '10:00:00Z',
  '2024-W01-1T10:00:00Z',
  'infinity',
  '-infinity',
  'epoch',
  'now',
  'today',
  'allballs',
  '1e400',
  '99999999999999999999',
  '',
];

/** Query-string fragments that are malformed by themselves, written into the URL unencoded. */
export const rawQueryValues: readonly string[] = [
  '%',
  '%zz',
  '%0',
  '%00',
  'a%00b',
  '%FF',
  '%C0%AF', // overlong UTF-8
  '%ED%A0%80', // a UTF-8-encoded lone surrogate
  '%E2%82', // a truncated UTF-8 sequence
  '%uD800',
  '+',
  '%2B',
  '%26',
  '%3D',
  '[]',
  '\xff', // a raw Latin-1 byte, invalid UTF-8
  '1e400',
  '99999999999999999999',
  '-0',
  '0x1f',
  '1_000',
  '%201',
  '1%20',
  '١٢٣', // Arabic-Indic digits (encoded below)
  'NaN',
  'Infinity',
  'true',
  'null',
];

/** Path segments that are huge numbers, garbage or traversal attempts, written unencoded. */
export const rawPathSegments: readonly string[] = [
  '0',
  '-1',
  '1.5',
  '1e3',
  '0x10',
  '2147483648',
  '9007199254740992',
  '9007199254740993',
  '99999999999999999999',
  '1' + '0'.repeat(400),
  'abc',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  '%00',
  '1%00',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '%',
  '%zz',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '\xe9', // a raw Latin-1 byte
  '1;a=b',
  '%20',
  'a'.repeat(5_000),
];

/** Whole request bodies that are not the JSON they claim to be (sent as application/json). */
export const rawBodies: readonly { label: string; body: string | Buffer }[] = [
  { label: 'empty body', body: '' },
  { label: 'truncated object', body: '{' },
  { label: 'truncated member', body: '{"a":' },
  { label: 'single quotes', body: "{'a':1}" },
  { label: 'trailing comma', body: '{"a":1,}' },
  { label: 'trailing garbage', body: '{}garbage' },
  { label: 'two documents', body: '{}{}' },
  { label: 'NaN literal', body: 'NaN' },
  { label: 'comment', body: '/* */{}' },
  { label: 'BOM then object', body: '\ufeff{}' },
  { label: 'duplicate keys', body: '{"name":"a","name":1}' },
  { label: 'escaped lone surrogate', body: '{"text":"\\ud800"}' },
  { label: 'escaped NUL', body: '{"text":"\\u0000"}' },
  { label: 'invalid UTF-8 bytes', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  { label: 'UTF-16 encoded object', body: Buffer.from('\ufeff{"a":1}', 'utf16le') },
  { label: 'NUL bytes', body: Buffer.alloc(64) },
  { label: `array nested ${DEEP} deep`, body: deepJson('array', DEEP).text },
  { label: `object nested ${DEEP} deep`, body: deepJson('object', DEEP).text },
  { label: 'prototype pollution', body: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}' },
  { label: 'number too large', body: '1e400' },
  { label: '10,000 keys', body: `{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(',')}}` },
];

/** Content types for a JSON body that the services may not expect. */
export const oddContentTypes: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;charset=',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/merge-patch+json',
  'application/octet-stream',
  '*/*',
  'application/json, text/plain',
];

/** Headers a hostile client adds (values are what Node's HTTP client can send). */
export const hostileHeaders: readonly Record<string, string>[] = [
  { 'x-request-id': 'x'.repeat(2_000) },
  { 'x-request-id': '\xe9\xff' },
  { accept: 'text/event-stream' },
  { accept: 'application/xml' },
  { 'accept-encoding': 'gzip, br, zstd' },
  { 'content-encoding': 'gzip' },
  { 'x-forwarded-for': 'not-an-address, 300.1.1.1' },
  { 'x-forwarded-proto': 'gopher' },
  { 'x-forwarded-prefix': '//evil.example/%00' },
  { 'x-flotilla-gateway': 'guessed-secret-guessed-secret' },
  { origin: 'https://evil.example' },
  { origin: 'null' },
  { cookie: 'flotilla_session=garbage; flotilla_refresh=garbage' },
  { cookie: `flotilla_session=${'a'.repeat(4_000)}` },
  { expect: '100-continue' },
  { range: 'bytes=0-1' },
];

/** Credentials an anonymous caller may try. */
export const garbageCredentials: readonly Record<string, string>[] = [
  { authorization: 'Bearer garbage' },
  { authorization: 'Bearer ' },
  { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOjEsInJvbGVzIjpbImFkbWluIl19.' }, // alg none
  { authorization: `Bearer ${'a'.repeat(8_000)}` },
  { authorization: 'Basic YWRtaW46YWRtaW4=' },
  { authorization: 'bearer  flk_0000' },
  { 'x-api-key': 'flk_garbage' },
  { 'x-api-key': '' },
  { cookie: 'flotilla_session=eyJhbGciOiJFZERTQSJ9.e30.AAAA' },
];

/** Extra candidates for fields whose name says what they hold (schemas cannot say "SQL"). */
export const fieldHints: Record<string, readonly string[]> = {
  query: [
    'select 1',
    'select * from translations order by id desc limit 5',
    'select count(*) from translations',
    'SELECT pg_sleep(30)',
    'select * from generate_series(1, 100000000)',
    "select repeat('x', 100000000)",
    'with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r',
    'select * from pg_authid',
    "select pg_read_file('/etc/passwd')",
    'delete from translations',
    'select 1; select 2',
    'set statement_timeout = 0',
    'select $1',
    "select '\u0000'",
    'explain analyze select * from translations',
    'select * from translations t1, translations t2, translations t3, translations t4',
  ],
  text_de: ['Guten Morgen', 'Der Hund schläft.\n\nDie Katze auch.', 'Ich gehe nach Hause. '.repeat(2_000)],
  q: ['Hund', '"guten morgen"', '-katze', 'hund or katze', '!!!', ':*', '&|'],
  username: ['admin', 'fuzz-viewer', 'fuzz-operator'],
  season: ['2018-19', '2019-20', '0000-00', '9999-99'],
};

/** fast-check strings of any code point, lone surrogates included. */
export const anyCodeUnits = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 40,
});
