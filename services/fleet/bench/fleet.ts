/**
 * Fleet booking benchmark: N concurrent clients book random periods on M cars for a fixed time,
 * directly against the fleet service and through the gateway, then the same inserts as plain SQL
 * against the same database (the ceiling). Loopback only; every phase is bounded in time.
 *
 *   node --import tsx services/fleet/bench/fleet.ts [--clients 32] [--resources 50] [--seconds 10]
 *        [--warmup 1] [--gateway-url http://127.0.0.1:8080] [--token JWT]
 *
 * Fleet runs in-process on PGlite in a temporary directory, or on DATABASE_URL when set.
 * Writes bench/results/fleet-<date>.md and .json at the repository root.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ServiceApp } from '@flotilla/kit';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type Kysely, sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadFleetConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SLOT_MS = 15 * 60_000;
// Bookings land at random 15-minute slots within a year, 1 to 16 slots long: with the default
// load this gives a modest, non-zero conflict share. Each phase books in its own century so
// phases never collide with each other's allocations.
const HORIZON_SLOTS = 365 * 24 * 4;

interface Options {
  clients: number;
  resources: number;
  seconds: number;
  warmup: number;
  gatewayUrl: string | undefined;
  token: string | undefined;
}

function options(): Options {
  // `npm run bench -- fleet --clients 8` passes the scenario name through; ignore positionals.
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      clients: { type: 'string', default: '32' },
      resources: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      'gateway-url': { type: 'string' },
      token: { type: 'string' },
    },
  });
  const positive = (name: string, text: string, max: number) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new Error(`--${name} must be a number in (0, ${max}]`);
    return n;
  };
  const gatewayUrl = values['gateway-url'];
  if (gatewayUrl !== undefined) {
    const host = new URL(gatewayUrl).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
      throw new Error(
        `--gateway-url must be a loopback address (got ${host}): this benchmark stays on this machine`,
      );
    }
  }
  return {
    clients: Math.floor(positive('clients', values.clients, 1024)),
    resources: Math.floor(positive('resources', values.resources, 10_000)),
    seconds: positive('seconds', values.seconds, 600),
    warmup: Number(values.warmup) >= 0 ? Number(values.warmup) : 1,
    gatewayUrl,
    token: values.token ?? process.env.FLEET_BENCH_TOKEN,
  };
}

interface Booking {
  resource: number;
  start: string;
  end: string;
}

function randomBooking(resources: number[], epoch: number): Booking {
  const resource = resources[Math.floor(Math.random() * resources.length)] as number;
  const slot = Math.floor(Math.random() * HORIZON_SLOTS);
  const length = 1 + Math.floor(Math.random() * 16);
  return {
    resource,
    start: new Date(epoch + slot * SLOT_MS).toISOString(),
    end: new Date(epoch + (slot + length) * SLOT_MS).toISOString(),
  };
}

interface PhaseResult {
  name: string;
  seconds: number;
  requests: number;
  created: number;
  conflicts: number;
  /** Anything that was neither a booking nor an overlap, by status (or error name). */
  other: Record<string, number>;
  allocationsPerSecond: number;
  requestsPerSecond: number;
  conflictShare: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/** Runs `clients` loops of `attempt` until the deadline; `attempt` answers a status key. */
async function phase(
  name: string,
  clients: number,
  seconds: number,
  warmup: number,
  attempt: () => Promise<string>,
): Promise<PhaseResult> {
  const loop = async (until: number, record: (status: string, ms: number) => void) => {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const began = performance.now();
          const status = await attempt();
          record(status, performance.now() - began);
        }
      }),
    );
  };
  if (warmup > 0) await loop(performance.now() + warmup * 1000, () => {});

  const tally: Record<string, number> = {};
  const latencies: number[] = [];
  const began = performance.now();
  await loop(began + seconds * 1000, (status, ms) => {
    tally[status] = (tally[status] ?? 0) + 1;
    latencies.push(ms);
  });
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const created = tally.created ?? 0;
  const conflicts = tally.conflict ?? 0;
  const other = Object.fromEntries(
    Object.entries(tally).filter(([key]) => key !== 'created' && key !== 'conflict'),
  );
  return {
    name,
    seconds: round(elapsed),
    requests: latencies.length,
    created,
    conflicts,
    other,
    allocationsPerSecond: round(created / elapsed),
    requestsPerSecond: round(latencies.length / elapsed),
    conflictShare: round(latencies.length ? conflicts / latencies.length : 0, 4),
    latencyMs: { p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), max: quantile(1) },
  };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function httpClient(baseUrl: string, token: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return async (path: string, body: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

async function createCars(
  post: ReturnType<typeof httpClient>,
  prefix: string,
  count: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await post(`${prefix}/cars`, { name: `bench-${i}`, attributes: { bench: true } });
    if (response.status !== 201) {
      throw new Error(
        `creating a car at ${prefix}/cars answered ${response.status}: ${JSON.stringify(response.json)}`,
      );
    }
    ids.push((response.json as { id: number }).id);
  }
  return ids;
}

function bookingAttempt(
  post: ReturnType<typeof httpClient>,
  prefix: string,
  resources: number[],
  epoch: number,
) {
  return async () => {
    const booking = randomBooking(resources, epoch);
    try {
      const response = await post(`${prefix}/cars/${booking.resource}/allocations`, {
        start: booking.start,
        end: booking.end,
        holder: 'bench',
      });
      return response.status === 201
        ? 'created'
        : response.status === 409
          ? 'conflict'
          : String(response.status);
    } catch (error) {
      return (error as Error).name;
    }
  };
}

function sqlAttempt(db: Kysely<DB>, resources: number[], epoch: number) {
  return async () => {
    const booking = randomBooking(resources, epoch);
    try {
      await sql`insert into allocations (resource_id, period, holder)
        values (${booking.resource}, tstzrange(${booking.start}::timestamptz, ${booking.end}::timestamptz, '[)'), 'bench')`.execute(
        db,
      );
      return 'created';
    } catch (error) {
      return (error as { code?: string }).code === '23P01'
        ? 'conflict'
        : `sql ${(error as { code?: string }).code}`;
    }
  };
}

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Stands in for the users service's token keys: a loopback JWKS with a fresh Ed25519 key, and an
 * operator access token signed with it, so the in-process gateway admits the benchmark's bookings.
 */
async function benchIdentity(): Promise<{ jwksUrl: string; token: string; server: Server }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fleet-bench', alg: 'EdDSA', use: 'sig' };
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const token = await new SignJWT({ username: 'fleet-bench', roles: ['operator'] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'fleet-bench' })
    .setIssuer('flotilla-users')
    .setAudience('flotilla')
    .setSubject('1')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  return { jwksUrl: `http://127.0.0.1:${address.port}/.well-known/jwks.json`, token, server };
}

/** The gateway in-process, routing to this fleet; or the reason it cannot start. */
async function startGateway(
  fleetUrl: string,
  jwksUrl: string,
): Promise<{ app: ServiceApp } | { skipped: string }> {
  try {
    const gatewayApp = (await import('../../gateway/src/app.js')) as {
      buildApp: (config: unknown) => Promise<ServiceApp>;
    };
    const gatewayConfig = (await import('../../gateway/src/config.js')) as {
      loadGatewayConfig: (env: NodeJS.ProcessEnv) => unknown;
    };
    const config = gatewayConfig.loadGatewayConfig({
      LOG_LEVEL: 'warn',
      FLEET_URL: fleetUrl,
      JWKS_URL: jwksUrl,
      PORT: '0',
    });
    return { app: await gatewayApp.buildApp(config) };
  } catch (error) {
    return { skipped: `the gateway could not be started in-process: ${(error as Error).message}` };
  }
}

async function main() {
  const opts = options();
  const hardStop = setTimeout(
    () => {
      process.stderr.write('benchmark exceeded its time budget; stopping\n');
      process.exit(2);
    },
    (opts.seconds * 3 + opts.warmup * 3 + 120) * 1000,
  );
  hardStop.unref();

  const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  let db: Kysely<DB> | undefined;
  // Fleet verifies tokens itself, so the in-process fleet trusts the benchmark's own key set.
  const identity = await benchIdentity();
  const fleet = await buildApp(
    {
      ...loadFleetConfig({ LOG_LEVEL: 'warn', USERS_URL: new URL(identity.jwksUrl).origin }),
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: dataDir,
    },
    { onDatabase: (handle) => (db = handle) },
  );
  let gateway: ServiceApp | undefined;
  try {
    if (!db) throw new Error('fleet did not hand out its database');
    const fleetUrl = await listen(fleet);
    const database = process.env.DATABASE_URL ? 'postgresql' : `pglite (${dataDir})`;
    const serverVersion = (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]?.v ?? '';
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(
      `fleet at ${fleetUrl} on ${database}; ${opts.clients} clients, ${opts.resources} cars, ${opts.seconds}s per phase`,
    );

    const direct = httpClient(fleetUrl, identity.token);
    const cars = await createCars(direct, '', opts.resources);
    const results: PhaseResult[] = [];
    const century = (n: number) => Date.UTC(2100 + n * 100, 0, 1);

    log('phase: direct HTTP');
    results.push(
      await phase(
        'direct (HTTP → fleet)',
        opts.clients,
        opts.seconds,
        opts.warmup,
        bookingAttempt(direct, '', cars, century(1)),
      ),
    );

    let gatewayNote: string | undefined;
    let gatewayUrl = opts.gatewayUrl;
    let gatewayToken = opts.token;
    if (!gatewayUrl) {
      gatewayToken = identity.token;
      const started = await startGateway(fleetUrl, identity.jwksUrl);
      if ('app' in started) {
        gateway = started.app;
        gatewayUrl = await listen(gateway);
      } else gatewayNote = started.skipped;
    }
    if (gatewayUrl) {
      log(`phase: through the gateway at ${gatewayUrl}`);
      const viaGateway = httpClient(gatewayUrl, gatewayToken);
      try {
        // An external gateway routes to its own fleet, so its cars are created through it.
        const gatewayCars = opts.gatewayUrl ? await createCars(viaGateway, '/api', opts.resources) : cars;
        results.push(
          await phase(
            'gateway (HTTP → gateway → fleet)',
            opts.clients,
            opts.seconds,
            opts.warmup,
            bookingAttempt(viaGateway, '/api', gatewayCars, century(2)),
          ),
        );
      } catch (error) {
        gatewayNote = `gateway phase skipped: ${(error as Error).message}`;
      }
    }
    if (gatewayNote) log(gatewayNote);

    log('phase: plain SQL inserts on the same database');
    const handle = db;
    results.push(
      await phase(
        'plain SQL (ceiling)',
        opts.clients,
        opts.seconds,
        opts.warmup,
        sqlAttempt(handle, cars, century(3)),
      ),
    );

    const overlaps = await sql<{ n: number }>`
      select count(*)::int as n from allocations a join allocations b
        on a.resource_id = b.resource_id and a.id < b.id and a.period && b.period
      where a.resource_id = any(${cars})`.execute(handle);

    const report = {
      benchmark: 'fleet',
      date: new Date().toISOString(),
      command: `node --import tsx services/fleet/bench/fleet.ts ${process.argv.slice(2).join(' ')}`.trim(),
      parameters: {
        ...opts,
        token: opts.token ? '[given]' : undefined,
        bookingSlots: '1-16 × 15 min within one year',
      },
      environment: {
        node: process.version,
        cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
        database,
        serverVersion,
        gateway: opts.gatewayUrl ? `external ${opts.gatewayUrl}` : gateway ? 'in-process' : 'not measured',
      },
      notes: gatewayNote ? [gatewayNote] : [],
      overlappingPairsAfterRun: overlaps.rows[0]?.n ?? -1,
      phases: results,
    };
    writeReport(report);
    for (const r of results) {
      log(
        `${r.name}: ${r.allocationsPerSecond} allocations/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, 409 share ${(r.conflictShare * 100).toFixed(1)}%`,
      );
    }
  } finally {
    await gateway?.close();
    identity.server.close();
    await fleet.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function writeReport(report: {
  date: string;
  command: string;
  parameters: Record<string, unknown>;
  environment: Record<string, string>;
  notes: string[];
  overlappingPairsAfterRun: number;
  phases: PhaseResult[];
}) {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `fleet-${report.date.slice(0, 10)}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const rows = report.phases.map(
    (r) =>
      `| ${r.name} | ${r.allocationsPerSecond} | ${r.requestsPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${(r.conflictShare * 100).toFixed(1)}% | ${r.created} | ${r.conflicts} | ${
        Object.entries(r.other)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ') || '–'
      } |`,
  );
  const markdown = [
    `# Fleet booking benchmark — ${report.date}`,
    '',
    `Command: \`${report.command}\``,
    '',
    `${report.parameters.clients} concurrent clients book random periods (1–16 fifteen-minute slots at a random slot within a year) on ${report.parameters.resources} cars for ${report.parameters.seconds} s per phase, after ${report.parameters.warmup} s of warm-up. Latency is per request, 201 and 409 alike. The plain-SQL phase issues the same inserts (\`insert into allocations … values (…)\`, same exclusion constraint) through the service's own connection pool, with no HTTP, JSON or validation: the ceiling the service could reach on this database.`,
    '',
    '| phase | allocations/s | requests/s | p50 ms | p99 ms | 409 share | created | refused (overlap) | other |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `Overlapping allocation pairs after the run (SQL check): **${report.overlappingPairsAfterRun}**.`,
    '',
    '## Environment',
    '',
    ...Object.entries(report.environment).map(([k, v]) => `- ${k}: ${v}`),
    ...(report.notes.length ? ['', '## Notes', '', ...report.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
  writeFileSync(`${stem}.md`, markdown);
  process.stderr.write(`report: ${stem}.md and .json\n`);
}

await main();
