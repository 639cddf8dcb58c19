#!/usr/bin/env node
// Image build helper (runs inside the Dockerfile's stages, never on the host).
//
//   collect.mjs manifests SRC OUT   copy the root lockfile and every workspace's package.json,
//                                   keeping their paths: the dependency stage then depends on
//                                   manifests only, so a source edit does not re-run `npm ci`.
//   collect.mjs runtime SERVICE OUT copy what SERVICE needs at run time (compiled code, SQL
//                                   migrations, assets) and nothing else: no sources, tests,
//                                   tsconfig or build info.
//   collect.mjs modules ROOT OUT    copy every node_modules tree of a production install,
//                                   wherever npm placed it (hoisted or nested per workspace).
//
// Written in Node rather than shell so that optional folders (a service without migrations,
// a workspace without nested node_modules) need no special cases in the Dockerfile.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [mode, from, out] = process.argv.slice(2);
if (!mode || !from || !out) {
  process.stderr.write('usage: collect.mjs manifests|runtime|modules <from> <out>\n');
  process.exit(2);
}

/** Files and folders a running service never reads. */
const BUILD_ONLY = new Set([
  'src',
  'test',
  'bench',
  'node_modules',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.tsbuildinfo',
  'vitest.config.ts',
]);

function copy(source, target) {
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, verbatimSymlinks: true });
}

/** Copies a workspace folder minus its build-only files. */
function copyWorkspace(root, workspace, outDir) {
  const dir = join(root, workspace);
  for (const entry of readdirSync(dir)) {
    if (BUILD_ONLY.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    copy(join(dir, entry), join(outDir, workspace, entry));
  }
}

function workspaces(root) {
  const found = [];
  for (const parent of ['packages', 'services']) {
    if (!existsSync(join(root, parent))) continue;
    for (const name of readdirSync(join(root, parent))) found.push(`${parent}/${name}`);
  }
  found.push('web');
  return found.filter((ws) => existsSync(join(root, ws, 'package.json')));
}

if (mode === 'manifests') {
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
    if (existsSync(join(from, file))) copy(join(from, file), join(out, file));
  }
  for (const ws of workspaces(from)) copy(join(from, ws, 'package.json'), join(out, ws, 'package.json'));
} else if (mode === 'runtime') {
  const root = process.cwd();
  const service = `services/${from}`;
  if (!existsSync(join(root, service, 'dist', 'main.js'))) {
    process.stderr.write(`collect: ${service}/dist/main.js is missing; did the build fail?\n`);
    process.exit(1);
  }
  copy(join(root, 'package.json'), join(out, 'package.json'));
  copyWorkspace(root, 'packages/kit', out);
  copyWorkspace(root, service, out);
} else if (mode === 'modules') {
  // Hoisted tree at the root plus nested trees npm creates for version conflicts.
  const trees = [join(from, 'node_modules')];
  for (const ws of workspaces(from)) trees.push(join(from, ws, 'node_modules'));
  for (const tree of trees) {
    if (existsSync(tree) && statSync(tree).isDirectory()) copy(tree, join(out, relative(from, tree)));
  }
} else {
  process.stderr.write(`collect: unknown mode ${mode}\n`);
  process.exit(2);
}
