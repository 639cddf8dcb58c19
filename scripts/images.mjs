#!/usr/bin/env node
// `npm run images`: the one build definition of Flotilla's images, used by `.ci/run`, the
// Compose, fault and Kubernetes tests and (through `--list --json`) the release workflow.
//
//   npm run images -- --list [--json]                      the components: name, image, target, build args
//   npm run images -- --registry R --tag T                 build every image as R/flotilla-<component>:T
//   npm run images -- --registry R --tag T --push          … and push each one, printing its digest
//   npm run images -- --registry R --tag T --push --round-trip [--report FILE]
//                                                          … then remove the local images, pull them
//                                                          back by digest, check each is the image that
//                                                          was built, and re-read every blob
//   npm run images -- --registry R --tag T --platform linux/amd64,linux/arm64 --push
//                                                          a multi-platform build with docker buildx
//   options: --only a,b  --jobs N (parallel builds, default 2)  --build-arg K=V (repeatable)
//
// The components are the services of deploy/compose.yaml that have a `build:` section: their
// names, Dockerfile targets and build arguments are written there once (what `docker compose
// build` uses), and read from there by everything that builds. Variables in those arguments are
// resolved as Compose resolves them (`${NODE_IMAGE:-<pinned default>}`), so NODE_IMAGE and
// NGINX_IMAGE in the environment swap in local stand-in base images, exactly as for Compose.
// VERSION, REVISION and CREATED (the OCI labels) are stamped per build: the tag, the git commit,
// the time.
//
// Without --platform the legacy builder builds (DOCKER_BUILDKIT=0: Docker 20.10 and docker-compose
// 1.29 have no buildx), for this machine's platform, with --network host (npm inside the build
// reaches the registry only that way on these machines); FLOTILLA_BUILDER=buildkit uses BuildKit,
// a current Docker's default builder, instead (GitHub's runners). The first image builds alone (it fills
// the shared stages: dependencies, the compilation of every service), then the others two at a
// time, and the image whose target is the Dockerfile's last stage goes last (the legacy builder
// runs every stage above its target, all cached by then).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const COMPOSE_FILE = path.join(ROOT, 'deploy', 'compose.yaml');
/** Build arguments every build sets itself (the OCI labels' version, revision and date). */
export const STAMP_ARGS = ['VERSION', 'REVISION', 'CREATED'];

/** The image repository of a component under a registry: <registry>/flotilla-<component>. */
export const imageRepository = (registry, component) => `${registry.replace(/\/+$/, '')}/flotilla-${component}`;
export const imageRef = (registry, component, tag) => `${imageRepository(registry, component)}:${tag}`;

/**
 * `<registry>:<tag>` (e.g. `127.0.0.1:5000/flotilla:ci-42`, the FLOTILLA_IMAGES_FROM form) split
 * into its registry and tag: the tag is after the last colon that follows the last slash.
 */
export function parseImagesFrom(value) {
  const slash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  if (slash < 0 || colon < slash) throw new Error(`"${value}": expected <registry>:<tag>, e.g. 127.0.0.1:5000/flotilla:ci`);
  return { registry: value.slice(0, colon), tag: value.slice(colon + 1) };
}

/**
 * The images the container tests run: FLOTILLA_IMAGES_FROM=<registry>:<tag> (`.ci/run`: the ones
 * it pushed to its local registry and pulled back by digest), else flotilla-test/…:compose, which
 * `npm run test:compose` builds and test:faults and test:k8s reuse.
 */
export function testImages(env = process.env) {
  return env.FLOTILLA_IMAGES_FROM ? parseImagesFrom(env.FLOTILLA_IMAGES_FROM) : { registry: 'flotilla-test', tag: 'compose' };
}

// ------------------------------------------------------------------------------------------
// The components, from deploy/compose.yaml

// js-yaml follows YAML merge keys (`<<: *node-build-args`).

/** Compose's variable syntax: ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default} (unset), $$. */
export function interpolate(text, env = process.env) {
  return String(text).replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g, (match, name, colon, fallback) => {
    if (match === '$$') return '$';
    const value = env[name];
    if (fallback === undefined) return value ?? '';
    return value === undefined || (colon && value === '') ? fallback : value;
  });
}

/** The Dockerfile's stages in order (`FROM … AS name`). */
export function dockerfileStages(file) {
  return [...readFileSync(file, 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1].toLowerCase());
}

/**
 * Every component: { name, image, target, dockerfile, context (relative to the repository),
 * args (resolved against env, without the stamp arguments) }, in build order.
 */
export function components({ env = process.env, file = COMPOSE_FILE } = {}) {
  const doc = yaml.load(readFileSync(file, 'utf8'));
  const base = path.dirname(file);
  const list = [];
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    if (!service.build) continue;
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    const pattern = new RegExp(`^\\$\\{FLOTILLA_REGISTRY(:-[^}]+)?\\}/flotilla-${name}:\\$\\{FLOTILLA_TAG(:-[^}]+)?\\}$`);
    if (!pattern.test(service.image ?? '')) {
      throw new Error(`${path.relative(ROOT, file)}: service ${name} builds an image but is named "${service.image}", not \${FLOTILLA_REGISTRY…}/flotilla-${name}:\${FLOTILLA_TAG…}`);
    }
    const context = path.resolve(base, build.context ?? '.');
    const args = {};
    for (const [key, value] of Object.entries(build.args ?? {})) {
      if (!STAMP_ARGS.includes(key)) args[key] = interpolate(value ?? '', env);
    }
    list.push({
      name,
      image: `flotilla-${name}`,
      target: build.target,
      dockerfile: path.relative(ROOT, path.resolve(context, build.dockerfile ?? 'Dockerfile')),
      context: path.relative(ROOT, context) || '.',
      args,
    });
  }
  const stages = new Map();
  const order = (c) => {
    if (!stages.has(c.dockerfile)) stages.set(c.dockerfile, dockerfileStages(path.join(ROOT, c.dockerfile)));
    const index = stages.get(c.dockerfile).indexOf(String(c.target).toLowerCase());
    if (index < 0) throw new Error(`${c.dockerfile} has no stage "${c.target}" (component ${c.name})`);
    return index;
  };
  return list.map((c) => [order(c), c]).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

/** The build arguments as `docker build` and build-push-action take them: K=V lines. */
export const buildArgLines = (args) => Object.entries(args).map(([k, v]) => `${k}=${v}`);

// ------------------------------------------------------------------------------------------
// Processes

/** The processes running now (builds included): a caller stops them when it is interrupted. */
export const children = new Set();

/**
 * Runs a command from the repository root; resolves with { code, stdout, stderr, ms }. A non-zero
 * exit resolves too, unless allowFail is false (then it rejects with the output's tail).
 */
export function run(command, args, { env = {}, input, quiet = true, allowFail = true, timeoutMs = 1_800_000 } = {}) {
  return new Promise((resolve, reject) => {
    const began = Date.now();
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!quiet) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !allowFail) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${(stderr || stdout).trim().slice(-2000)}`));
      } else resolve({ code, stdout, stderr, ms: Date.now() - began });
    });
    child.stdin.end(input);
  });
}

const docker = (args, options) => run('docker', args, options);
async function dockerOk(args, options) {
  const r = await docker(args, options);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(' ')} … exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-1500)}`);
  return r.stdout;
}

export function gitRevision() {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

const uncommitted = () => spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() !== '';

/** { id, bytes, created, revision, repoDigests } of a local image, or undefined when absent. */
export async function inspectImage(ref) {
  const r = await docker(['image', 'inspect', ref]);
  if (r.code !== 0) return undefined;
  const [info] = JSON.parse(r.stdout);
  return {
    id: info.Id,
    bytes: info.Size,
    created: info.Created,
    revision: info.Config?.Labels?.['org.opencontainers.image.revision'],
    repoDigests: info.RepoDigests ?? [],
  };
}

// ------------------------------------------------------------------------------------------
// Building

/**
 * The builder without --platform: `legacy` (DOCKER_BUILDKIT=0, --network host: Docker 20.10 and
 * docker-compose 1.29, these machines) or `buildkit` (FLOTILLA_BUILDER=buildkit: the default
 * builder of a current Docker, e.g. on GitHub's runners).
 */
export const defaultBuilder = (env = process.env) => (env.FLOTILLA_BUILDER === 'buildkit' ? 'buildkit' : 'legacy');

/** The `docker build` (or `docker buildx build`) arguments of one component. */
export function buildCommand(component, { ref, stamp, extraArgs = {}, platform, push = false, builder = 'legacy' }) {
  const args = { ...component.args, ...extraArgs, ...stamp };
  const flags = [
    ...(builder === 'legacy' ? ['--network', 'host'] : []),
    '-f', component.dockerfile,
    '--target', component.target,
    ...buildArgLines(args).flatMap((a) => ['--build-arg', a]),
    '-t', ref,
  ];
  if (platform) return ['buildx', 'build', '--platform', platform, ...(push ? ['--push'] : ['--load']), ...flags, component.context];
  // A failed step's container is removed too (the legacy builder keeps it otherwise).
  return ['build', ...(builder === 'legacy' ? ['--force-rm'] : []), ...flags, component.context];
}

/**
 * Builds the components (all, or `only`) as <registry>/flotilla-<name>:<tag>. `env` resolves
 * the Compose variables (NODE_IMAGE, NGINX_IMAGE stand-ins); `extraArgs` overrides build
 * arguments. Calls onResult({ name, ref, ok, ms, bytes, id, output }) after each build and throws
 * after a failed one. Resolves with the results in build order.
 */
export async function buildImages({ registry, tag, only, env = process.env, extraArgs = {}, jobs = 2, platform, push = false, builder = defaultBuilder(env), onResult = () => {}, onStart = () => {} }) {
  const all = components({ env });
  const unknown = (only ?? []).filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new Error(`no component named ${unknown.join(', ')} (components: ${all.map((c) => c.name).join(', ')})`);
  const chosen = only ? all.filter((c) => only.includes(c.name)) : all;
  if (platform) {
    const buildx = await docker(['buildx', 'version']);
    if (buildx.code !== 0) throw new Error(`--platform ${platform} needs docker buildx, which this Docker does not have (${(buildx.stderr || buildx.stdout).trim().split('\n')[0]}); without --platform the images are built for this machine's platform`);
    if (platform.includes(',') && !push) throw new Error('a multi-platform build needs --push: the local image store holds one platform');
  }
  const stamp = { VERSION: tag, REVISION: gitRevision(), CREATED: new Date().toISOString() };
  const results = [];
  const buildOne = async (component) => {
    const ref = imageRef(registry, component.name, tag);
    onStart({ name: component.name, ref, target: component.target });
    const r = await docker(buildCommand(component, { ref, stamp, extraArgs, platform, push, builder }), {
      env: platform ? {} : { DOCKER_BUILDKIT: builder === 'legacy' ? '0' : '1' },
    });
    const output = r.stdout + r.stderr;
    const info = r.code === 0 && !(platform && push) ? await inspectImage(ref) : undefined;
    const result = { name: component.name, target: component.target, ref, ok: r.code === 0, ms: r.ms, bytes: info?.bytes, id: info?.id, output };
    results.push(result);
    await onResult(result);
    if (!result.ok) throw new Error(`image ${component.name} did not build:\n${r.stdout.slice(-3000)}${r.stderr.slice(-1500)}`);
  };
  const queue = [...chosen];
  const first = queue.shift();
  const lastStage = (c) => dockerfileStages(path.join(ROOT, c.dockerfile)).at(-1) === String(c.target).toLowerCase();
  const last = queue.length > 0 && lastStage(queue.at(-1)) ? queue.pop() : undefined;
  if (first) await buildOne(first);
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await buildOne(next);
    }),
  );
  if (last) await buildOne(last);
  const order = chosen.map((c) => c.name);
  return results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

// ------------------------------------------------------------------------------------------
// Pushing, and the round trip through the registry

/** Pushes one image; resolves with its manifest digest (what `docker pull repo@digest` takes). */
export async function pushImage(ref) {
  const r = await docker(['push', ref]);
  if (r.code !== 0) throw new Error(`docker push ${ref} failed: ${(r.stderr || r.stdout).trim().slice(-1500)}`);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1];
  if (!digest) throw new Error(`docker push ${ref}: no digest in its output:\n${r.stdout.slice(-1000)}`);
  return { digest, ms: r.ms };
}

const repositoryOf = (ref) => ref.slice(0, ref.lastIndexOf(':'));

/** http://host:port/v2/<name> for a registry on loopback (plain HTTP), else undefined. */
function loopbackApi(repository) {
  const [host, ...rest] = repository.split('/');
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(host)) return undefined;
  return `http://${host}/v2/${rest.join('/')}`;
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** Reads a manifest and its blobs back from a loopback registry, checking every sha256. */
async function verifyInRegistry(repository, digest, seenBlobs) {
  const api = loopbackApi(repository);
  if (!api) return undefined;
  const response = await fetch(`${api}/manifests/${digest}`, { headers: { accept: MANIFEST_TYPES } });
  if (!response.ok) throw new Error(`GET ${api}/manifests/${digest}: ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (actual !== digest) throw new Error(`${repository}@${digest}: the registry's manifest hashes to ${actual}`);
  const manifest = JSON.parse(body.toString('utf8'));
  let compressed = 0;
  let reread = 0;
  for (const blob of [manifest.config, ...manifest.layers]) {
    if (blob !== manifest.config) compressed += blob.size;
    if (seenBlobs.has(blob.digest)) continue;
    const r = await fetch(`${api}/blobs/${blob.digest}`);
    if (!r.ok) throw new Error(`GET ${api}/blobs/${blob.digest}: ${r.status}`);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of r.body) {
      hash.update(chunk);
      size += chunk.length;
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== blob.digest || size !== blob.size) throw new Error(`${repository}: blob ${blob.digest} reads back as ${got}, ${size} bytes`);
    seenBlobs.add(blob.digest);
    reread += size;
  }
  return { layers: manifest.layers.length, compressed, reread };
}

/**
 * For each built image: push; then remove the local image, pull it back by digest, check it is
 * the image that was built (same image id) and tag it again as <ref> for the tests; and, for a
 * loopback registry, re-read the manifest and every blob and check their sha256.
 */
export async function pushAndRoundTrip(results, { roundTrip = false, log = () => {} } = {}) {
  const began = Date.now();
  for (const r of results) {
    Object.assign(r, await pushImage(r.ref).then(({ digest, ms }) => ({ digest, pushMs: ms })));
    log(`pushed ${r.ref} ${r.digest} (${(r.pushMs / 1000).toFixed(1)} s)`);
  }
  const pushMs = Date.now() - began;
  if (!roundTrip) return { pushMs };
  const removeBegan = Date.now();
  for (const r of results) {
    // rmi removes the tag and the layers no other image uses; the pull must bring those back.
    await dockerOk(['rmi', r.ref]);
    if (await inspectImage(r.id)) log(`note: ${r.ref}'s image ${r.id.slice(7, 19)} is still present under another name`);
  }
  const removeMs = Date.now() - removeBegan;
  const pullBegan = Date.now();
  for (const r of results) {
    const byDigest = `${repositoryOf(r.ref)}@${r.digest}`;
    const pull = await docker(['pull', byDigest]);
    if (pull.code !== 0) throw new Error(`docker pull ${byDigest} failed: ${(pull.stderr || pull.stdout).trim().slice(-1500)}`);
    const pulled = await inspectImage(byDigest);
    if (pulled?.id !== r.id) throw new Error(`${byDigest} pulled as image ${pulled?.id}, but ${r.id} was built and pushed`);
    await dockerOk(['tag', byDigest, r.ref]);
    r.pullMs = pull.ms;
    r.layersPulled = (pull.stdout.match(/Pull complete/g) ?? []).length;
    r.layersPresent = (pull.stdout.match(/Already exists/g) ?? []).length;
    log(`pulled ${byDigest} in ${(pull.ms / 1000).toFixed(1)} s (${r.layersPulled} layers downloaded, ${r.layersPresent} already present): image ${r.id.slice(7, 19)}, as built`);
  }
  const pullMs = Date.now() - pullBegan;
  const seen = new Set();
  const verifyBegan = Date.now();
  let reread = 0;
  for (const r of results) {
    const v = await verifyInRegistry(repositoryOf(r.ref), r.digest, seen);
    if (!v) continue;
    Object.assign(r, { layers: v.layers, compressed: v.compressed });
    reread += v.reread;
  }
  return { pushMs, removeMs, pullMs, verifyMs: Date.now() - verifyBegan, blobs: seen.size, rereadBytes: reread, totalMs: Date.now() - began };
}

// ------------------------------------------------------------------------------------------
// Reporting

const mb = (bytes) => (bytes === undefined ? '-' : `${(bytes / 1e6).toFixed(1)} MB`);
const s = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

function summaryLines(results, timing, { registry, tag, buildMs }) {
  const lines = [
    `| component | image | digest | size (local) | compressed (registry) | layers | built | pushed | pulled |`,
    `|---|---|---|---|---|---|---|---|---|`,
    ...results.map((r) => `| ${r.name} | \`${r.ref}\` | \`${r.digest ?? '-'}\` | ${mb(r.bytes)} | ${mb(r.compressed)} | ${r.layers ?? '-'} | ${s(r.ms)} | ${s(r.pushMs)} | ${s(r.pullMs)} |`),
    '',
    `- registry ${registry}, tag ${tag}; builds ${s(buildMs)} (wall clock)`,
  ];
  if (timing?.pushMs !== undefined) lines.push(`- push of all images: ${s(timing.pushMs)}`);
  if (timing?.pullMs !== undefined) {
    lines.push(
      `- local images removed in ${s(timing.removeMs)}, pulled back by digest in ${s(timing.pullMs)} (${results.reduce((n, r) => n + (r.layersPulled ?? 0), 0)} layers downloaded, ${results.reduce((n, r) => n + (r.layersPresent ?? 0), 0)} shared with images still present); each pulled image has the id of the image built`,
      `- every blob read back from the registry and its sha256 checked: ${timing.blobs} blobs, ${mb(timing.rereadBytes)} in ${s(timing.verifyMs)}`,
      `- registry round trip (push, remove, pull by digest, re-read): ${s(timing.totalMs)}`,
    );
  }
  return lines;
}

function writeReport(file, results, timing, context) {
  const md = [
    `# Images — ${new Date().toISOString()}`,
    '',
    `\`npm run images -- --registry ${context.registry} --tag ${context.tag} --push${timing?.pullMs !== undefined ? ' --round-trip' : ''}\` at ${gitRevision()}${uncommitted() ? ' (with uncommitted changes)' : ''}, on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; Docker legacy builder, this machine's platform (${process.arch}).`,
    context.env.NODE_IMAGE || context.env.NGINX_IMAGE ? `Base images: ${[context.env.NODE_IMAGE, context.env.NGINX_IMAGE].filter(Boolean).join(', ')} (local stand-ins for the pinned official images).` : 'Base images: the pinned defaults of deploy/compose.yaml.',
    '',
    ...summaryLines(results, timing, context),
    '',
  ];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, md.join('\n'));
}

// ------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const o = { buildArgs: {}, jobs: 2 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--list') o.list = true;
    else if (a === '--json') o.json = true;
    else if (a === '--push') o.push = true;
    else if (a === '--round-trip') o.roundTrip = true;
    else if (a === '--registry') o.registry = value();
    else if (a === '--tag') o.tag = value();
    else if (a === '--platform') o.platform = value();
    else if (a === '--only') o.only = value().split(',').filter(Boolean);
    else if (a === '--jobs') o.jobs = Number(value());
    else if (a === '--report') o.report = value();
    else if (a === '--build-arg') {
      const [k, ...v] = value().split('=');
      o.buildArgs[k] = v.join('=');
    } else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    return;
  }
  if (o.list) {
    const list = components().filter((c) => !o.only || o.only.includes(c.name));
    if (o.json) {
      // One line (a GitHub Actions job output); buildArgs as build-push-action's `build-args` takes them.
      process.stdout.write(`${JSON.stringify(list.map((c) => ({ ...c, buildArgs: buildArgLines(c.args).join('\n') })))}\n`);
    } else {
      for (const c of list) process.stdout.write(`${c.name.padEnd(12)} ${c.image.padEnd(22)} --target ${c.target.padEnd(12)} ${buildArgLines(c.args).join(' ')}\n`);
    }
    return;
  }
  if (!o.registry || !o.tag) throw new Error('--registry and --tag are required (or --list); see --help');
  if (o.roundTrip && !o.push) throw new Error('--round-trip needs --push');
  if (o.roundTrip && o.platform) throw new Error('--round-trip pulls into the local image store: not with --platform');
  const log = (line) => process.stdout.write(`images | ${line}\n`);
  const began = Date.now();
  const results = await buildImages({
    registry: o.registry,
    tag: o.tag,
    only: o.only,
    extraArgs: o.buildArgs,
    jobs: o.jobs,
    platform: o.platform,
    push: o.push,
    onStart: ({ ref, target }) => log(`building ${ref} (--target ${target})`),
    onResult: (r) => log(r.ok ? `built ${r.ref} in ${s(r.ms)}${r.bytes ? `, ${mb(r.bytes)}` : ''}` : `FAILED ${r.ref}:\n${r.output.slice(-3000)}`),
  });
  const buildMs = Date.now() - began;
  let timing;
  if (o.push && !o.platform) timing = await pushAndRoundTrip(results, { roundTrip: o.roundTrip, log });
  const lines = summaryLines(results, timing, { registry: o.registry, tag: o.tag, buildMs });
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (o.report) {
    writeReport(path.resolve(o.report), results, timing, { registry: o.registry, tag: o.tag, buildMs, env: process.env });
    log(`report: ${path.relative(process.cwd(), path.resolve(o.report))}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`images: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
