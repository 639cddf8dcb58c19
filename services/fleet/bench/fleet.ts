/**
 * Fleet and gateway benchmark, every part in a process of its own as deployed: the users, fleet
 * and gateway services (their built `dist/main.js`, production settings), the load generator
 * (autocannon, load.ts) in another process, and for the proxy-cost comparison nginx (Debian's,
 * one worker, keep-alive to its upstream) and a trivial upstream. All paths run in one run, so
 * their ratios compare figures taken under the same conditions:
 *
 * - bookings: pgbench's `insert … tstzrange` on a table with the same exclusion constraint (the
 *   database's ceiling; PostgreSQL only), fleet direct, gateway → fleet. Afterwards every stored
 *   booking is read back through the API: every 201 must be stored, and no two may overlap;
 * - reads: `GET /cars/1` on fleet direct and through the gateway;
 * - proxy cost: the trivial upstream direct, behind nginx, behind a minimal Node.js proxy
 *   (minimal-proxy.mjs: node:http and undici, nothing else) and behind the gateway (auth on), each
 *   with the CPU time the proxy spent per request (from /proc: robust to a busy machine, unlike
 *   throughput, where nginx is bounded by the load generator sharing its cores).
 *
 *   npm run bench -- fleet [--clients 32] [--resources 50] [--seconds 10] [--warmup 2]
 *                          [--database both|postgresql|pglite] [--profile DIR]
 *
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL — a role that may create databases; each
 * service gets a database of its own, dropped afterwards. Without either, PGlite only. Loopback
 * only. Writes bench/results/fleet-<date>.md and .json. `--profile DIR`: every service runs with
 * `node --cpu-prof` and writes its profile into DIR when it stops (open them in Chrome DevTools).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from '../../../tests/embedded/launcher.js';
import { HORIZON_SLOTS, type LoadResult, type LoadSpec } from './load.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));
const UPSTREAM = fileURLToPath(new URL('./trivial-upstream.mjs', import.meta.url));
const MINIMAL_PROXY = fileURLToPath(new URL('./minimal-proxy.mjs', import.meta.url));
const entryPoint = (name: string) => join(ROOT, 'services', name, 'dist', 'main.js');
/** Each booking phase books in a century of its own, so phases never refuse each other's periods. */
const century = (n: number) => Date.UTC(2100 + n * 100, 0, 1);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Options {
  clients: number;
  resources: number;
  seconds: number;
  warmup: number;
  databases: ('postgresql' | 'pglite')[];
  profile: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      clients: { type: 'string', default: '32' },
      resources: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      database: { type: 'string', default: 'both' },
      profile: { type: 'string' },
    },
  });
  const number = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
    return n;
  };
  const wanted = values.database;
  if (!['both', 'postgresql', 'pglite'].includes(wanted))
    throw new Error('--database must be both, postgresql or pglite');
  if (wanted === 'postgresql' && !adminUrl())
    throw new Error('--database postgresql needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
  const databases: Options['databases'] =
    wanted === 'both' ? (adminUrl() ? ['postgresql', 'pglite'] : ['pglite']) : [wanted as 'postgresql' | 'pglite'];
  return {
    clients: Math.floor(number('clients', values.clients, 1, 1024)),
    resources: Math.floor(number('resources', values.resources, 1, 10_000)),
    seconds: number('seconds', values.seconds, 1, 600),
    warmup: number('warmup', values.warmup, 0, 600),
    databases,
    profile: values.profile,
  };
}

function adminUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

// ------------------------------------------------------------------------------------------------
// Processes

interface Running {
  name: string;
  child: ChildProcess;
  url: string;
}
const running: Running[] = [];

/** The environment a deployed service gets: nothing of this shell's (no OTEL_*, no DATABASE_URL). */
function serviceEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir() };
  Object.assign(env, { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0' }, extra);
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/** Forks a script that reports `{ type: 'listening', port }` over IPC (kit's runService does). */
function startProcess(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  execArgv: string[] = [],
): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { env, execArgv, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within 60 s: ${stderr}`)), 60_000);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type !== 'listening' || message.port === undefined) return;
      clearTimeout(timer);
      const started = { name, child, url: `http://127.0.0.1:${message.port}` };
      running.push(started);
      resolve(started);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before listening: ${stderr}`));
    });
  });
}

let profileDir: string | undefined;
let profiles = 0;
const startService = (name: string, extra: Record<string, string | undefined>) =>
  startProcess(
    name,
    entryPoint(name),
    [],
    serviceEnv(extra),
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${++profiles}.cpuprofile`] : [],
  );

async function stopAll(): Promise<void> {
  await Promise.all(
    running.splice(0).map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** CPU seconds (user + system) a process and its children (nginx's workers) have used so far. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const ticks = (id: number | string) => {
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11]) + Number(fields[12]); // utime, stime
    };
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return [pid, ...children].reduce((sum: number, id) => sum + ticks(id), 0) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: Linux reports CPU time in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS = 100;

function rssMiB(pid: number | undefined): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024, 1) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs load.ts in a process of its own and returns what it measured. */
function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the load generator exited with ${code}`));
      resolve(JSON.parse(out) as LoadResult);
    });
  });
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL: a database per service, and pgbench

interface Postgres {
  urlFor(database: string): string;
  drop(): Promise<void>;
  version: string;
}

async function createDatabases(admin: string, names: string[]): Promise<Postgres> {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect().catch((error: Error) => {
    const { hostname, port } = new URL(admin);
    throw new Error(`cannot reach PostgreSQL at ${hostname}:${port || 5432} (BENCH_DATABASE_URL or TEST_DATABASE_URL): ${error.message}`);
  });
  const version = (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?';
  const created: string[] = [];
  for (const name of names) {
    const database = `flotilla_bench_${name}_${suffix}`;
    await client.query(`create database ${database}`);
    created.push(database);
  }
  const urlFor = (name: string) => {
    const url = new URL(admin);
    url.pathname = `/flotilla_bench_${name}_${suffix}`;
    return url.toString();
  };
  return {
    urlFor,
    version,
    async drop() {
      for (const database of created) await client.query(`drop database if exists ${database} with (force)`);
      await client.end();
    },
  };
}

/** Debian's pgbench: on PATH from postgresql-client, or beside the newest server installed. */
function pgbenchBinary(): string | undefined {
  if (existsSync('/usr/bin/pgbench')) return '/usr/bin/pgbench';
  const dir = '/usr/lib/postgresql';
  const versions = existsSync(dir) ? readdirSync(dir).filter((v) => /^\d+$/.test(v)) : [];
  return versions
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(dir, v, 'bin', 'pgbench'))
    .find(existsSync);
}

interface PgbenchResult {
  tps: number;
  /** Rows inserted per second of the measured run: refused overlaps left out, as for fleet's 409s. */
  bookingsPerSecond: number;
  latencyAverageMs: number;
  transactions: number;
  inserted: number;
}

/**
 * The ceiling: the same insert fleet makes (a tstzrange period, an exclusion constraint on
 * resource and period), from pgbench's own clients. `on conflict do nothing` stands in for fleet's
 * refused overlaps (pgbench would abort a client on the error).
 */
async function pgbench(databaseUrl: string, opts: Options, dir: string): Promise<PgbenchResult | string> {
  const binary = pgbenchBinary();
  if (!binary) return 'not measured: pgbench is not installed (Debian: postgresql-client)';
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('create extension if not exists btree_gist');
  await client.query(`create table bench_allocations (
    id bigserial primary key, resource_id integer not null, period tstzrange not null, holder text not null,
    exclude using gist (resource_id with =, period with &&))`);
  const script = join(dir, 'booking.sql');
  writeFileSync(
    script,
    [
      `\\set r random(1, ${opts.resources})`,
      `\\set s random(0, ${HORIZON_SLOTS - 1})`,
      '\\set l random(1, 16)',
      "insert into bench_allocations (resource_id, period, holder) values (:r, tstzrange(timestamptz '2500-01-01 00:00Z' + :s * interval '15 minutes', timestamptz '2500-01-01 00:00Z' + (:s + :l) * interval '15 minutes', '[)'), 'bench') on conflict do nothing;",
      '',
    ].join('\n'),
  );
  const url = new URL(databaseUrl);
  const run = (seconds: number) =>
    execFileSync(
      binary,
      ['-n', '-c', String(opts.clients), '-j', String(cpus().length), '-T', String(seconds), '-f', script,
        '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), url.pathname.slice(1)],
      // The password by environment, never on a command line another user can list.
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } },
    );
  try {
    const count = async () =>
      Number((await client.query<{ n: string }>('select count(*) as n from bench_allocations')).rows[0]?.n);
    if (opts.warmup > 0) run(Math.ceil(opts.warmup));
    const before = await count();
    const seconds = Math.ceil(opts.seconds);
    const output = run(seconds);
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
    const inserted = (await count()) - before;
    return { tps: round(tps), bookingsPerSecond: round(inserted / seconds, 1), latencyAverageMs: round(latency), transactions, inserted };
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------------------------
// nginx in front of the trivial upstream

function nginxBinary(): string | undefined {
  return ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
}

/** nginx as the edge runs it, reduced to the proxy: one worker, keep-alive to the upstream. */
async function startNginx(upstreamUrl: string, dir: string): Promise<Running | string> {
  const binary = nginxBinary();
  if (!binary) return 'not measured: nginx is not installed (Debian: nginx-light)';
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream trivial { server ${new URL(upstreamUrl).host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://trivial;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const child = spawn(binary, ['-e', join(prefix, 'error.log'), '-p', prefix, '-c', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/`).then((r) => r.ok, () => false)) {
      const started = { name: 'nginx', child, url };
      running.push(started);
      return started;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  return `not measured: nginx did not start (${readFileSync(join(prefix, 'error.log'), 'utf8').slice(-500)})`;
}

// ------------------------------------------------------------------------------------------------
// The API, for setting up and for checking what was stored

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

interface Stored {
  ids: Set<number>;
  overlappingPairs: number;
}

/** Every allocation of every car, through fleet's own API: what was stored, and whether any overlap. */
async function readBack(fleetUrl: string, token: string, cars: number[]): Promise<Stored> {
  const ids = new Set<number>();
  let overlappingPairs = 0;
  for (const car of cars) {
    const periods: [number, number][] = [];
    let cursor: string | null = null;
    do {
      const query = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(fleetUrl, 'GET', `/cars/${car}/allocations?${query}`, token);
      for (const item of page.items as { id: number; start: string; end: string }[]) {
        ids.add(item.id);
        periods.push([Date.parse(item.start), Date.parse(item.end)]);
      }
      cursor = page.nextCursor as string | null;
    } while (cursor);
    periods.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < periods.length; i++) {
      if ((periods[i] as [number, number])[0] < (periods[i - 1] as [number, number])[1]) overlappingPairs++;
    }
  }
  return { ids, overlappingPairs };
}

// ------------------------------------------------------------------------------------------------
// The run

interface Phase {
  database: string;
  group: 'bookings' | 'reads' | 'proxy cost';
  name: string;
  result?: LoadResult;
  pgbench?: PgbenchResult;
  /** Why it was not measured. */
  skipped?: string;
  /** Bookings: how many were answered 201 (warm-up included), and how many of those are not stored. */
  acknowledged?: number;
  missing?: number;
  /** Proxy cost: CPU time the process answering spent per request (nginx: its master and worker). */
  cpuMicrosPerRequest?: number | undefined;
}

async function runOn(database: 'postgresql' | 'pglite', opts: Options, dir: string, withProxyCost: boolean) {
  const phases: Phase[] = [];
  const memory: Record<string, number | undefined> = {};
  const password = randomBytes(18).toString('base64url');
  const gatewaySecret = randomBytes(24).toString('base64url');
  const postgres = database === 'postgresql' ? await createDatabases(adminUrl() as string, ['users', 'fleet', 'ceiling']) : undefined;
  const store = (name: string) =>
    postgres ? { DATABASE_URL: postgres.urlFor(name) } : { DATA_DIR: join(dir, database, name) };
  try {
    // On PostgreSQL users takes its signing key from outside (replicas share it), as deployed.
    const signingKey = postgres
      ? String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))
      : undefined;
    const users = await startService('users', {
      ...store('users'),
      FLOTILLA_ADMIN_PASSWORD: password,
      GATEWAY_SECRET: gatewaySecret,
      SIGNING_KEY: signingKey,
    });
    const fleet = await startService('fleet', { ...store('fleet'), USERS_URL: users.url });
    const gateway = await startService('gateway', { USERS_URL: users.url, FLEET_URL: fleet.url, GATEWAY_SECRET: gatewaySecret });
    const login = await call(gateway.url, 'POST', '/api/auth/login', undefined, { username: 'admin', password });
    const token = String(login.accessToken);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const cars: number[] = [];
    for (let i = 0; i < opts.resources; i++) {
      cars.push(Number((await call(gateway.url, 'POST', '/api/cars', token, { name: `bench-${i}` })).id));
    }
    const spec = { clients: opts.clients, seconds: opts.seconds, warmup: opts.warmup, headers };
    const label = `${database}${postgres ? ` ${postgres.version}` : ''}`;

    if (postgres) {
      log(`${label}: pgbench (the ceiling)`);
      const ceiling = await pgbench(postgres.urlFor('ceiling'), opts, dir);
      phases.push(
        typeof ceiling === 'string'
          ? { database: label, group: 'bookings', name: 'pgbench: the same insert (ceiling)', skipped: ceiling }
          : { database: label, group: 'bookings', name: 'pgbench: the same insert (ceiling)', pgbench: ceiling },
      );
    }
    const bookingPhases = [
      { name: 'fleet direct', url: fleet.url, path: '/cars/{id}/allocations', epoch: century(1) },
      { name: 'gateway → fleet', url: gateway.url, path: '/api/cars/{id}/allocations', epoch: century(2) },
    ];
    for (const phase of bookingPhases) {
      log(`${label}: bookings, ${phase.name}`);
      const result = await load({ ...spec, url: phase.url, kind: 'book', path: phase.path, resources: cars, epoch: phase.epoch });
      phases.push({ database: label, group: 'bookings', name: phase.name, result });
    }
    log(`${label}: reading every booking back`);
    const stored = await readBack(fleet.url, token, cars);
    for (const phase of phases) {
      if (!phase.result || phase.group !== 'bookings') continue;
      phase.acknowledged = phase.result.acknowledged.length;
      phase.missing = phase.result.acknowledged.filter((id) => !stored.ids.has(id)).length;
      // The ids are checked; the report keeps their count only.
      phase.result.acknowledged = [];
    }

    const car = cars[0] as number;
    for (const phase of [
      { name: 'GET /cars/1, fleet direct', url: fleet.url, path: `/cars/${car}` },
      { name: 'GET /cars/1, gateway → fleet', url: gateway.url, path: `/api/cars/${car}` },
    ]) {
      log(`${label}: reads, ${phase.name}`);
      phases.push({ database: label, group: 'reads', name: phase.name, result: await load({ ...spec, ...phase, kind: 'get' }) });
    }

    if (withProxyCost) {
      const upstream = await startProcess('trivial upstream', UPSTREAM, ['0'], serviceEnv({}));
      const nginx = await startNginx(upstream.url, dir);
      const minimal = await startProcess('minimal proxy', MINIMAL_PROXY, [upstream.url], serviceEnv({}));
      const proxied = await startService('gateway', { USERS_URL: users.url, FLEET_URL: upstream.url, GATEWAY_SECRET: gatewaySecret });
      const cost = [
        { name: 'trivial upstream direct', process: upstream, path: '/cars/1' },
        typeof nginx === 'string'
          ? { name: 'nginx → trivial upstream', skipped: nginx }
          : { name: 'nginx → trivial upstream', process: nginx, path: '/cars/1' },
        { name: 'minimal Node.js proxy → trivial upstream', process: minimal, path: '/cars/1' },
        { name: 'gateway (auth on) → trivial upstream', process: proxied, path: '/api/cars/1' },
      ];
      for (const phase of cost) {
        if ('skipped' in phase) {
          phases.push({ database: '–', group: 'proxy cost', name: phase.name, skipped: phase.skipped });
          continue;
        }
        log(`proxy cost: ${phase.name}`);
        const before = cpuSeconds(phase.process.child.pid);
        const result = await load({ ...spec, url: phase.process.url, path: phase.path, kind: 'get' });
        const after = cpuSeconds(phase.process.child.pid);
        // Warm-up included: the CPU counters cannot tell its requests apart.
        const answered = result.requests + Object.values(result.warmupStatuses).reduce((sum, n) => sum + n, 0);
        const cpuMicrosPerRequest =
          before === undefined || after === undefined || answered === 0 ? undefined : round(((after - before) * 1e6) / answered, 1);
        phases.push({ database: '–', group: 'proxy cost', name: phase.name, result, cpuMicrosPerRequest });
      }
      memory['gateway (trivial upstream)'] = rssMiB(proxied.child.pid);
    }
    for (const [name, proc] of Object.entries({ users, fleet, gateway })) memory[name] = rssMiB(proc.child.pid);
    return { database: label, phases, overlappingPairs: stored.overlappingPairs, rssMiB: memory };
  } finally {
    await stopAll();
    await postgres?.drop();
  }
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.profile) {
    profileDir = resolve(opts.profile);
    mkdirSync(profileDir, { recursive: true });
  }
  const budget = (opts.seconds + opts.warmup) * 10 * opts.databases.length + 300;
  setTimeout(() => {
    log('benchmark exceeded its time budget; stopping');
    for (const { child } of running) child.kill('SIGKILL');
    process.exit(2);
  }, budget * 1000).unref();
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
  const loadBefore = loadavg();
  const runs = [];
  try {
    for (const [i, database] of opts.databases.entries()) runs.push(await runOn(database, opts, dir, i === 0));
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const report = {
    benchmark: 'fleet',
    date: new Date().toISOString(),
    command: `npm run bench -- fleet ${process.argv.slice(2).filter((a) => a !== 'fleet').join(' ')}`.trim(),
    parameters: { ...opts, bookings: '1–16 fifteen-minute slots at a random slot of ten years, on a random car' },
    environment: {
      node: process.version,
      cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
      loadAverage: { before: loadBefore.map((n) => round(n)), after: loadavg().map((n) => round(n)) },
    },
    runs,
    targets: targets(runs.flatMap((r) => r.phases)),
  };
  writeReport(report);
}

const perSecond = (p: Phase | undefined) => p?.pgbench?.tps ?? p?.result?.requestsPerSecond;
const bookingsPerSecond = (p: Phase | undefined) =>
  p?.pgbench ? p.pgbench.bookingsPerSecond : p?.result ? round((p.result.statuses['201'] ?? 0) / p.result.seconds, 1) : undefined;

/** The issue's targets, from this run's figures (benchmarks are judged by reading, never asserted). */
function targets(phases: Phase[]) {
  const find = (database: string, name: string) => phases.find((p) => p.database.startsWith(database) && p.name === name);
  const ceiling = bookingsPerSecond(find('postgresql', 'pgbench: the same insert (ceiling)'));
  const gateway = find('postgresql', 'gateway → fleet');
  const direct = bookingsPerSecond(find('postgresql', 'fleet direct'));
  const nginx = find('–', 'nginx → trivial upstream');
  const proxied = find('–', 'gateway (auth on) → trivial upstream');
  const upstream = find('–', 'trivial upstream direct');
  const out: { target: string; measured: string; met: boolean | undefined }[] = [];
  const add = (target: string, measured: string, met: boolean | undefined) => out.push({ target, measured, met });
  const g = bookingsPerSecond(gateway);
  add('bookings through the gateway ≥ 3,000/s (PostgreSQL)', g === undefined ? 'not measured' : `${g}/s`, g === undefined ? undefined : g >= 3000);
  add('… and ≥ ⅓ of pgbench', ceiling && g !== undefined ? `${round(g / ceiling, 3)}× of ${ceiling}/s` : 'not measured', ceiling && g !== undefined ? g >= ceiling / 3 : undefined);
  const p99 = gateway?.result?.latencyMs.p99;
  add('gateway bookings p99 < 50 ms at 32 clients', p99 === undefined ? 'not measured' : `${p99} ms`, p99 === undefined ? undefined : p99 < 50);
  add('fleet direct ≥ ½ of pgbench', ceiling && direct !== undefined ? `${round(direct / ceiling, 3)}× (${direct}/s)` : 'not measured', ceiling && direct !== undefined ? direct >= ceiling / 2 : undefined);
  const n = perSecond(nginx);
  const q = perSecond(proxied);
  add('gateway ≥ 0.8× nginx in front of the same upstream', n && q ? `${round(q / n, 3)}× (${q} vs ${n} req/s)` : 'not measured', n && q ? q >= 0.8 * n : undefined);
  const added = proxied?.result && upstream?.result ? round(proxied.result.latencyMs.p50 - upstream.result.latencyMs.p50, 2) : undefined;
  add('gateway adds ≤ 1 ms at p50', added === undefined ? 'not measured' : `${added} ms (autocannon resolves 1 ms)`, added === undefined ? undefined : added <= 1);
  return out;
}

/** Each proxy's throughput and CPU per request beside nginx's, with the gateway's multiple of each. */
function proxyCostTable(phases: Phase[]): string[] {
  const measured = phases.filter((p) => p.group === 'proxy cost' && p.result);
  if (measured.length === 0) return [];
  const nginx = measured.find((p) => p.name === 'nginx → trivial upstream');
  const times = (a: number | undefined, b: number | undefined) => (a && b ? `${round(a / b, 2)}×` : '–');
  return [
    '## The proxy\'s own cost',
    '',
    'CPU time is what the process answering spent per request (user + system, warm-up included; nginx: master and worker), read from `/proc` before and after its phase. Throughput compares poorly here: nginx is held back by the load generator on the same cores. CPU per request does not depend on that, though a busy machine still inflates it (fewer requests per event-loop turn).',
    '',
    '| path | req/s | × nginx | CPU µs per request | × nginx |',
    '|---|---:|---:|---:|---:|',
    ...measured.map((p) => {
      const r = p.result as LoadResult;
      return `| ${p.name} | ${r.requestsPerSecond} | ${times(r.requestsPerSecond, nginx?.result?.requestsPerSecond)} | ${p.cpuMicrosPerRequest ?? '–'} | ${times(p.cpuMicrosPerRequest, nginx?.cpuMicrosPerRequest)} |`;
    }),
    '',
  ];
}

type Report = {
  date: string;
  command: string;
  parameters: Options & { bookings: string };
  environment: { node: string; cpu: string; loadAverage: { before: number[]; after: number[] } };
  runs: Awaited<ReturnType<typeof runOn>>[];
  targets: ReturnType<typeof targets>;
};

function writeReport(report: Report & { benchmark: string }) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `fleet-${report.date.slice(0, 10)}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const other = (r: LoadResult) =>
    [
      ...Object.entries(r.statuses)
        .filter(([s]) => !['200', '201', '409'].includes(s))
        .map(([s, n]) => `${s}×${n}`),
      ...(r.errors ? [`errors×${r.errors}`] : []),
    ].join(' ') || '–';
  const row = (p: Phase) => {
    if (p.skipped) return `| ${p.database} | ${p.group} | ${p.name} | ${p.skipped} | | | | | |`;
    if (p.pgbench) return `| ${p.database} | ${p.group} | ${p.name} | ${p.pgbench.bookingsPerSecond} bookings/s | ${p.pgbench.tps} | avg ${p.pgbench.latencyAverageMs} | – | – | ${p.pgbench.transactions - p.pgbench.inserted} overlaps skipped |`;
    const r = p.result as LoadResult;
    const ok = p.group === 'bookings' ? `${round((r.statuses['201'] ?? 0) / r.seconds, 1)} bookings/s` : `${r.statuses['200'] ?? 0} × 200`;
    const check = p.acknowledged === undefined ? '–' : `${p.acknowledged}, ${p.missing} missing${p.missing === 0 ? ' ✓' : ' ✗'}`;
    return `| ${p.database} | ${p.group} | ${p.name} | ${ok} | ${r.requestsPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${check} | ${other(r)} |`;
  };
  const markdown = [
    `# Fleet and gateway benchmark — ${report.date}`,
    '',
    `Command: \`${report.command}\``,
    '',
    `Every part in a process of its own (users, fleet, gateway as built, production settings; nginx ${nginxBinary() ? 'from Debian' : '(missing)'}, one worker, keep-alive to its upstream); load from autocannon in another process, ${report.parameters.clients} keep-alive connections, ${report.parameters.seconds} s per phase after ${report.parameters.warmup} s of warm-up; ${report.parameters.resources} cars; bookings are ${report.parameters.bookings}. Latency in ms over every answer (201 and 409 alike). "201s checked": the bookings answered 201 (warm-up included), each looked up afterwards among those fleet's API lists. pgbench runs the same insert with \`on conflict do nothing\` for fleet's refused overlaps; its figure counts the rows inserted.`,
    '',
    `${report.environment.cpu}, Node ${report.environment.node}; load average (1, 5, 15 min) before ${report.environment.loadAverage.before.join(' ')}, after ${report.environment.loadAverage.after.join(' ')}. The load generator shares the machine's cores with what it measures.`,
    '',
    '| database | group | path | answered | req/s | p50 | p99 | 201s checked | other |',
    '|---|---|---|---|---:|---:|---:|---|---|',
    ...report.runs.flatMap((r) => r.phases.map(row)),
    '',
    ...report.runs.map(
      (r) =>
        `- ${r.database}: overlapping bookings found afterwards: **${r.overlappingPairs}**; RSS after the run: ${Object.entries(r.rssMiB)
          .map(([name, mib]) => `${name} ${mib ?? '?'} MiB`)
          .join(', ')}`,
    ),
    '',
    ...proxyCostTable(report.runs.flatMap((r) => r.phases)),
    '## Targets (issue 15)',
    '',
    '| target | measured | met |',
    '|---|---|:-:|',
    ...report.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : 'no'} |`),
    '',
  ].join('\n');
  writeFileSync(`${stem}.md`, markdown);
  log(markdown);
  log(`report: ${stem}.md and .json`);
}

await main();
