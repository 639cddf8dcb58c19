// The chart's runtime check without a cluster: every rendered Deployment and StatefulSet runs as
// a Docker container made from its pod template (translate.ts: image, command, env, user and
// groups, read-only root, dropped capabilities, emptyDirs, Secret/ConfigMap files, limits, Service
// names as network aliases), all on one network; each waits for its own probes; then through the
// edge (published on 127.0.0.1) the admin signs in with the rendered Secret's password, books a
// car and translates a text. Run by `npm run test:k8s` (runtime.test.ts), or alone:
//
//   node --import tsx tests/k8s/runtime/run.ts
//
// Environment:
//   FLOTILLA_K8S_RUNTIME=0        turn the check off (runtime.test.ts skips it, saying so)
//   FLOTILLA_K8S_RUNTIME_KEEP=1   leave the containers running at the end (for debugging)
//   FLOTILLA_K8S_RUNTIME_CHART=dir  render another copy of the chart (to see what the check catches)
//   CONTAINERS_SETUP=path         another engine setup script than ../shared/containers/setup
//
// Images: the container tests' (FLOTILLA_IMAGES_FROM=<registry>:<tag>, which .ci/run pulled back
// from its registry, else flotilla-test/flotilla-<component>:compose as test:compose builds them),
// rendered by the chart under those very names (image.registry, image.prefix=flotilla, image.tag);
// missing ones are built by scripts/images.mjs, the build test:compose and the release use.
// PostgreSQL: the ci/postgres:15 stand-in with the official image's uid and non-root start
// (tests/k8s/runtime/postgres). Everything this run creates carries the label
// flotilla.k8s-runtime.owner=<pid> and is removed at the end, on failure and on SIGINT/SIGTERM;
// leftovers of a run that was killed outright are removed by the next run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, symlinkSync, chmodSync, lchownSync, chownSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHART, helm, NAMESPACE, parseDocuments, RELEASE, ROOT, template, type K8sObject } from '../lib.js';
import { buildImages, children as buildChildren, components, inspectImage } from '../../../scripts/images.mjs';
import { POSTGRES_IMAGE as POSTGRES_REF, RUNTIME_IMAGES, runtimeImage, runtimeSetArgs } from './release.js';
import { entriesOf, planRelease, Untranslatable, type ContainerPlan, type HostEntry, type Probe } from './translate.js';

const OWNER_LABEL = 'flotilla.k8s-runtime.owner';
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const PREFIX = `flk8s-${process.pid}`;
const NETWORK = `${PREFIX}-net`;
const PROBER = `${PREFIX}-prober`;
const FILES_PREFIX = 'flotilla-k8s-runtime-';
const KEEP = process.env.FLOTILLA_K8S_RUNTIME_KEEP === '1';
const SETUP = path.resolve(process.env.CONTAINERS_SETUP ?? path.join(ROOT, '..', 'shared', 'containers', 'setup'));
const POSTGRES_IMAGE = `${POSTGRES_REF.repository}:${POSTGRES_REF.tag}`;
const began = Date.now();

// ------------------------------------------------------------------------------------------
// Output and processes

const log = (line: string) => process.stdout.write(`k8s-runtime | ${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}
const children = new Set<ChildProcess>();

function run(command: string, args: string[], { env = {}, timeoutMs = 600_000, input }: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
    child.stdin.end(input);
  });
}
const docker = (args: string[], options?: Parameters<typeof run>[2]) => run('docker', args, options);
async function dockerOk(args: string[], options?: Parameters<typeof run>[2]): Promise<string> {
  const r = await docker(args, options);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} … exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r.stdout;
}

// ------------------------------------------------------------------------------------------
// Cleanup: everything labelled with this run's owner label, and the temporary files.

let filesDir: string | undefined;
let cleaning: Promise<void> | undefined;

async function removeLabelled(owner: string) {
  const filter = ['--filter', `label=${OWNER_LABEL}=${owner}`];
  const ids = (await docker(['ps', '-aq', ...filter])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
  const nets = (await docker(['network', 'ls', '-q', ...filter])).stdout.split('\n').filter(Boolean);
  if (nets.length) await docker(['network', 'rm', ...nets]);
  const vols = (await docker(['volume', 'ls', '-q', ...filter])).stdout.split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols]);
  return { containers: ids.length, networks: nets.length, volumes: vols.length };
}

async function removeFiles(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Not root: the files belong to other uids; remove them from a container.
    await docker(['run', '--rm', '--network', 'none', '-v', `${dir}:/files`, '--entrypoint', 'sh', 'ci/debian:bookworm', '-c', 'rm -rf /files/* /files/..?*']);
    rmSync(dir, { recursive: true, force: true });
  }
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (KEEP) {
      log(`FLOTILLA_K8S_RUNTIME_KEEP=1: containers left running (label ${OWNER_LABEL}=${process.pid}); files in ${filesDir}`);
      log(`remove them with: docker rm -f -v $(docker ps -aq --filter label=${OWNER_LABEL}=${process.pid}); docker network rm ${NETWORK}; docker volume rm $(docker volume ls -q --filter label=${OWNER_LABEL}=${process.pid})`);
      return;
    }
    try {
      const removed = await removeLabelled(String(process.pid));
      if (filesDir) await removeFiles(filesDir);
      log(`cleanup: ${removed.containers} containers, ${removed.networks} network, ${removed.volumes} volumes and the temporary files removed`);
    } catch (e) {
      log(`cleanup failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`${signal}: tearing down`);
    for (const child of [...children, ...buildChildren]) child.kill('SIGTERM');
    void cleanup().finally(() => process.exit(130));
  });
}
// Started by the test runner: when it goes away without a signal, clean up and stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    log('parent process gone: tearing down');
    void cleanup().finally(() => process.exit(130));
  }
}, 2000).unref();

/** Leftovers of runs that were killed outright (their owner pid no longer exists). */
async function sweepStale() {
  const owners = new Set<string>();
  for (const what of [['ps', '-a'], ['network', 'ls'], ['volume', 'ls']]) {
    const r = await docker([...what, '--filter', `label=${OWNER_LABEL}`, '--format', `{{.Label "${OWNER_LABEL}"}}`]);
    for (const o of r.stdout.split('\n').filter(Boolean)) owners.add(o);
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const owner of owners) {
    if (owner === String(process.pid) || alive(Number(owner))) continue;
    const removed = await removeLabelled(owner);
    log(`removed leftovers of an interrupted run (pid ${owner}): ${JSON.stringify(removed)}`);
  }
  for (const name of readdirSync(os.tmpdir())) {
    const pid = name.startsWith(FILES_PREFIX) ? /^([0-9]+)-/.exec(name.slice(FILES_PREFIX.length))?.[1] : undefined;
    if (pid && pid !== String(process.pid) && !alive(Number(pid))) {
      await removeFiles(path.join(os.tmpdir(), name));
      log(`removed the files of an interrupted run (pid ${pid})`);
    }
  }
}

// ------------------------------------------------------------------------------------------
// Engine and images

async function prepareEngine(): Promise<Record<string, string>> {
  const advice =
    'The runtime check needs Docker: ../shared/containers/setup installs and starts it (as root) and builds the stand-in base images. ' +
    'Set FLOTILLA_K8S_RUNTIME=0 to turn this check off explicitly.';
  if (!existsSync(SETUP)) throw new Error(`${SETUP} not found (CI clones the repository beside shared/). ${advice}`);
  const setup = await run(SETUP, [], { timeoutMs: 900_000 });
  if (setup.code !== 0) {
    const why = process.getuid?.() !== 0 ? ' (not root: Docker cannot be installed or started here)' : '';
    throw new Error(`container setup failed${why}: ${(setup.stderr || setup.stdout).trim().slice(-1500)}\n${advice}`);
  }
  const exported = Object.fromEntries([...setup.stdout.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const name of ['NODE_IMAGE', 'NGINX_IMAGE', 'POSTGRES_IMAGE']) {
    if (!exported[name]) throw new Error(`container setup did not export ${name}:\n${setup.stdout}`);
  }
  const info = await docker(['info', '--format', '{{.ServerVersion}}']);
  if (info.code !== 0) throw new Error(`docker does not answer after setup: ${info.stderr.trim()}\n${advice}`);
  log(`engine: Docker ${info.stdout.trim()} (setup ${secs(setup.ms)}); stand-ins ${exported.NODE_IMAGE}, ${exported.NGINX_IMAGE}, ${exported.POSTGRES_IMAGE}`);
  return exported;
}

const gitRevision = async () => (await run('git', ['rev-parse', 'HEAD'])).stdout.trim() || 'unknown';

/** The container tests' images, used as they are when present; missing ones built as test:compose builds them. */
async function prepareImages(exported: Record<string, string>) {
  const revision = await gitRevision();
  const given = process.env.FLOTILLA_IMAGES_FROM;
  const missing: string[] = [];
  for (const { name } of components()) {
    const info = await inspectImage(runtimeImage(name));
    if (!info) {
      missing.push(name);
      continue;
    }
    const stale = info.revision && info.revision !== revision ? `, built from ${info.revision.slice(0, 10)}, not HEAD ${revision.slice(0, 10)}` : '';
    log(`using ${runtimeImage(name)} (built ${secs(Date.now() - Date.parse(info.created))} ago${stale})`);
  }
  if (missing.length && given) throw new Error(`FLOTILLA_IMAGES_FROM=${given}, but ${missing.map(runtimeImage).join(', ')} not here`);
  if (missing.length) {
    await buildImages({
      registry: RUNTIME_IMAGES.registry,
      tag: RUNTIME_IMAGES.tag,
      only: missing,
      env: { ...process.env, NODE_IMAGE: exported.NODE_IMAGE, NGINX_IMAGE: exported.NGINX_IMAGE },
      onStart: ({ ref, target }) => log(`building ${ref} (--target ${target}): not built by test:compose yet`),
      onResult: (r) => {
        log(r.ok ? `built ${r.ref} in ${secs(r.ms)}` : `${r.ref} did not build`);
      },
    });
  }
  const pg = await docker(['build', '-q', '--build-arg', `POSTGRES_IMAGE=${exported.POSTGRES_IMAGE}`, '-t', POSTGRES_IMAGE, path.join(ROOT, 'tests/k8s/runtime/postgres')], { env: { DOCKER_BUILDKIT: '0' } });
  if (pg.code !== 0) throw new Error(`${POSTGRES_IMAGE} did not build: ${pg.stderr.slice(-2000)}`);
  log(`images ${runtimeImage('<component>')}; PostgreSQL ${POSTGRES_IMAGE} (from ${exported.POSTGRES_IMAGE})`);
}

// ------------------------------------------------------------------------------------------
// Files: written as the kubelet would leave them (owner, group, mode), then bind-mounted.

async function writeFiles(dir: string, entries: HostEntry[]) {
  const root = process.getuid?.() === 0;
  const ownership: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.path);
    if (e.type === 'dir') mkdirSync(p, { recursive: true });
    else if (e.type === 'symlink') symlinkSync(e.target!, p);
    else writeFileSync(p, e.content!);
    if (root) {
      // Owner first: a chown may clear the set-group-id bit the mode then sets.
      (e.type === 'symlink' ? lchownSync : chownSync)(p, e.uid, e.gid);
      if (e.type !== 'symlink') chmodSync(p, e.mode);
    } else {
      ownership.push(`chown -h ${e.uid}:${e.gid} '/files/${e.path}'`);
      if (e.type !== 'symlink') ownership.push(`chmod ${e.mode.toString(8)} '/files/${e.path}'`);
    }
  }
  if (!root && ownership.length) {
    // Without root the owner and group are set from a container (as root inside it).
    const script = `${ownership.join('\n')}\n`;
    const r = await docker(['run', '--rm', '-i', '--network', 'none', '-v', `${dir}:/files`, '--entrypoint', 'sh', 'ci/debian:bookworm', '-e'], { input: script });
    if (r.code !== 0) throw new Error(`setting the files' owners failed: ${r.stderr}`);
  }
  for (const e of entries) {
    const s = lstatSync(path.join(dir, e.path));
    if (s.gid !== e.gid || (e.type !== 'symlink' && (s.mode & 0o7777) !== e.mode)) throw new Error(`${e.path}: mode ${(s.mode & 0o7777).toString(8)} gid ${s.gid}, wanted ${e.mode.toString(8)} gid ${e.gid}`);
  }
}

// ------------------------------------------------------------------------------------------
// Probes: HTTP and TCP from a helper container on the network (as the kubelet probes the pod's
// address from outside it), exec inside the container itself (as the kubelet does).

const PROBE_SCRIPT = `
const [kind, host, port, path, timeoutMs, headers] = process.argv.slice(1);
const done = (ok, what) => { console.log(what); process.exit(ok ? 0 : 1); };
if (kind === 'tcp') {
  const s = require('net').connect({ host, port: Number(port), timeout: Number(timeoutMs) });
  s.on('connect', () => { s.destroy(); done(true, 'connected'); });
  s.on('timeout', () => done(false, 'timeout'));
  s.on('error', (e) => done(false, e.code || String(e)));
} else {
  fetch('http://' + host + ':' + port + path, { redirect: 'manual', headers: JSON.parse(headers || '{}'), signal: AbortSignal.timeout(Number(timeoutMs)) })
    .then((r) => done(r.status >= 200 && r.status < 400, 'HTTP ' + r.status))
    .catch((e) => done(false, (e.cause && e.cause.code) || e.name || String(e)));
}`;

async function probeOnce(plan: ContainerPlan, probe: Probe, ip: string): Promise<{ ok: boolean; detail: string }> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  if (probe.kind === 'exec') {
    const r = await docker(['exec', plan.dockerName, ...probe.command], { timeoutMs: timeoutMs + 30_000 });
    return { ok: r.code === 0, detail: `exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(-200)}` };
  }
  if (probe.kind === 'http' && probe.scheme !== 'HTTP') throw new Untranslatable(plan.workload, `probe scheme ${probe.scheme}`);
  const args = probe.kind === 'http' ? ['http', ip, String(probe.port), probe.path, String(timeoutMs), JSON.stringify(probe.headers)] : ['tcp', ip, String(probe.port), '', String(timeoutMs)];
  const r = await docker(['exec', PROBER, 'node', '-e', PROBE_SCRIPT, ...args], { timeoutMs: timeoutMs + 30_000 });
  return { ok: r.code === 0, detail: (r.stdout + r.stderr).trim().slice(-200) };
}

async function state(plan: ContainerPlan) {
  const [info] = JSON.parse(await dockerOk(['inspect', plan.dockerName]));
  return info;
}

async function logsOf(plan: ContainerPlan, lines = 60): Promise<string> {
  const r = await docker(['logs', '--tail', String(lines), plan.dockerName]);
  return (r.stdout + r.stderr).trim();
}

class ContainerStopped extends Error {}

/** Polls one probe until it succeeds successThreshold times in a row; the container must stay up. */
async function waitProbe(plan: ContainerPlan, which: string, probe: Probe, ip: string) {
  const t0 = Date.now();
  // The kubelet's allowance (startup: initialDelay + period × failureThreshold) is reported, not
  // enforced: this machine is shared and slow at times. The guard only stops a hang.
  const allowance = (probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold) * 1000;
  const guard = Math.max(300_000, 3 * allowance);
  await sleep(probe.initialDelaySeconds * 1000);
  let successes = 0;
  let last = '';
  let attempts = 0;
  for (;;) {
    const info = await state(plan);
    if (!info.State.Running) throw await stopped(plan, info, `before its ${which} probe passed`, last);
    attempts += 1;
    const r = await probeOnce(plan, probe, ip);
    last = r.detail;
    if (r.ok) {
      successes += 1;
      if (successes >= probe.successThreshold) break;
    } else successes = 0;
    if (Date.now() - t0 > guard) throw new Error(`${plan.dockerName}: ${which} probe still failing after ${secs(Date.now() - t0)}: ${last}\n${await logsOf(plan)}`);
    await sleep(probe.periodSeconds * 1000);
  }
  const took = Date.now() - t0;
  const over = which === 'startup' && took > allowance ? ` — longer than the kubelet's ${secs(allowance)} allowance, which would restart it (a slow machine, or the probe budget is too small)` : '';
  return `${which} ${secs(took)} (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})${over}`;
}

async function stopped(plan: ContainerPlan, info: { State: { ExitCode: number; OOMKilled: boolean } }, when: string, last = '') {
  const logs = await logsOf(plan);
  return new ContainerStopped(
    `${plan.dockerName} stopped (exit ${info.State.ExitCode}${info.State.OOMKilled ? ', OOM-killed' : ''}) ${when}${last ? `; last probe: ${last}` : ''}\n` +
      (logs ? logs.split('\n').map((l) => `    ${l}`).join('\n') : '    (no output)'),
  );
}

async function containerIp(plan: ContainerPlan): Promise<string> {
  const info = await state(plan);
  if (!info.State.Running) throw await stopped(plan, info, 'right after starting');
  const ip = info.NetworkSettings.Networks[NETWORK]?.IPAddress;
  if (!ip) throw new Error(`${plan.dockerName} has no address on ${NETWORK}`);
  return ip;
}

async function waitReady(plan: ContainerPlan): Promise<string> {
  const ip = await containerIp(plan);
  const steps: string[] = [];
  if (plan.probes.startup) steps.push(await waitProbe(plan, 'startup', plan.probes.startup, ip));
  if (plan.probes.readiness) steps.push(await waitProbe(plan, 'readiness', plan.probes.readiness, ip));
  else steps.push('no readiness probe');
  return steps.join(', ');
}

/** The liveness probe must pass within its failureThreshold (the kubelet would restart it then). */
async function checkLiveness(plan: ContainerPlan): Promise<string> {
  const probe = plan.probes.liveness;
  if (!probe) return 'no liveness probe';
  const ip = await containerIp(plan);
  let last = '';
  for (let i = 0; i < probe.failureThreshold; i++) {
    const r = await probeOnce(plan, probe, ip);
    if (r.ok) return `liveness ${r.detail || 'ok'}`;
    last = r.detail;
    await sleep(probe.periodSeconds * 1000);
  }
  throw new Error(`${plan.dockerName}: liveness probe failed ${probe.failureThreshold} times: ${last}`);
}

// ------------------------------------------------------------------------------------------
// Checks through the edge

const results: { name: string; ok: boolean; detail: string }[] = [];
async function check(name: string, fn: () => Promise<string | void>): Promise<boolean> {
  try {
    const detail = (await fn()) ?? '';
    results.push({ name, ok: true, detail });
    log(`PASS ${name}${detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    results.push({ name, ok: false, detail });
    log(`FAIL ${name} — ${detail}`);
    return false;
  }
}
function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  headers: Headers;
}
function client(base: string) {
  let token: string | undefined;
  const http = async (method: string, p: string, { body, headers = {}, auth = true }: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {}): Promise<Answer> => {
    const h: Record<string, string> = { ...headers };
    if (auth && token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const r = await fetch(`${base}${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: r.status, text, json, headers: r.headers };
  };
  return { http, setToken: (t: string) => (token = t) };
}
const brief = (r: Answer) => `${r.status} ${r.text.slice(0, 300).replace(/\s+/g, ' ')}`;

async function throughTheEdge(base: string, objects: K8sObject[]) {
  const { http, setToken } = client(base);
  await check('edge → gateway: /healthz through nginx (the gateway Service by its cluster name, Docker DNS as edge.dnsResolver)', async () => {
    const r = await http('GET', '/healthz', { auth: false });
    assert(r.status === 200 && r.json?.status === 'ok', brief(r));
  });
  await check('edge serves the web app', async () => {
    const r = await http('GET', '/', { auth: false, headers: { accept: 'text/html' } });
    assert(r.status === 200 && /<html|<!doctype/i.test(r.text), brief(r));
  });
  const appSecret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === `${RELEASE}-app`);
  const password = appSecret && entriesOf(appSecret).get('admin_password')?.toString('utf8');
  const signedIn = await check('users: admin signs in with the rendered Secret\'s admin_password', async () => {
    assert(password, `no admin_password in Secret ${RELEASE}-app`);
    const r = await http('POST', '/api/auth/login', { auth: false, body: { username: 'admin', password } });
    assert(r.status === 200 && typeof r.json?.accessToken === 'string', brief(r));
    setToken(r.json.accessToken);
    const me = await http('GET', '/api/auth/me');
    assert(me.status === 200, `GET /api/auth/me: ${brief(me)}`);
    return `GET /api/auth/me → ${me.status}`;
  });
  if (!signedIn) return;
  await check('fleet: create a car, book it; an overlapping booking is refused (409)', async () => {
    const car = await http('POST', '/api/cars', { body: { name: `k8s-runtime-car-${process.pid}` }, headers: { 'idempotency-key': `k8s-car-${RUN_ID}` } });
    assert(car.status === 201 && car.json?.id, `POST /api/cars: ${brief(car)}`);
    const day = Date.UTC(2032, 0, 1 + (process.pid % 300));
    const at = (h: number) => new Date(day + h * 3_600_000).toISOString();
    const booking = await http('POST', `/api/cars/${car.json.id}/allocations`, { body: { start: at(9), end: at(12), holder: 'k8s-runtime' } });
    assert(booking.status === 201 && booking.json?.id, `booking: ${brief(booking)}`);
    const overlap = await http('POST', `/api/cars/${car.json.id}/allocations`, { body: { start: at(11), end: at(13), holder: 'k8s-runtime' } });
    assert(overlap.status === 409, `overlapping booking: ${brief(overlap)}`);
    const again = await http('GET', `/api/cars/${car.json.id}/allocations/${booking.json.id}`);
    assert(again.status === 200, `the booking read back: ${brief(again)}`);
    return `car ${car.json.id}, booking ${booking.json.id}`;
  });
  await check('translation: a German text translated by the dictionary engine of the image', async () => {
    const r = await http('POST', '/api/translate', { body: { text_de: 'Das Auto ist rot. Guten Morgen!' } });
    assert(r.status === 201 && typeof r.json?.text_en === 'string', brief(r));
    assert(r.json.engine === 'dictionary', `engine ${r.json.engine}, expected the dictionary (no model in the emptyDir): ${brief(r)}`);
    assert(/\bcar\b/i.test(r.json.text_en) && /\bred\b/i.test(r.json.text_en), `unexpected translation: ${r.json.text_en}`);
    return `"${r.json.text_en}"`;
  });
  await check('translation: the SQL console reads through its read-only role (CONSOLE_DATABASE_URL_FILE)', async () => {
    const r = await http('POST', '/api/sql', { body: { query: 'select text_de, text_en from translations order by id desc limit 1' } });
    assert(r.status === 200 && Array.isArray(r.json?.rows), brief(r));
    assert(JSON.stringify(r.json.rows).includes('Das Auto ist rot'), `the translation is not in ${JSON.stringify(r.json.rows).slice(0, 300)}`);
    const write = await http('POST', '/api/sql', { body: { query: 'delete from translations' } });
    assert(write.status >= 400 && write.status < 500, `a write through the console: ${brief(write)}`);
  });
  await check('stats: its API answers through the gateway', async () => {
    const r = await http('GET', '/api/stats/runs');
    assert(r.status === 200, brief(r));
  });
}

// ------------------------------------------------------------------------------------------
// The run

/** The chart rendered for this run (FLOTILLA_K8S_RUNTIME_CHART: another copy of it, e.g. a mutated one). */
function render(): K8sObject[] {
  const args = runtimeSetArgs(RUNTIME_IMAGES);
  const chart = process.env.FLOTILLA_K8S_RUNTIME_CHART;
  if (!chart) return template('helm4', args);
  const r = helm('helm4', ['template', RELEASE, path.resolve(chart), '--namespace', NAMESPACE, ...args]);
  if (r.status !== 0) throw new Error(`helm template ${chart} failed:\n${r.stderr}`);
  return parseDocuments(r.stdout);
}

function describePlan(p: ContainerPlan): string {
  const opts = p.runArgs.slice(0, p.runArgs.indexOf(p.image));
  const pick = (flag: string) => opts.flatMap((a, i) => (opts[i - 1] === flag ? [a] : []));
  const mounts = pick('-v').map((m) => m.split(':').slice(1).join(':'));
  return [
    `${p.dockerName} (${p.workload}) ${p.image}`,
    `  user ${pick('--user')[0] ?? '(image)'} groups ${pick('--group-add').join(',') || '-'}; ${['--read-only', '--init'].filter((f) => opts.includes(f)).join(' ')} cap-drop ${pick('--cap-drop').join(',') || '-'} ${pick('--security-opt').join(' ')}; memory ${pick('--memory')[0] ?? '-'} cpus ${pick('--cpus')[0] ?? '-'}`,
    `  mounts ${mounts.join(' ')}`,
    `  aliases ${p.aliases.join(' ')}`,
    `  env ${p.env.map(([k]) => k).join(' ') || '-'}; command ${JSON.stringify(p.runArgs.slice(p.runArgs.indexOf(p.image) + 1))}${pick('--entrypoint').length ? ` entrypoint ${pick('--entrypoint')[0]}` : ''}${pick('-w').length ? ` in ${pick('-w')[0]}` : ''}`,
  ].join('\n');
}

async function start(p: ContainerPlan) {
  const r = await docker(['run', '-d', ...p.runArgs]);
  if (r.code !== 0) throw new Error(`docker run ${p.dockerName} failed: ${r.stderr.trim()}`);
}

async function main(): Promise<boolean> {
  if (process.env.FLOTILLA_K8S_RUNTIME === '0') {
    log('FLOTILLA_K8S_RUNTIME=0: the runtime check is turned off');
    return true;
  }
  const exported = await prepareEngine();
  await sweepStale();
  await prepareImages(exported);

  const objects = render();
  log(`rendered ${objects.length} objects from ${process.env.FLOTILLA_K8S_RUNTIME_CHART ?? path.relative(ROOT, CHART)} (postgresql.mode=statefulset, edge.dnsResolver=127.0.0.11)`);
  const images = [...new Set(objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image)))];
  const users = new Map<string, string>();
  for (const image of images) users.set(image, (await dockerOk(['image', 'inspect', '-f', '{{.Config.User}}', image])).trim());

  filesDir = mkdtempSync(path.join(os.tmpdir(), `${FILES_PREFIX}${process.pid}-`));
  chmodSync(filesDir, 0o755);
  const labels = { [OWNER_LABEL]: String(process.pid), 'flotilla.k8s-runtime.run': RUN_ID };
  const plans = planRelease(objects, {
    namespace: NAMESPACE,
    clusterDomain: 'cluster.local',
    network: NETWORK,
    namePrefix: PREFIX,
    filesDir,
    labels,
    publishServices: [`${RELEASE}-edge`],
    imageUser: (image) => users.get(image) ?? '',
  });
  const notes = [...new Set(plans.flatMap((p) => p.notTranslated.map((n) => n.replace(/^(Deployment|StatefulSet)\/[^ ]+ /, ''))))];
  log(`${plans.length} containers planned; no effect here: ${notes.join('; ')}`);
  for (const p of plans) for (const line of describePlan(p).split('\n')) log(line);
  await writeFiles(filesDir, plans.flatMap((p) => p.files));

  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await dockerOk(['network', 'create', ...labelArgs, NETWORK]);
  for (const v of plans.flatMap((p) => p.volumes)) {
    await dockerOk(['volume', 'create', ...labelArgs, '--driver', 'local', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', `o=${v.options}`, v.name]);
  }
  await dockerOk(['run', '-d', '--name', PROBER, '--network', NETWORK, ...labelArgs, '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '65534:65534', '--entrypoint', 'node', exported.NODE_IMAGE!, '-e', 'setInterval(() => {}, 1 << 30)']);

  // The database first (in a cluster the services would crash-loop until it is ready; here a
  // container that stops is a failure), then every Deployment at once, as `helm install` would.
  const database = plans.filter((p) => p.kind === 'StatefulSet');
  const apps = plans.filter((p) => p.kind !== 'StatefulSet');
  const ready = async (group: ContainerPlan[]) => {
    for (const p of group) await start(p);
    const outcomes = await Promise.allSettled(group.map(async (p) => `${p.dockerName}: ${await waitReady(p)}`));
    for (const o of outcomes) if (o.status === 'fulfilled') log(`ready ${o.value}`);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed.length) throw new Error(failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join('\n'));
  };
  const t0 = Date.now();
  await ready(database);
  await ready(apps);
  log(`every container ready ${secs(Date.now() - t0)} after the first start`);
  for (const p of plans) await check(`${p.dockerName}: liveness probe`, () => checkLiveness(p));

  const edge = plans.find((p) => p.publish.length > 0);
  assert(edge, 'no container publishes the edge Service');
  const port = (await dockerOk(['port', edge.dockerName, `${edge.publish[0]}/tcp`])).split('\n').find((l) => l.startsWith('127.0.0.1:'));
  assert(port, `${edge.dockerName} is not published on 127.0.0.1`);
  log(`edge published on http://${port}`);
  await throughTheEdge(`http://${port}`, objects);

  const db = database[0];
  if (db) {
    await check('PostgreSQL: each service migrated and wrote its own database (the URLs reached the server, not an embedded fallback)', async () => {
      const queries: Record<string, string> = {
        users: "select count(*) from users where username = 'admin'",
        fleet: 'select count(*) from allocations',
        translation: "select count(*) from translations where text_de like 'Das Auto ist rot%'",
        stats: 'select count(*) from schema_migrations',
      };
      const found: string[] = [];
      for (const [database, query] of Object.entries(queries)) {
        const r = await docker(['exec', db.dockerName, 'psql', '-U', 'postgres', '-d', database, '-Atc', `select (select count(*) from schema_migrations) || ' ' || (${query})`]);
        assert(r.code === 0, `${database}: ${r.stderr.trim()}`);
        const [migrations, rows] = r.stdout.trim().split(' ').map(Number);
        assert(migrations! > 0 && rows! > 0, `${database}: ${migrations} migrations, ${rows} rows for ${query}`);
        found.push(`${database} ${migrations} migrations`);
      }
      return found.join(', ');
    });
  }
  await check('every container still running: none stopped, restarted or OOM-killed', async () => {
    const bad: string[] = [];
    for (const p of plans) {
      const info = await state(p);
      if (!info.State.Running || info.State.OOMKilled || info.RestartCount > 0) bad.push(`${p.dockerName}: ${info.State.Status}${info.State.OOMKilled ? ' (OOM-killed)' : ''}`);
    }
    assert(bad.length === 0, bad.join('; '));
    return `${plans.length} containers`;
  });
  const failed = results.filter((r) => !r.ok);
  if (failed.length) for (const p of plans) log(`--- logs of ${p.dockerName}\n${await logsOf(p, 40)}`);
  return failed.length === 0;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  log(`FAIL ${e instanceof Error ? (e.name === 'Untranslatable' ? `untranslatable: ${e.message}` : e.message) : String(e)}`);
} finally {
  await cleanup();
}
const passed = results.filter((r) => r.ok).length;
log(`${passed} checks passed, ${results.length - passed} failed; total ${secs(Date.now() - began)}`);
log(ok ? 'RESULT: PASS' : 'RESULT: FAIL');
process.exit(ok ? 0 : 1);
