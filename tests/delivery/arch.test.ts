// The images are arch-neutral: the release builds each for linux/amd64 and linux/arm64 from one
// Dockerfile (buildx + QEMU on GitHub's runners; this machine cannot build arm64, see the README).
// What can be checked here: nothing in what the build runs names an architecture, and every
// native npm package is locked for linux-arm64 (glibc, as Debian's node image) as well as for
// linux-x64, so `npm ci` inside an arm64 build resolves from the lockfile as it does here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/images.mjs';

const ARCH = /\b(amd64|arm64|aarch64|x86[_-]64|x64|i[36]86|armhf|armv[67]l?|ppc64(le)?|s390x|riscv64)\b|--platform/i;

/** The lines a build executes or copies in: comments dropped. */
const codeLines = (file: string, comment: RegExp) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim() !== '' && !comment.test(line));

describe('the Dockerfile and what it runs name no architecture', () => {
  it('deploy/Dockerfile: no architecture, no --platform, base images only through ARGs', () => {
    const lines = codeLines(path.join(ROOT, 'deploy/Dockerfile'), /^\s*#/);
    expect(lines.filter(({ line }) => ARCH.test(line)).map(({ n, line }) => `${n}: ${line}`)).toEqual([]);
    const froms = lines.filter(({ line }) => /^FROM\s/i.test(line)).map(({ line }) => line.split(/\s+/)[1]);
    // Each FROM is a base-image ARG or an earlier stage, never a literal image.
    for (const from of froms) expect(from).toMatch(/^\$\{[A-Z_]+_IMAGE\}$|^[a-z][a-z0-9-]*$/);
  });

  it('the build helpers copied into the images (deploy/docker/*.mjs) name none either', () => {
    const dir = path.join(ROOT, 'deploy/docker');
    const found: string[] = [];
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.mjs'))) {
      for (const { n, line } of codeLines(path.join(dir, name), /^\s*(\/\/|\*|\/\*)/)) {
        if (ARCH.test(line) || /process\.arch/.test(line)) found.push(`${name}:${n}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------

interface LockEntry {
  version?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
  dev?: boolean;
  resolved?: string;
  integrity?: string;
  optionalDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const packages = Object.entries(lock.packages).filter(([key]) => key !== '');
const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
const platformSpecific = (e: LockEntry) => Boolean(e.os || e.cpu);
const allows = (list: string[] | undefined, value: string) =>
  !list || (list.includes(value) && !list.includes(`!${value}`)) || (list.every((v) => v.startsWith('!')) && !list.includes(`!${value}`));
const runsOn = (e: LockEntry, cpu: 'x64' | 'arm64') => allows(e.os, 'linux') && allows(e.cpu, cpu) && allows(e.libc, 'glibc');

/** Where npm would resolve `name` from the package at `key` (its own node_modules, then upwards). */
function resolveFrom(key: string, name: string): [string, LockEntry] | undefined {
  let base = key;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return [candidate, lock.packages[candidate]];
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** Each package shipping native builds as optional dependencies: its platform packages, resolved. */
const families = packages
  .map(([key, entry]) => ({
    key,
    name: nameOf(key),
    entry,
    variants: Object.keys(entry.optionalDependencies ?? {})
      .map((dep) => resolveFrom(key, dep) ?? ([`(not locked) ${dep}`, { os: ['?'] }] as [string, LockEntry]))
      .filter(([, e]) => platformSpecific(e)),
  }))
  .filter((f) => f.variants.length > 0 && f.variants.some(([, e]) => allows(e.os, 'linux')));

describe('every native npm dependency is locked for linux-arm64 (glibc) as well as linux-x64', () => {
  it('the lockfile has native families (argon2, esbuild, rolldown, lightningcss) and this check sees them', () => {
    const names = families.map((f) => f.name);
    for (const expected of ['@node-rs/argon2', 'esbuild', 'lightningcss']) expect(names).toContain(expected);
    expect(names.some((n) => n.startsWith('@rolldown/') || n === 'rolldown')).toBe(true);
  });

  it.each(families.map((f) => [f.name, f] as const))('%s', (_name, family) => {
    for (const cpu of ['x64', 'arm64'] as const) {
      const variant = family.variants.find(([, e]) => runsOn(e, cpu));
      expect(variant, `${family.key}: no linux-${cpu} glibc variant among ${family.variants.map(([k]) => nameOf(k)).join(', ')}`).toBeDefined();
      const [key, entry] = variant!;
      // Locked as npm ci needs it: its integrity and the version the parent asks for (this
      // lockfile records no `resolved` URLs: npm fetches them from the configured registry).
      if (entry.resolved) expect(entry.resolved, key).toMatch(/^https:\/\//);
      expect(entry.integrity, `${key}: no integrity`).toMatch(/^sha512-/);
      const wanted = family.entry.optionalDependencies![nameOf(key)];
      if (wanted && /^\d+\.\d+\.\d+$/.test(wanted)) expect(entry.version, key).toBe(wanted);
    }
  });

  it('no platform-specific package outside such a family (it would be missing on the other architecture)', () => {
    const inFamilies = new Set(families.flatMap((f) => f.variants.map(([k]) => k)));
    const stray = packages
      .filter(([key, e]) => platformSpecific(e) && allows(e.os, 'linux') && !inFamilies.has(key))
      // A package for one OS that is not Linux never lands in an image.
      .map(([key, e]) => `${key} (os ${e.os?.join(',') ?? '*'}, cpu ${e.cpu?.join(',') ?? '*'})`);
    expect(stray).toEqual([]);
  });
});
