// What `npm run test:compose` (run.mjs) and `npm run test:faults` (faults.mjs) share: the process
// runner, the container engine setup, secrets, image builds, the stack's lifecycle, HTTP through
// the edge, and the check/record/summary reporting. Each script is its own process, so the
// module-level state here (results, the project name, the token) is that script's alone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SETUP = resolve(process.env.CONTAINERS_SETUP ?? join(ROOT, '..', 'shared', 'containers', 'setup'));
export const COMPOSE_FILE = join(ROOT, 'deploy', 'compose.yaml');
export const DOMAIN_SERVICES = ['users', 'fleet', 'translation', 'stats'];
export const KEEP = process.env.FLOTILLA_COMPOSE_KEEP === '1';
export const IMAGE_PREFIX = 'flotilla-test';
export const TAG = 'compose';
export const startedAt = Date.now();

/** The compose project (one per run, so runs never share containers) and the log prefix. */
export let PROJECT = `flotilla-test-${process.pid}`;
let logPrefix = 'compose-test';
export function configure({ project, prefix } = {}) {
  if (project) PROJECT = project;
  if (prefix) logPrefix = prefix;
}

// ------------------------------------------------------------------------------------------
// Reporting

export const results = []; // { name, status: 'pass'|'fail'|'not covered', detail }
export const timings = {};
export const images = {}; // name -> { seconds, bytes, baseBytes }
export const log = (line) => process.stdout.write(`${logPrefix} | ${line}\n`);
export const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

export function record(name, status, detail = '') {
  results.push({ name, status, detail });
  const mark = status === 'pass' ? 'PASS' : status === 'fail' ? 'FAIL' : 'n/c ';
  log(`${mark} ${name}${detail ? ` — ${detail}` : ''}`);
}
export const notCovered = (name, why) => record(name, 'not covered', why);

/** Runs one named check; an exception fails it, a returned string is its detail. */
export async function check(name, fn) {
  try {
    const detail = await fn();
    record(name, 'pass', typeof detail === 'string' ? detail : '');
    return true;
  } catch (error) {
    record(name, 'fail', error instanceof Error ? error.message : String(error));
    return false;
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Prints the summary (title, the script's own figure lines, the checks); true when none failed. */
export function summary(title, figureLines = []) {
  const pass = results.filter((r) => r.status === 'pass').length;
  const fail = results.filter((r) => r.status === 'fail');
  const nc = results.filter((r) => r.status === 'not covered');
  const lines = ['', `=== ${title} summary ===`, ...figureLines];
  lines.push(
    `checks: ${pass} passed, ${fail.length} failed, ${nc.length} not covered; total ${secs(Date.now() - startedAt)}`,
  );
  for (const r of nc) lines.push(`  not covered: ${r.name} (${r.detail})`);
  for (const r of fail) lines.push(`  FAILED: ${r.name}: ${r.detail.slice(0, 1500)}`);
  lines.push(fail.length === 0 ? 'RESULT: PASS' : 'RESULT: FAIL');
  process.stdout.write(`${lines.join('\n')}\n`);
  return fail.length === 0;
}

// ------------------------------------------------------------------------------------------
// Processes

/** Commands in flight, stopped when the run is interrupted (a build must not outlive it). */
export const children = new Set();

/** Runs a command; resolves with {code, stdout, stderr, ms}. Never rejects unless told. */
export function run(command, args, { env = {}, input, timeoutMs = 600_000, quiet = true, allowFail = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const began = Date.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!quiet) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!quiet) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, ms: Date.now() - began };
      if (code !== 0 && !allowFail) {
        reject(
          new Error(`${command} ${args.join(' ')} exited ${code}: ${(stderr || stdout).trim().slice(-2000)}`),
        );
      } else resolvePromise(result);
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export const docker = (args, options) => run('docker', args, options);
export let composeEnv = {};
export const compose = (args, options = {}) =>
  run('docker-compose', ['-p', PROJECT, '-f', COMPOSE_FILE, ...args], {
    ...options,
    env: { ...composeEnv, ...(options.env ?? {}) },
  });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ------------------------------------------------------------------------------------------
// HTTP through the edge

export let baseUrl = '';
export let token; // admin access token, once signed in
export const setToken = (value) => {
  token = value;
};

export async function http(method, path, { body, headers = {}, auth = true, timeoutMs = 15_000, raw } = {}) {
  const began = Date.now();
  const init = {
    method,
    headers: { ...headers },
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'follow',
  };
  if (auth && token) init.headers.authorization = `Bearer ${token}`;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, text, json, ms: Date.now() - began };
}

export const brief = (r) => `${r.status} ${r.text.slice(0, 200).replace(/\s+/g, ' ')}`;

/** Signs the admin in with the generated admin_password secret; the token is kept for http(). */
export async function signIn() {
  const password = readFileSync(join(composeEnv.FLOTILLA_SECRETS_DIR, 'admin_password'), 'utf8').trim();
  const r = await http('POST', '/api/auth/login', { auth: false, body: { username: 'admin', password } });
  if (r.status === 200 && r.json?.accessToken) token = r.json.accessToken;
  return r;
}

// ------------------------------------------------------------------------------------------
// Containers

export async function containerIds() {
  const { stdout } = await compose(['ps', '-q']);
  return stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function inspectAll(ids) {
  if (ids.length === 0) return [];
  const { stdout } = await docker(['inspect', ...ids], { allowFail: false });
  return JSON.parse(stdout);
}

export const serviceOf = (info) => info.Config.Labels['com.docker.compose.service'];

/** Waits until every container of the project is healthy; returns the time it took. */
export async function waitHealthy(expected, timeoutMs = 240_000) {
  const began = Date.now();
  let last = '';
  while (Date.now() - began < timeoutMs) {
    const infos = await inspectAll(await containerIds());
    const states = Object.fromEntries(
      infos.map((info) => [serviceOf(info), info.State.Health?.Status ?? info.State.Status]),
    );
    last = JSON.stringify(states);
    const exited = infos.filter((info) => info.State.Status === 'exited' || info.State.Restarting);
    if (exited.length > 0 && Date.now() - began > 20_000) {
      throw new Error(`containers stopped or restarting: ${exited.map(serviceOf).join(', ')} (${last})`);
    }
    if (expected.every((name) => states[name] === 'healthy')) return Date.now() - began;
    await sleep(1000);
  }
  throw new Error(`not healthy after ${secs(timeoutMs)}: ${last}`);
}

export const haveImage = async (ref) => (await docker(['image', 'inspect', ref])).code === 0;

// ------------------------------------------------------------------------------------------
// Secrets

export function readSecrets(dir) {
  const values = {};
  for (const name of readdirSync(dir)) values[name] = readFileSync(join(dir, name), 'utf8').trim();
  return values;
}

/** `npm run secrets` into a directory (it never overwrites what is there). */
export const generateSecrets = (dir) =>
  run(process.execPath, [join(ROOT, 'scripts', 'secrets.mjs'), '--dir', dir, '--quiet'], { allowFail: false });

// ------------------------------------------------------------------------------------------
// Cleanup, also on interrupt

export const cleanups = [];
let cleaning;
/** Runs the cleanups once; a second caller (the interrupt and the run's end) waits for the same. */
export function cleanup() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log(`cleanup: ${error.message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    log(`${signal}: tearing down`);
    for (const child of children) child.kill('SIGTERM');
    await cleanup();
    process.exit(130);
  });
}

/** Runs main, records an exception as a failed `<name> run`, cleans up, prints the summary, exits. */
export async function runMain(name, main, figureLines = () => []) {
  let ok = false;
  try {
    await main();
    ok = true;
  } catch (error) {
    record(`${name} run`, 'fail', error instanceof Error ? error.message : String(error));
  } finally {
    await cleanup();
  }
  process.exit(summary(name, figureLines()) && ok ? 0 : 1);
}

// ------------------------------------------------------------------------------------------
// The run's steps

/** The domain services whose code is in the tree (services/<name>/src/main.ts). */
export const presentServices = () =>
  DOMAIN_SERVICES.filter((name) => existsSync(join(ROOT, 'services', name, 'src', 'main.ts')));

/** The engine and stand-in base images (../shared/containers/setup); returns its exported variables. */
export async function prepareEngine(env = {}) {
  assert(existsSync(SETUP), `${SETUP} not found (CI clones the repo beside shared/)`);
  const setup = await run(SETUP, [], { env, timeoutMs: 900_000 });
  timings.setup = setup.ms;
  if (setup.code !== 0) throw new Error(`container setup failed: ${setup.stderr.slice(-2000)}`);
  const exported = Object.fromEntries(
    [...setup.stdout.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
  );
  log(`engine ready in ${secs(setup.ms)}; stand-ins: ${Object.values(exported).join(' ')}`);
  return exported;
}

/**
 * The stack's environment: secrets in a private temporary directory (never the developer's own,
 * removed at the end; still empty here) and free loopback ports. Returns the secrets directory.
 */
export async function prepareStackEnv(exported) {
  const secretsDir = mkdtempSync(join(tmpdir(), 'flotilla-compose-secrets-'));
  cleanups.push(() => rmSync(secretsDir, { recursive: true, force: true }));
  const port = await freePort();
  composeEnv = {
    NODE_IMAGE: exported.NODE_IMAGE,
    POSTGRES_IMAGE: exported.POSTGRES_IMAGE,
    NGINX_IMAGE: exported.NGINX_IMAGE,
    PROMETHEUS_IMAGE: exported.PROMETHEUS_IMAGE ?? '',
    FLOTILLA_IMAGE_PREFIX: IMAGE_PREFIX,
    FLOTILLA_TAG: TAG,
    FLOTILLA_HTTP_PORT: String(port),
    FLOTILLA_GRAFANA_PORT: String(await freePort()),
    FLOTILLA_SECRETS_DIR: secretsDir,
  };
  baseUrl = `http://127.0.0.1:${port}`;
  return secretsDir;
}

export const gitRevision = async () => (await run('git', ['rev-parse', 'HEAD'])).stdout.trim() || 'unknown';

/**
 * Builds the images (`flotilla-test/<name>:compose`) with the legacy builder, as docker-compose
 * 1.29 would. With `reuse`, an image already tagged is kept as it is (test:compose built it in the
 * same CI run) and only the missing ones are built. Returns the names reused.
 */
export async function buildImages(exported, present, { reuse = false } = {}) {
  const revision = await gitRevision();
  // Gateway first: the later builds reuse its shared stages from the layer cache.
  const builds = [
    ['gateway', 'service'],
    ...present.filter((s) => s !== 'translation').map((s) => [s, 'service']),
    ['edge', 'edge'],
    ...(present.includes('translation') ? [['translation', 'translation']] : []),
  ];
  const reused = [];
  if (reuse) {
    for (const [name] of [...builds]) {
      const tag = `${IMAGE_PREFIX}/${name}:${TAG}`;
      const { code, stdout } = await docker([
        'image',
        'inspect',
        '-f',
        '{{.Created}} {{index .Config.Labels "org.opencontainers.image.revision"}}',
        tag,
      ]);
      if (code !== 0) continue;
      const [created, builtFrom] = stdout.trim().split(' ');
      const age = Date.now() - Date.parse(created);
      const stale = builtFrom && builtFrom !== revision ? `, built from ${builtFrom.slice(0, 10)}, not HEAD` : '';
      log(`reusing ${tag} (built ${secs(age)} ago${stale})`);
      reused.push(name);
      builds.splice(
        builds.findIndex(([n]) => n === name),
        1,
      );
    }
    if (builds.length === 0) return reused;
  }
  const baseBytes = {};
  for (const ref of [exported.NODE_IMAGE, exported.NGINX_IMAGE]) {
    const { stdout } = await docker(['image', 'inspect', '-f', '{{.Size}}', ref]);
    baseBytes[ref] = Number(stdout.trim());
  }
  const buildOne = async ([name, target]) => {
    const tag = `${IMAGE_PREFIX}/${name}:${TAG}`;
    const args = [
      'build',
      '--network',
      'host',
      // A failed step's container is removed too (the legacy builder keeps it otherwise).
      '--force-rm',
      '-f',
      'deploy/Dockerfile',
      '--target',
      target,
      '--build-arg',
      `NODE_IMAGE=${exported.NODE_IMAGE}`,
      '--build-arg',
      `NGINX_IMAGE=${exported.NGINX_IMAGE}`,
      '--build-arg',
      `SERVICE=${name === 'edge' ? 'gateway' : name}`,
      '--build-arg',
      `VERSION=${TAG}`,
      '--build-arg',
      `REVISION=${revision}`,
      '--build-arg',
      `CREATED=${new Date().toISOString()}`,
      '-t',
      tag,
      '.',
    ];
    log(`building ${tag} (--target ${target})`);
    // The legacy builder: what docker-compose 1.29 and Docker 20.10 use, no buildx needed.
    const result = await docker(args, { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 900_000 });
    if (result.code !== 0) {
      record(`image ${name} builds`, 'fail', result.stdout.slice(-3000) + result.stderr.slice(-1000));
      throw new Error(`image ${name} did not build`);
    }
    const { stdout } = await docker(['image', 'inspect', '-f', '{{.Size}}', tag]);
    const base = name === 'edge' ? exported.NGINX_IMAGE : exported.NODE_IMAGE;
    images[name] = { seconds: result.ms / 1000, bytes: Number(stdout.trim()), baseBytes: baseBytes[base] };
    record(
      `image ${name} builds`,
      'pass',
      `${secs(result.ms)}, ${(images[name].bytes / 1e6).toFixed(0)} MB (+${((images[name].bytes - baseBytes[base]) / 1e6).toFixed(0)} MB over ${base})`,
    );
  };
  // The first build fills the shared stages (dependencies, compilation of every service); the
  // others then only add their own layers, two at a time. Translation goes last: the legacy
  // builder runs every stage above its target, and by then the web stage is cached by edge's.
  const buildsBegan = Date.now();
  const [first, ...others] = builds;
  await buildOne(first);
  const last = others.at(-1)?.[0] === 'translation' ? others.pop() : undefined;
  const queue = [...others];
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await buildOne(next);
    }),
  );
  if (last) await buildOne(last);
  timings.builds = Date.now() - buildsBegan;
  return reused;
}

/**
 * `docker-compose up -d` of the given services, waiting for every container to turn healthy
 * (recorded as a check); registers the teardown (`down -v`, unless FLOTILLA_COMPOSE_KEEP=1).
 */
export async function stackUp(running, secretsDir) {
  cleanups.push(async () => {
    if (KEEP) {
      log(`FLOTILLA_COMPOSE_KEEP=1: stack ${PROJECT} left running on ${baseUrl} (secrets in ${secretsDir})`);
      cleanups.length = 0;
      return;
    }
    const args = ['--profile', 'monitoring', 'down', '-v', '--remove-orphans', '-t', '20'];
    let down = await compose(args, { timeoutMs: 180_000 });
    // Docker 20.10 may still count a just-removed container's endpoint ("network … has active
    // endpoints"): the rest (other networks, the volumes) would be left behind. Try again.
    for (let attempt = 0; down.code !== 0 && attempt < 2; attempt += 1) {
      await sleep(3000);
      down = await compose(args, { timeoutMs: 180_000 });
    }
    const label = `label=com.docker.compose.project=${PROJECT}`;
    const left = [];
    for (const kind of ['container', 'network', 'volume']) {
      const listed = await docker([kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', label]);
      if (listed.stdout.trim()) left.push(`${listed.stdout.trim().split('\n').length} ${kind}(s)`);
    }
    log(
      `teardown: docker-compose down -v (${down.code === 0 ? 'ok' : down.stderr.trim().split('\n').at(-1)})${left.length ? `; left behind: ${left.join(', ')} of ${PROJECT}` : ''}`,
    );
  });
  const up = await compose(['up', '-d', '--no-build', ...running], { timeoutMs: 300_000 });
  if (up.code !== 0) throw new Error(`docker-compose up failed: ${up.stderr.slice(-3000)}`);
  try {
    const ms = await waitHealthy(running);
    timings.stackStart = up.ms + ms;
    record(
      'stack starts and every container turns healthy',
      'pass',
      `${secs(up.ms + ms)} from \`up\` (${running.join(', ')})`,
    );
  } catch (error) {
    record('stack starts and every container turns healthy', 'fail', error.message);
    const logs = await compose(['logs', '--no-color', '--tail', '40']);
    process.stdout.write(logs.stdout);
    throw error;
  }
}
