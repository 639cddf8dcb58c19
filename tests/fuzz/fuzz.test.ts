import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isRunning, listeningSockets, type RunningStack, startStack } from '../embedded/launcher.js';
import { closeConnections, getViaSocket, send, type WireResult } from './lib/http.js';
import { Identities, ROLES, type Role } from './lib/identities.js';
import { toJsonText } from './lib/json.js';
import { type Operation, operationsOf } from './lib/openapi.js';
import { judge } from './lib/oracle.js';
import { type Finding, Findings, formatFinding, serverLogFor, Tally } from './lib/report.js';
import { describeRequest, type FuzzRequest, IdPool, RequestArbitraries } from './lib/request.js';
import { SchemaArbitraries } from './lib/schema.js';

/**
 * Fuzzes every operation of the gateway's merged OpenAPI document against one embedded stack, as
 * anonymous, viewer, operator and admin: 0 × 5xx, 0 hangs, every 4xx problem+json. See README.md.
 */

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

/** Generated requests per operation and role (shrinking a failure sends more). */
const RUNS = intFromEnv('FUZZ_RUNS', 200);
/** The whole fuzzing phase stops after this; each operation gets an equal share of what is left. */
const BUDGET_MS = intFromEnv('FUZZ_BUDGET_SECONDS', 210) * 1000;
/** An answer not complete after this is a hang. */
const TIMEOUT_MS = intFromEnv('FUZZ_TIMEOUT_MS', 10_000);
const SEED = intFromEnv('FUZZ_SEED', Date.now() % 2 ** 31);
/** A cheap authenticated GET per service. */
const PROBES: Record<string, string> = {
  users: '/api/auth/me',
  fleet: '/api/cars?limit=1',
  translation: '/api/translations?limit=1',
  stats: '/api/stats/jobs?limit=1',
};
/** Only the operations whose `METHOD /path` matches (to reproduce a finding quickly). */
const ONLY = new RegExp(process.env.FUZZ_ONLY ?? '');
const SERVICES = ['users', 'fleet', 'translation', 'stats'] as const;
/** Fuzz a stack that is already running (Compose, say) instead of starting one: its admin password too. */
const EXTERNAL_URL = process.env.FUZZ_URL;
const ADMIN_PASSWORD = EXTERNAL_URL ? (process.env.FUZZ_ADMIN_PASSWORD ?? '') : 'fuzz-admin-password';

const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-fuzz-'));
const findings = new Findings();
const tally = new Tally();
const pool = new IdPool();
let stack: RunningStack | undefined;
let base: URL;
let identities: Identities;
/** Whether the stack answered and the fuzzer's accounts exist (else there is nothing to report). */
let started = false;
let operations: Operation[] = [];
let requests: RequestArbitraries;
let deadline = 0;
let operationsLeft = 0;
let sequence = 0;
/** Launcher lines already checked for crashed services. */
let outputChecked = 0;
/** The last requests sent, for a finding's context (a hang is often caused by the request before). */
const lastRequests: { request: FuzzRequest; requestId: string; outcome: string; at: string }[] = [];
let fuzzingStarted = Date.now();
/** Findings already shrunk once: seen again, they are counted but no longer fail the property. */
const known = new Set<string>();
let lastFailure: string | undefined;

beforeAll(async () => {
  if (EXTERNAL_URL) {
    base = new URL(EXTERNAL_URL);
  } else {
    // Nothing listens on a port just freed: the stats service's fetches from stats.nba.com fail at once.
    const closedPort = await freePort();
    stack = await startStack(dataDir, {
      FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      NBA_API_URL: `http://127.0.0.1:${closedPort}`,
      NBA_RETRIES: '0',
      NBA_BACKOFF_MS: '0',
      NBA_PAUSE_MS: '0',
      LOG_LEVEL: 'warn',
    });
    base = new URL(stack.url);
  }
  identities = new Identities(base, ADMIN_PASSWORD, EXTERNAL_URL ? `-${SEED.toString(36)}` : '');
  await identities.setUp();
  started = true;
  for (const id of identities.userIds()) pool.add('/api/users', id);
  await seed();
  const document = await fetchJson('/openapi.json');
  operations = operationsOf(document as Parameters<typeof operationsOf>[0]).filter((operation) => ONLY.test(operation.key));
  requests = new RequestArbitraries(new SchemaArbitraries(document), pool);
  operationsLeft = operations.length;
  deadline = Date.now() + BUDGET_MS;
  fuzzingStarted = Date.now();
  outputChecked = stack?.output.length ?? 0;
  console.log(
    `fuzzing ${operations.length} operations at ${base.origin}: ${RUNS} runs per operation and role, ` +
      `budget ${BUDGET_MS / 1000} s, hang after ${TIMEOUT_MS / 1000} s, FUZZ_SEED=${SEED}`,
  );
});

afterAll(async () => {
  try {
    await settle();
    if (started) {
      for (const finding of findings.all.values()) {
        finding.serverLog = serverLogFor(stack?.output ?? [], finding.smallest.requestId);
        if (finding.first !== finding.smallest) finding.serverLog.push(...serverLogFor(stack?.output ?? [], finding.first.requestId));
      }
      const report = [
        `=== fuzz summary (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS})`,
        tally.summary(operations.map((operation) => operation.key)),
        `=== findings: ${findings.all.size}`,
        ...[...findings.all.values()].map((finding) => formatFinding(finding, base)),
      ].join('\n');
      console.log(report);
      const file = process.env.FUZZ_REPORT ?? join(tmpdir(), `flotilla-fuzz-${SEED}.json`);
      writeFileSync(file, JSON.stringify([...findings.all.values()].map(findingAsJson), null, 2));
      console.log(`findings with their full requests: ${file}`);
      if (stack) {
        writeFileSync(`${file}.log`, `${stack.output.join('\n')}\n`);
        console.log(`everything the stack logged: ${file}.log`);
      }
    }
  } finally {
    closeConnections();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('fuzzing every operation of the merged OpenAPI document (npm run test:fuzz)', () => {
  for (const service of SERVICES) {
    it(`${service}: no 5xx, no hang, every 4xx problem+json`, async () => {
      for (const operation of operations.filter((candidate) => candidate.service === service)) {
        await fuzzOperation(operation);
      }
      await expectNoFindings(service);
    });
  }

  it('every other operation, and every operation was fuzzed', async () => {
    const others = operations.filter((operation) => !(SERVICES as readonly string[]).includes(operation.service));
    for (const operation of others) await fuzzOperation(operation);
    for (const service of new Set(others.map((operation) => operation.service))) await expectNoFindings(service);
    expect(operations.length).toBeGreaterThan(0);
    const missed = operations.filter((operation) => !tally.perOperation.get(operation.key)?.sent);
    expect(missed.map((operation) => operation.key), 'operations that got no request (time budget too small?)').toEqual([]);
  });

  it('gateway: every malformed request that never reaches a route still gets problem+json', async () => {
    await expectNoFindings('gateway');
  });
});

async function expectNoFindings(service: string) {
  await settle();
  const found = findings.of(service);
  if (found.length > 0) {
    throw new Error(`${found.length} finding(s) in ${service}:\n\n${found.map((finding) => formatFinding(finding, base)).join('\n\n')}`);
  }
}

/**
 * Runs the property for each role, within this operation's share of the time left. A failure is
 * shrunk once; from then on its signature is known and counted, not failed again, and the role's
 * remaining runs go on with a new seed, so that one finding does not hide the others.
 */
async function fuzzOperation(operation: Operation): Promise<void> {
  const started = Date.now();
  const share = Math.max(0, (deadline - started) / Math.max(1, operationsLeft));
  operationsLeft -= 1;
  let interrupted = false;
  for (const [index, role] of ROLES.entries()) {
    // What the earlier roles did not use goes to the later ones.
    const roleEnds = Date.now() + Math.max(1_000, (started + share - Date.now()) / (ROLES.length - index));
    let runsLeft = RUNS;
    for (let attempt = 0; runsLeft > 0; attempt += 1) {
      const timeLimit = Math.min(roleEnds, deadline + 1_000) - Date.now();
      if (timeLimit <= 0) {
        interrupted = true;
        break;
      }
      lastFailure = undefined;
      const result = await fc.check(
        fc.asyncProperty(requests.forOperation(operation, role), async (request) => (await tracked(execute(operation, request))).ok),
        { numRuns: runsLeft, seed: seedFor(operation.key, role, attempt), interruptAfterTimeLimit: timeLimit },
      );
      if (result.interrupted) interrupted = true;
      runsLeft -= result.numRuns;
      if (!result.failed) break;
      // The (shrunk) counterexample failed last: its signature is now known.
      if (lastFailure) known.add(lastFailure);
      if (result.interrupted || !lastFailure) break;
    }
  }
  const entry = tally.perOperation.get(operation.key) ?? { sent: 0, ms: 0, interrupted: false };
  entry.ms = Date.now() - started;
  entry.interrupted = interrupted;
  tally.perOperation.set(operation.key, entry);
  await checkForCrashes(operation);
}

/**
 * Requests still running. When a property's time is up, fast-check stops waiting for a pending
 * (hanging) request; it is awaited here before findings are judged, so none is lost.
 */
const inFlight = new Set<Promise<unknown>>();

function tracked<T>(run: Promise<T>): Promise<T> {
  inFlight.add(run);
  void run.finally(() => inFlight.delete(run)).catch(() => {});
  return run;
}

async function settle(): Promise<void> {
  await Promise.allSettled([...inFlight]);
}

/** Sends one request with the role's credentials and judges the answer. */
async function execute(operation: Operation, request: FuzzRequest): Promise<{ ok: boolean }> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.role !== 'anonymous') {
    const token = await identities.token(request.role);
    if (!token) {
      tally.skippedLost += 1;
      return { ok: true };
    }
    switch (request.auth) {
      case 'api-key':
        headers['x-api-key'] = identities.apiKey(request.role) ?? '';
        break;
      case 'cookie':
        headers.cookie = `flotilla_session=${token}`;
        headers.origin = base.origin;
        break;
      case 'cookie-no-origin':
        headers.cookie = `flotilla_session=${token}`;
        delete headers.origin;
        break;
      case 'cookie-foreign-origin':
        headers.cookie = `flotilla_session=${token}`;
        headers.origin = 'https://evil.example';
        break;
      default:
        headers.authorization = `Bearer ${token}`;
    }
  }
  sequence += 1;
  const requestId = headers['x-request-id'] ?? `fuzz-${sequence}`;
  headers['x-request-id'] = requestId;
  const body = request.body ? ('json' in request.body ? toJsonText(request.body.json) : request.body.raw) : undefined;
  const target = request.query ? `${request.path}?${request.query}` : request.path;
  // Taken before sending: when a property's time is up, fast-check stops waiting for a hanging
  // request and goes on, so by the time this one times out others have been sent.
  const context = lastRequests.map((entry) => `${entry.at}: ${entry.requestId}: ${describeRequest(entry.request).split('\n').join(' |')} → ${entry.outcome}`.slice(0, 400));
  const sentAt = `${((Date.now() - fuzzingStarted) / 1000).toFixed(1)} s`;
  // GET event streams may be live feeds that never end: their first event is the answer.
  const firstEventEnough = request.method === 'GET';
  const result = await send(base, { method: request.method, target, headers, firstEventEnough, ...(body !== undefined ? { body } : {}) }, TIMEOUT_MS);
  const outcome = result.outcome === 'response' ? `${result.status} in ${result.ms} ms` : result.outcome === 'unsendable' ? 'unsendable' : `${result.outcome} after ${result.ms} ms`;
  lastRequests.push({ request, requestId, outcome, at: sentAt });
  if (lastRequests.length > 8) lastRequests.shift();
  if (result.outcome === 'unsendable') {
    tally.unsendable += 1;
    return { ok: true };
  }
  if (result.outcome === 'response') {
    pool.harvest(request.method, request.path, result.status, result.body);
    if (request.auth === 'api-key' && request.role !== 'anonymous' && result.status === 401) {
      await identities.renewApiKey(request.role);
    }
  }
  const headBytes = target.length + Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
  const oversized = headBytes > 16 * 1024 || (body !== undefined && Buffer.byteLength(body) > 16 * 1024 * 1024);
  const verdict = judge(operation.key, result, oversized);
  tally.count(request, result, verdict);
  if (verdict.ok) return { ok: true };
  const finding = findings.add(operation.service, request, requestId, result, verdict);
  const { signature } = finding;
  if (finding.count === 1) {
    finding.before = [...context, `${sentAt}: ${requestId}: this request`];
    if (verdict.kind === 'hang') finding.before.push(await probeAfterHang());
  }
  if (known.has(signature)) return { ok: true };
  lastFailure = signature;
  return { ok: false };
}

/** A service that exited while this operation was fuzzed is a finding; wait for its restart. */
async function checkForCrashes(operation: Operation): Promise<void> {
  if (!stack) return;
  const lines = stack.output.slice(outputChecked);
  outputChecked = stack?.output.length ?? 0;
  const exits = lines.filter((line) => /^flotilla \| \w+ exited/.test(line));
  if (exits.length === 0) return;
  const last = lastRequests.at(-1);
  if (last) {
    const crash: WireResult = { outcome: 'connection', ms: 0, error: exits.join('; ') };
    findings.add(operation.service, last.request, last.requestId, crash, {
      ok: false,
      kind: 'service crashed',
      detail: `${exits.join('; ')} (the request shown is the last one sent before it was noticed)`,
    });
  }
  await waitForServices();
}

/** Right after a hang: which services still answer a cheap request (a stuck service, or this request)? */
async function probeAfterHang(): Promise<string> {
  const token = await identities.token('admin');
  const answers = await Promise.all(
    Object.entries(PROBES).map(async ([service, path]) => {
      const result = await send(base, { method: 'GET', target: path, headers: { authorization: `Bearer ${token}` } }, 3_000);
      return `${service} ${result.outcome === 'response' ? result.status : result.outcome}`;
    }),
  );
  const direct: string[] = [];
  for (const [service, pid] of stack?.pids ?? []) {
    if (service === 'gateway' || !isRunning(pid)) continue;
    const socket = listeningSockets(pid).unixPaths[0];
    if (!socket) continue;
    direct.push(`${service} /healthz ${await getViaSocket(socket, '/healthz', 3_000)}`);
    direct.push(`${service} /readyz ${await getViaSocket(socket, '/readyz', 3_000)}`);
  }
  return [
    `probes right after the hang, through the gateway (GET, 3 s timeout): ${answers.join(', ')}`,
    `and straight to each service's socket: ${direct.join('; ')}`,
  ].join('\n    ');
}

/** Until every service answers through the gateway again (the launcher restarts crashed ones). */
async function waitForServices(): Promise<void> {
  const until = Date.now() + 60_000;
  for (const probe of Object.values(PROBES)) {
    while (Date.now() < until) {
      const result = await identities.call('GET', probe, 'admin').catch(() => undefined);
      if (result && result.status < 500) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Something to find for the fuzzer: a resource of each fleet type with an allocation, a translation. */
async function seed(): Promise<void> {
  const tomorrow = Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 10, 0);
  for (const type of ['cars', 'lorries', 'trucks', 'runways']) {
    const created = await identities.call('POST', `/api/${type}`, 'operator', { name: `fuzz seed ${type} ${SEED.toString(36)}` });
    if (created.status !== 201) throw new Error(`seeding ${type}: ${created.status} ${created.body}`);
    pool.harvest('POST', `/api/${type}`, created.status, created.body);
    const { id } = JSON.parse(created.body) as { id: number };
    const allocation = await identities.call('POST', `/api/${type}/${id}/allocations`, 'operator', {
      start: new Date(tomorrow).toISOString(),
      end: new Date(tomorrow + 3_600_000).toISOString(),
      holder: 'fuzz',
    });
    if (allocation.status !== 201) throw new Error(`seeding a ${type} allocation: ${allocation.status} ${allocation.body}`);
    pool.harvest('POST', `/api/${type}/${id}/allocations`, allocation.status, allocation.body);
  }
  const translation = await identities.call('POST', '/api/translate', 'admin', { text_de: 'Guten Morgen, wie geht es?' });
  pool.harvest('POST', '/api/translations', translation.status, translation.body);
}

/** The whole document (the fuzzer's own client keeps only the first 64 KiB of a body). */
async function fetchJson(path: string): Promise<unknown> {
  const response = await fetch(new URL(path, base), { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as unknown;
}

/** One seed per operation and role, from FUZZ_SEED: a run can be repeated exactly (given the same data). */
function seedFor(operation: string, role: Role, attempt: number): number {
  let hash = SEED;
  for (const char of `${operation} ${role} ${attempt}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

function findingAsJson(finding: Finding) {
  const { request, result } = finding.smallest;
  const body = request.body
    ? 'json' in request.body
      ? { json: toJsonText(request.body.json).slice(0, 2_000_000) }
      : typeof request.body.raw === 'string'
        ? { raw: request.body.raw.slice(0, 2_000_000), label: request.body.label }
        : { base64: request.body.raw.toString('base64').slice(0, 2_000_000), label: request.body.label }
    : undefined;
  return {
    kind: finding.kind,
    status: finding.status,
    services: [...finding.services],
    operations: [...finding.examples.keys()],
    detail: finding.detail,
    roles: [...finding.roles],
    count: finding.count,
    request: { method: request.method, path: request.path, query: request.query, headers: request.headers, role: request.role, auth: request.auth, body },
    response: result,
    serverLog: finding.serverLog,
  };
}
