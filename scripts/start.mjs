#!/usr/bin/env node
// The embedded launcher: `npm start`. Builds what is missing, starts the gateway and every
// service at once, each its own Node process with its own PGlite data directory, waits until all
// are ready and prints the URL. Ctrl-C stops everything gracefully; a service that dies is
// restarted with backoff.
//
// Only the gateway listens on a port. The services listen on Unix sockets in a directory only this
// user can open, so no other local user can call them, or bind a dead service's address during its
// restart and pose as it (a loopback port can be taken by anyone); every process, the gateway too,
// serves its Prometheus metrics on a socket of its own there, never on the gateway's port.
// Everything written under the data directory is private to this user too (umask 077).
//
// Tracing: the OTEL_* variables pass through to every process; with OTEL_EXPORTER_OTLP_ENDPOINT
// set, each exports its spans there (packages/kit/src/tracing.ts).
import { randomBytes } from 'node:crypto';
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { domainServices, entryPoint, ROOT, URL_VARIABLE } from './stack.mjs';

process.umask(0o077);

const startedAt = Date.now();
const gatewayPort = Number(process.env.PORT ?? 8080);
const dataDir = resolve(process.env.FLOTILLA_DATA_DIR ?? 'data');
const rawLogs = process.env.FLOTILLA_LOG_FORMAT === 'json';
const READY_TIMEOUT_MS = 120_000;
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const say = (message) => process.stdout.write(`flotilla | ${message}\n`);
const fail = (message) => {
  process.stderr.write(`flotilla | ${message}\n`);
  process.exit(1);
};

if (!Number.isInteger(gatewayPort) || gatewayPort < 0 || gatewayPort > 65535)
  fail(`PORT must be a port number, got ${process.env.PORT}`);

build();
claimDataDir();
const { fetchVia, socketAddress } = await import('@flotilla/kit/address');
/**
 * PGlite's WebAssembly in V8's baseline compiler only (BASELINE_WASM_FLAGS says why) for the
 * services whose WebAssembly is PGlite's alone, and for translation unless a neural model is
 * installed: the model's WebAssembly needs the optimising compiler.
 */
const { BASELINE_WASM_FLAGS } = await import('@flotilla/kit/pglite-settings');
const translationModule = (path) => import(pathToFileURL(join(ROOT, 'services', 'translation', 'dist', ...path)).href);
const { hasModelFile } = await translationModule(['engines', 'bergamot-engine.js']);
const { dictionaryPath } = await translationModule(['engines', 'dictionary-path.js']);
// The services run in ROOT, where the model directory's default is.
const neural = hasModelFile({ TRANSLATION_MODEL_DIR: join(ROOT, 'data', 'translation-model'), ...process.env });
const nodeFlagsOf = (name) => (name === 'gateway' || (name === 'translation' && neural) ? [] : BASELINE_WASM_FLAGS);
const runDir = privateRunDir();
// Shared by the gateway and users only: users believes the client addresses the gateway reports.
const gatewaySecretFile = join(runDir, 'gateway-secret');
writeFileSync(gatewaySecretFile, randomBytes(32).toString('hex'), { mode: 0o600 });

const children = new Map(); // name -> { process, port, restarts, ready }
let stopping = false;
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const services = domainServices();
// Socket paths are known before anything starts, so every process (the gateway included) can
// start at once knowing the others' addresses.
const sockets = Object.fromEntries(services.map((name) => [name, join(runDir, `${name}.sock`)]));
const urls = Object.fromEntries(services.map((name) => [name, socketAddress(sockets[name])]));
const sharedEnv = urls.users ? { USERS_URL: urls.users } : {};
const gatewayEnv = { ...sharedEnv, DATA_DIR: undefined, GATEWAY_SECRET_FILE: gatewaySecretFile };
for (const name of services) gatewayEnv[URL_VARIABLE[name]] = urls[name];
const startService = (name) =>
  startChild(name, name === 'users' ? { ...sharedEnv, GATEWAY_SECRET_FILE: gatewaySecretFile } : sharedEnv, {
    SOCKET_PATH: sockets[name],
  });
// On a first start translation's lexicon compiles (the longest step by far) while one new database
// is made for every service; translation starts once both are done, the others with the database.
const lexicon = services.includes('translation') && newDatabase('translation') ? compileLexicon() : Promise.resolve();
const databases = prepareDatabases(services);
const [gatewayUrl] = await Promise.all([
  startChild('gateway', gatewayEnv, { PORT: String(gatewayPort) }),
  ...services.map((name) =>
    (name === 'translation' ? Promise.all([databases, lexicon]) : databases).then(() => startService(name)),
  ),
]);
await waitUntilReady([...services.map((name) => `${urls[name]}/readyz`), `${gatewayUrl}/healthz`]);
const shown = gatewayUrl.replace('127.0.0.1', 'localhost');
say(
  `ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${shown}  (API docs: ${shown}/docs; Ctrl-C stops)`,
);

/** The same build as after `npm ci`; incremental, so a no-op when nothing changed. */
function build() {
  if (!existsSync(join(ROOT, 'node_modules', 'typescript')))
    fail('dependencies are missing: run `npm ci` first');
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    process.exit(1);
  }
}

/** The sockets' directory: made 0700 by mkdtemp, removed on exit. Short, as socket paths must be. */
function privateRunDir() {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  if (join(dir, 'translation-metrics.sock').length > 100)
    fail(`the temporary directory ${tmpdir()} is too deep for Unix socket paths; set TMPDIR=/tmp`);
  return dir;
}

/**
 * On a first start, one new PGlite data directory (initdb: ~2.5 s of CPU) copied for every service
 * that has none, instead of an initdb per service at once on a machine with fewer cores than
 * services. A directory a service has begun to fill is left to the service.
 */
async function prepareDatabases(names) {
  const missing = names.filter(newDatabase);
  if (missing.length < 2) return;
  const template = join(dataDir, '.new-database');
  rmSync(template, { recursive: true, force: true });
  try {
    const child = fork(join(ROOT, 'packages', 'kit', 'dist', 'pglite-init.js'), [template], {
      execArgv: [...BASELINE_WASM_FLAGS],
      stdio: 'inherit',
    });
    const [code] = await once(child, 'exit');
    if (code !== 0) return; // each service makes its own and reports why it cannot
    for (const name of missing) cpSync(template, join(dataDir, name), { recursive: true });
  } finally {
    rmSync(template, { recursive: true, force: true });
  }
}

/** A service's first start: its PGlite data directory is yet to be made (there is none with DATABASE_URL). */
function newDatabase(name) {
  if (process.env.DATABASE_URL) return false;
  const dir = join(dataDir, name);
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Translation's lexicon compiled before it starts, as the image's build step does, so the compile
 * starts at once, beside the new database. Only for the dictionary fallback with the dictionary
 * installed: otherwise (a neural model, a dictionary to download) translation does what it needs
 * itself, and it reports any failure of this step the same way.
 */
async function compileLexicon() {
  const env = { ...process.env, DICTIONARY_CACHE_DIR: translationCacheDir() };
  if (neural || process.env.TRANSLATION_ENGINE === 'bergamot' || !existsSync(dictionaryPath(env))) return;
  say("compiling translation's dictionary (a first start only)");
  const child = fork(join(ROOT, 'services', 'translation', 'dist', 'cli', 'lexicon-compile.js'), [], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  prefixLines('translation', child.stdout, process.stdout);
  prefixLines('translation', child.stderr, process.stderr);
  const stopCompiling = () => child.kill();
  process.once('exit', stopCompiling);
  await once(child, 'exit');
  process.off('exit', stopCompiling);
}

/** The translator's downloaded dictionary and compiled lexicons belong to this stack's data too. */
function translationCacheDir() {
  return process.env.DICTIONARY_CACHE_DIR ?? join(dataDir, 'translation-dictionary');
}

/** Two stacks on one data directory would corrupt it: the first one holds a lock file. */
function claimDataDir() {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = join(dataDir, 'flotilla.pid');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {}
    if (alive)
      fail(
        `${dataDir} is in use by another Flotilla (pid ${pid}); set FLOTILLA_DATA_DIR to run a second stack`,
      );
  }
  writeFileSync(lock, String(process.pid));
  process.on('exit', () => rmSync(lock, { force: true }));
  // Nobody else may enter it, whatever an earlier version (or a copy) left inside.
  chmodSync(dataDir, 0o700);
}

/** `listen`: `{ PORT }` (the gateway) or `{ SOCKET_PATH }` (a service). */
function startChild(name, extraEnv, listen) {
  return new Promise((resolveUrl, rejectUrl) => {
    const state = children.get(name) ?? { restarts: 0, listen, ready: false };
    children.set(name, state);
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      ...state.listen,
      // Metrics on a socket of their own beside the service's, never on the gateway's port.
      METRICS_SOCKET_PATH: join(runDir, `${name}-metrics.sock`),
      METRICS_PORT: undefined,
      DATA_DIR: join(dataDir, name),
      ...(name === 'translation' ? { DICTIONARY_CACHE_DIR: translationCacheDir() } : {}),
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      ...extraEnv,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = fork(entryPoint(name), [], {
      env,
      cwd: ROOT,
      execArgv: nodeFlagsOf(name),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    state.process = child;
    say(`${name} started (pid ${child.pid})`);
    state.startedAt = Date.now();
    prefixLines(name, child.stdout, process.stdout);
    prefixLines(name, child.stderr, process.stderr);
    child.on('message', (message) => {
      if (message?.type !== 'listening') return;
      // A restart reuses the port (PORT=0 picked one), so the URL printed stays right.
      if (message.port !== undefined) state.listen = { PORT: String(message.port) };
      state.ready = true;
      resolveUrl(message.port === undefined ? socketAddress(message.socket) : `http://127.0.0.1:${message.port}`);
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (!state.ready) {
        // Failing before it ever listened is a setup problem (bad config, port taken): stop.
        rejectUrl(new Error(`${name} exited during startup`));
        stop('startup failure', 1);
        return;
      }
      if (Date.now() - state.startedAt > 60_000) state.restarts = 0;
      const delay = Math.min(30_000, 1_000 * 2 ** state.restarts);
      state.restarts += 1;
      say(`${name} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
      setTimeout(() => {
        if (!stopping) startChild(name, extraEnv, state.listen).catch(() => {});
      }, delay);
    });
  });
}

function prefixLines(name, stream, out) {
  const label = name.padEnd(11);
  createInterface({ input: stream }).on('line', (line) => {
    if (rawLogs || !line.startsWith('{')) return out.write(`${label} | ${line}\n`);
    try {
      const {
        level,
        msg,
        reqId,
        req,
        res,
        err,
        time: _time,
        service: _service,
        pid: _pid,
        hostname: _host,
        responseTime,
        trace_id: traceId,
        span_id: _spanId,
        trace_flags: _traceFlags,
        ...rest
      } = JSON.parse(line);
      const parts = [LEVELS[level] ?? level, msg];
      if (req) parts.push(`${req.method} ${req.url}`);
      if (res) parts.push(`${res.statusCode} ${responseTime?.toFixed(1) ?? '?'} ms`);
      if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
      if (err?.stack) parts.push(`\n${err.stack}`);
      if (reqId || traceId) parts.push(`[${[reqId, traceId && `trace ${traceId}`].filter(Boolean).join(' ')}]`);
      out.write(`${label} | ${parts.join(' ')}\n`);
    } catch {
      out.write(`${label} | ${line}\n`);
    }
  });
}

async function waitUntilReady(endpoints) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const endpoint of endpoints) {
    const { url, fetch: viaSocket } = fetchVia(endpoint);
    for (;;) {
      try {
        if ((await (viaSocket ?? fetch)(url)).ok) break;
      } catch {}
      if (Date.now() > deadline) fail(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${endpoint}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function stop(reason, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  say(`stopping (${reason})`);
  const running = [...children.values()]
    .map((state) => state.process)
    .filter((child) => child && child.exitCode === null && child.signalCode === null);
  if (running.length === 0) process.exit(exitCode);
  let left = running.length;
  for (const child of running) {
    child.once('exit', () => {
      left -= 1;
      if (left === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
  setTimeout(() => {
    say('some services did not stop in 20 s; killing them');
    for (const child of running) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 20_000).unref();
}
