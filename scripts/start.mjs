#!/usr/bin/env node
// The embedded launcher: `npm start`. Builds what is missing, starts the gateway and every
// service at once, each its own Node process on a free loopback port with its own PGlite data
// directory, waits until all are ready and prints the URL. Ctrl-C stops everything gracefully; a service
// that dies is restarted with backoff.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { domainServices, entryPoint, ROOT, URL_VARIABLE } from './stack.mjs';

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

const children = new Map(); // name -> { process, port, restarts, ready }
let stopping = false;
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const services = domainServices();
// Ports are picked before anything starts, so every process (the gateway included) can start
// at once knowing the others' URLs; a service that finds its port taken stops the start.
const urls = {};
for (const name of services) urls[name] = `http://127.0.0.1:${await freePort()}`;
const sharedEnv = urls.users ? { USERS_URL: urls.users } : {};
const gatewayEnv = { ...sharedEnv, DATA_DIR: undefined };
for (const name of services) gatewayEnv[URL_VARIABLE[name]] = urls[name];
const [gatewayUrl] = await Promise.all([
  startChild('gateway', gatewayEnv, gatewayPort),
  ...services.map((name) => startChild(name, sharedEnv, Number(new URL(urls[name]).port))),
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

function freePort() {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer();
    server.once('error', rejectPort);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Two stacks on one data directory would corrupt it: the first one holds a lock file. */
function claimDataDir() {
  mkdirSync(dataDir, { recursive: true });
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
}

function startChild(name, extraEnv, port = 0) {
  return new Promise((resolveUrl, rejectUrl) => {
    const state = children.get(name) ?? { restarts: 0, port, ready: false };
    children.set(name, state);
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(state.port),
      DATA_DIR: join(dataDir, name),
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      ...extraEnv,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = fork(entryPoint(name), [], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    state.process = child;
    say(`${name} started (pid ${child.pid})`);
    state.startedAt = Date.now();
    prefixLines(name, child.stdout, process.stdout);
    prefixLines(name, child.stderr, process.stderr);
    child.on('message', (message) => {
      if (message?.type !== 'listening') return;
      state.port = message.port; // a restart reuses it, so the gateway's URL stays right
      state.ready = true;
      resolveUrl(`http://127.0.0.1:${message.port}`);
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
        if (!stopping) startChild(name, extraEnv, state.port).catch(() => {});
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
        ...rest
      } = JSON.parse(line);
      const parts = [LEVELS[level] ?? level, msg];
      if (req) parts.push(`${req.method} ${req.url}`);
      if (res) parts.push(`${res.statusCode} ${responseTime?.toFixed(1) ?? '?'} ms`);
      if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
      if (err?.stack) parts.push(`\n${err.stack}`);
      if (reqId) parts.push(`[${reqId}]`);
      out.write(`${label} | ${parts.join(' ')}\n`);
    } catch {
      out.write(`${label} | ${line}\n`);
    }
  });
}

async function waitUntilReady(endpoints) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const endpoint of endpoints) {
    for (;;) {
      try {
        if ((await fetch(endpoint)).ok) break;
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
