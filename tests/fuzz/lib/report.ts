import type { WireResult } from './http.js';
import type { Role } from './identities.js';
import type { Verdict } from './oracle.js';
import { describeRequest, type FuzzRequest, requestSize } from './request.js';

/** One failing request: the smallest seen for its finding on its operation. */
export interface Example {
  request: FuzzRequest;
  requestId: string;
  result: WireResult;
  size: number;
}

/**
 * Failures with the same kind, status and problem detail (numbers masked) are one finding, with
 * the smallest failing request on each operation it was seen on — fast-check's shrinking makes
 * them small. Answers without an `x-request-id` never reached a route: Node's HTTP layer in the
 * gateway gave them (an unparsable request line, headers too large), so they are the gateway's.
 */
export interface Finding {
  signature: string;
  /** The services whose operations it was seen on, or `gateway` for the HTTP layer's answers. */
  services: Set<string>;
  kind: string;
  status?: number;
  detail: string;
  roles: Set<Role>;
  count: number;
  examples: Map<string, Example>;
  /** The smallest example of all. */
  smallest: Example;
  /** The first one seen: for a hang, often the request that left the service stuck. */
  first: Example;
  /** What the services logged for the smallest example (found by its x-request-id). */
  serverLog: string[];
  /** The requests sent just before it was first seen, with their outcomes. */
  before?: string[];
}

export class Findings {
  readonly all = new Map<string, Finding>();

  add(service: string, request: FuzzRequest, requestId: string, result: WireResult, verdict: Verdict): Finding {
    const httpLayer = result.outcome === 'response' && result.headers['x-request-id'] === undefined;
    const normalised = verdict.detail
      .split(requestId)
      .join('<request id>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
      .replace(/\d+/g, 'N')
      .replace(/"[^"]{20,}"/g, '"…"')
      .replace(/(instance|path|url)":"[^"]*"/g, '$1":"…"')
      .slice(0, 120);
    const signature = `${httpLayer ? 'http layer | ' : ''}${verdict.kind} | ${verdict.status ?? '-'} | ${normalised}`;
    const example: Example = { request, requestId, result, size: requestSize(request) };
    const finding: Finding = this.all.get(signature) ?? {
      signature,
      services: new Set(),
      kind: verdict.kind,
      ...(verdict.status !== undefined ? { status: verdict.status } : {}),
      detail: verdict.detail,
      roles: new Set(),
      count: 0,
      examples: new Map(),
      smallest: example,
      first: example,
      serverLog: [],
    };
    this.all.set(signature, finding);
    finding.services.add(httpLayer ? 'gateway' : service);
    finding.roles.add(request.role);
    finding.count += 1;
    const known = finding.examples.get(request.operation);
    if (!known || example.size < known.size) finding.examples.set(request.operation, example);
    if (example.size < finding.smallest.size) {
      finding.smallest = example;
      finding.detail = verdict.detail;
    }
    return finding;
  }

  of(service: string): Finding[] {
    return [...this.all.values()].filter((finding) => finding.services.has(service));
  }
}

/** Lines the services logged for a request id (the pretty launcher ends each entry with `[id]`). */
export function serverLogFor(output: readonly string[], requestId: string): string[] {
  const tag = `[${requestId}]`;
  const lines: string[] = [];
  output.forEach((line, index) => {
    if (!line.includes(tag)) return;
    // A logged error's stack spans several lines; the entry starts at the line with the service label.
    let start = index;
    while (start > 0 && !/^[a-z]+\s*\| /.test(output[start] ?? '') && index - start < 40) start -= 1;
    lines.push(...output.slice(start, index + 1));
  });
  return lines.slice(0, 60);
}

export function formatFinding(finding: Finding, base: URL): string {
  const { result, request, requestId } = finding.smallest;
  const answer =
    result.outcome === 'response'
      ? `→ ${result.status} ${result.contentType} in ${result.ms} ms: ${result.body.slice(0, 600)}`
      : result.outcome === 'timeout'
        ? `→ no complete answer in ${result.ms} ms (hang)${result.status ? `; status ${result.status} was sent` : ''}`
        : `→ ${result.outcome}: ${'error' in result ? result.error : ''}`;
  const operations = [...finding.examples.keys()];
  const lines = [
    `● ${finding.kind}${finding.status ? ` ${finding.status}` : ''} (${[...finding.services].join(', ')}) — ` +
      `seen ${finding.count}× on ${operations.length} operation(s) as ${[...finding.roles].join(', ')}`,
    `  ${finding.detail.slice(0, 400)}`,
    `  smallest request (x-request-id ${requestId}):`,
    ...describeRequest(request)
      .split('\n')
      .map((line) => `    ${line}`),
    `  ${answer}`,
  ];
  const curl = curlFor(request, base);
  if (curl) lines.push(`  reproduce (with $TOKEN for ${request.role}): ${curl}`);
  if (finding.serverLog.length > 0) lines.push('  server log:', ...finding.serverLog.map((line) => `    ${line}`));
  if (finding.first !== finding.smallest) {
    lines.push(
      `  first seen (x-request-id ${finding.first.requestId}):`,
      ...describeRequest(finding.first.request)
        .split('\n')
        .map((line) => `    ${line}`),
    );
  }
  if (finding.kind === 'hang' && finding.before?.length) {
    lines.push('  the requests just before it was first seen:', ...finding.before.map((line) => `    ${line}`));
  }
  const others = [...finding.examples].filter(([, example]) => example !== finding.smallest);
  if (others.length > 0) {
    lines.push('  also on (smallest request each):');
    for (const [, example] of others.slice(0, 30)) {
      const first = describeRequest(example.request).split('\n');
      lines.push(`    ${first.join(' |')}`.slice(0, 400));
    }
    if (others.length > 30) lines.push(`    … and ${others.length - 30} more operations`);
  }
  return lines.join('\n');
}

/** A curl command line, when the request is small and printable enough to be one. */
function curlFor(request: FuzzRequest, base: URL): string | undefined {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const printable = (text: string) => text.length < 2_000 && /^[\x20-\x7e]*$/.test(text);
  const target = `${base.origin}${request.path}${request.query ? `?${request.query}` : ''}`;
  if (!printable(target)) return undefined;
  const parts = ['curl', '-sS', '-i', '-X', request.method, quote(target)];
  if (request.role !== 'anonymous') {
    if (request.auth === 'api-key') parts.push('-H', quote('x-api-key: $KEY'));
    else if (request.auth.startsWith('cookie')) parts.push('-H', '"cookie: flotilla_session=$TOKEN"');
    else parts.push('-H', '"authorization: Bearer $TOKEN"');
    if (request.auth === 'cookie') parts.push('-H', quote(`origin: ${base.origin}`));
    if (request.auth === 'cookie-foreign-origin') parts.push('-H', quote('origin: https://evil.example'));
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (!printable(value)) return undefined;
    parts.push('-H', quote(`${name}: ${value}`));
  }
  if (request.body) {
    let text: string;
    if ('json' in request.body) text = JSON.stringify(request.body.json) ?? '';
    else if (typeof request.body.raw === 'string') text = request.body.raw;
    else return undefined;
    if (!printable(text) || ('json' in request.body && /RawJson|\\u0000/.test(text))) return undefined;
    parts.push('--data-binary', quote(text));
  }
  return parts.join(' ');
}

/** Requests and answers counted per role and per operation. */
export class Tally {
  readonly perRole = new Map<Role, number>();
  readonly perAuth = new Map<string, number>();
  readonly statuses = new Map<Role, Map<string, number>>();
  readonly perOperation = new Map<string, { sent: number; ms: number; interrupted: boolean; statuses?: Map<string, number> }>();
  unsendable = 0;
  skippedLost = 0;

  count(request: FuzzRequest, result: WireResult, verdict: Verdict): void {
    this.perRole.set(request.role, (this.perRole.get(request.role) ?? 0) + 1);
    const credential = `${request.role} ${request.auth}${result.outcome === 'response' && result.status === 401 ? ' → 401' : ''}`;
    this.perAuth.set(credential, (this.perAuth.get(credential) ?? 0) + 1);
    const outcome = result.outcome === 'response' ? String(result.status) : result.outcome;
    const key = verdict.kind.startsWith('503 ') ? '503 (dependency)' : outcome;
    const statuses = this.statuses.get(request.role) ?? new Map<string, number>();
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    this.statuses.set(request.role, statuses);
    const operation = this.perOperation.get(request.operation) ?? { sent: 0, ms: 0, interrupted: false };
    operation.sent += 1;
    operation.statuses ??= new Map();
    operation.statuses.set(key, (operation.statuses.get(key) ?? 0) + 1);
    this.perOperation.set(request.operation, operation);
  }

  summary(operations: readonly string[]): string {
    const covered = operations.filter((operation) => (this.perOperation.get(operation)?.sent ?? 0) > 0);
    const total = [...this.perRole.values()].reduce((sum, n) => sum + n, 0);
    const lines = [
      `operations covered: ${covered.length} of ${operations.length}`,
      `requests sent: ${total} (${[...this.perRole].map(([role, n]) => `${role} ${n}`).join(', ')})`,
    ];
    for (const [role, statuses] of this.statuses) {
      const sorted = [...statuses].sort(([a], [b]) => a.localeCompare(b));
      lines.push(`  ${role.padEnd(9)} ${sorted.map(([status, n]) => `${status}×${n}`).join('  ')}`);
    }
    lines.push(`  by credential: ${[...this.perAuth].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${key}×${n}`).join(', ')}`);
    if (this.unsendable > 0) lines.push(`not sendable by Node's HTTP client (skipped): ${this.unsendable}`);
    if (this.skippedLost > 0) lines.push(`skipped because an account could not be repaired: ${this.skippedLost}`);
    const missing = operations.filter((operation) => !covered.includes(operation));
    if (missing.length > 0) lines.push(`NOT covered (time budget): ${missing.join(', ')}`);
    lines.push('per operation (requests, seconds, * = cut short by its share of the time budget, statuses):');
    for (const operation of operations) {
      const entry = this.perOperation.get(operation);
      if (!entry) continue;
      const statuses = [...(entry.statuses ?? [])].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}×${n}`);
      lines.push(
        `  ${operation.padEnd(44)} ${String(entry.sent).padStart(5)} ${(entry.ms / 1000).toFixed(1).padStart(5)}${entry.interrupted ? '*' : ' '}  ${statuses.join(' ')}`,
      );
    }
    return lines.join('\n');
  }
}
