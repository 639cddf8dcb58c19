// What `npm run test:compose` (run.mjs) and `npm run test:faults` (faults.mjs) share: the process
// runner, the container engine setup, secrets, image builds, the stack's lifecycle, HTTP through
// the edge, and the check/record/summary reporting. Each script is its own process, so the
// module-level state here (results, the project name, the token) is that script's alone.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildImages as buildWithScript,
  children,
  components,
  imageRef,
  inspectImage,
  run as runProcess,
  testImages,
} from '../../scripts/images.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SETUP = resolve(process.env.CONTAINERS_SETUP ?? join(ROOT, '..', 'shared', 'containers', 'setup'));
export const COMPOSE_FILE = join(ROOT, 'deploy', 'compose.yaml');
export const DOMAIN_SERVICES = ['users', 'fleet', 'translation', 'stats'];
export const KEEP = process.env.FLOTILLA_COMPOSE_KEEP === '1';
/**
 * The stack's images: <REGISTRY>/flotilla-<component>:<TAG>, the names the release publishes.
 * FLOTILLA_IMAGES_FROM=<registry>:<tag> names images to use instead of building (see buildImages).
 */
export const IMAGES_GIVEN = process.env.FLOTILLA_IMAGES_FROM || '';
export const { registry: REGISTRY, tag: TAG } = testImages();
export const imageOf = (component) => imageRef(REGISTRY, component, TAG);
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

/** Commands in flight (builds included), stopped when the run is interrupted. */
export { children };

/** Runs a command; resolves with {code, stdout, stderr, ms}. Never rejects unless told (allowFail: false). */
export const run = (command, args, options = {}) => runProcess(command, args, { timeoutMs: 600_000, ...options });

export const docker = (args, options) => run('docker', args, options);
export let composeEnv = {};
/** docker-compose 1.29 here; FLOTILLA_COMPOSE='docker compose' for Compose v2 (GitHub's runners). */
const COMPOSE_COMMAND = (process.env.FLOTILLA_COMPOSE || 'docker-compose').split(' ').filter(Boolean);
export const compose = (args, options = {}) =>
  run(COMPOSE_COMMAND[0], [...COMPOSE_COMMAND.slice(1), '-p', PROJECT, '-f', COMPOSE_FILE, ...args], {
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
  // A base image the setup names no stand-in for stays Compose's pinned default.
  const standIns = Object.entries({
    NODE_IMAGE: exported.NODE_IMAGE,
    POSTGRES_IMAGE: exported.POSTGRES_IMAGE,
    NGINX_IMAGE: exported.NGINX_IMAGE,
  }).filter(([, value]) => value);
  composeEnv = {
    ...Object.fromEntries(standIns),
    PROMETHEUS_IMAGE: exported.PROMETHEUS_IMAGE ?? '',
    FLOTILLA_REGISTRY: REGISTRY,
    FLOTILLA_TAG: TAG,
    FLOTILLA_HTTP_PORT: String(port),
    FLOTILLA_GRAFANA_PORT: String(await freePort()),
    FLOTILLA_SECRETS_DIR: secretsDir,
    // Nothing may be downloaded from the internet here: translation stays with its dictionary.
    FLOTILLA_TRANSLATION_FETCH: 'off',
  };
  baseUrl = `http://127.0.0.1:${port}`;
  return secretsDir;
}

export const gitRevision = async () => (await run('git', ['rev-parse', 'HEAD'])).stdout.trim() || 'unknown';

/** The components the stack runs from the tree: gateway, the domain services present, edge. */
export const stackComponents = (present) => ['gateway', ...present, 'edge'];

/** A component's base image as its build resolves it (NODE_IMAGE or NGINX_IMAGE, by its target). */
function componentBase(name, env) {
  const component = components({ env }).find((c) => c.name === name);
  return component?.target === 'edge' ? component.args.NGINX_IMAGE : component?.args.NODE_IMAGE;
}

/**
 * The images the stack runs, <REGISTRY>/flotilla-<name>:<TAG>. Three ways, one naming:
 * - FLOTILLA_IMAGES_FROM set (`.ci/run`: the images `npm run images` pushed to its local registry
 *   and pulled back by digest): those images are used, never built; a missing one is pulled.
 * - `reuse` (test:faults, after test:compose in the same run): the images already there are kept,
 *   the missing ones built.
 * - otherwise every image is built, by scripts/images.mjs (the build CI and the release use), with
 *   the legacy builder as docker-compose 1.29 would, from the stand-in base images.
 * Returns the names not built here (reused or given).
 */
export async function buildImages(exported, present, { reuse = false } = {}) {
  const wanted = stackComponents(present);
  const revision = await gitRevision();
  const env = { ...process.env };
  for (const name of ['NODE_IMAGE', 'NGINX_IMAGE']) if (exported[name]) env[name] = exported[name];
  // Each image's base: the stand-in, or the pinned official image (which a build pulls).
  const baseOf = (name) => componentBase(name, env);
  const baseBytes = {};
  const baseSize = async (name) => {
    const ref = baseOf(name);
    baseBytes[ref] ??= (await inspectImage(ref))?.bytes ?? NaN;
    return baseBytes[ref];
  };
  const notBuilt = [];
  for (const name of IMAGES_GIVEN || reuse ? wanted : []) {
    const ref = imageOf(name);
    let info = await inspectImage(ref);
    if (!info && IMAGES_GIVEN) {
      const pull = await docker(['pull', ref], { timeoutMs: 900_000 });
      if (pull.code !== 0) throw new Error(`FLOTILLA_IMAGES_FROM=${IMAGES_GIVEN}: ${ref} is neither here nor pullable: ${pull.stderr.trim().slice(-500)}`);
      info = await inspectImage(ref);
    }
    if (!info) continue;
    const stale = info.revision && info.revision !== revision ? `, built from ${info.revision.slice(0, 10)}, not HEAD` : '';
    const digest = info.repoDigests.find((d) => d.startsWith(`${ref.slice(0, ref.lastIndexOf(':'))}@`))?.split('@')[1];
    log(`${IMAGES_GIVEN ? 'using' : 'reusing'} ${ref}${digest ? ` (${digest})` : ''}, built ${secs(Date.now() - Date.parse(info.created))} ago${stale}`);
    images[name] = { seconds: undefined, bytes: info.bytes, baseBytes: await baseSize(name), digest };
    notBuilt.push(name);
  }
  if (IMAGES_GIVEN) {
    const missing = wanted.filter((n) => !notBuilt.includes(n));
    record(
      `images: the given ones (${IMAGES_GIVEN}), not built here`,
      missing.length ? 'fail' : 'pass',
      missing.length ? `missing: ${missing.join(', ')}` : wanted.map((n) => `${n} ${images[n].digest ?? 'no registry digest'}`).join('; '),
    );
    if (missing.length) throw new Error(`images missing: ${missing.join(', ')}`);
    return notBuilt;
  }
  const toBuild = wanted.filter((n) => !notBuilt.includes(n));
  if (toBuild.length === 0) return notBuilt;
  const buildsBegan = Date.now();
  await buildWithScript({
    registry: REGISTRY,
    tag: TAG,
    only: toBuild,
    env,
    onStart: ({ ref, target }) => log(`building ${ref} (--target ${target})`),
    onResult: async (r) => {
      if (!r.ok) {
        record(`image ${r.name} builds`, 'fail', r.output.slice(-4000));
        return;
      }
      const base = await baseSize(r.name);
      images[r.name] = { seconds: r.ms / 1000, bytes: r.bytes, baseBytes: base };
      // BuildKit keeps the base image it pulled out of the local image store: no size to compare.
      const over = Number.isFinite(base) ? `+${((r.bytes - base) / 1e6).toFixed(0)} MB over` : 'base';
      record(`image ${r.name} builds`, 'pass', `${secs(r.ms)}, ${(r.bytes / 1e6).toFixed(0)} MB (${over} ${baseOf(r.name)})`);
    },
  });
  timings.builds = Date.now() - buildsBegan;
  return notBuilt;
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
