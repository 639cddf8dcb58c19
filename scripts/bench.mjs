#!/usr/bin/env node
// `npm run bench -- <name> [options]`: runs services/<name>/bench/<name>.ts, or one of the
// benchmarks below that live in a service under another name; reports go to bench/results/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

/** Benchmarks named other than their service: name → script, relative to the repository. */
const NAMED = {
  clusterers: join('services', 'stats', 'bench', 'clusterers.ts'),
  embedded: join('bench', 'embedded.ts'),
};
const scripts = Object.fromEntries([
  ...readdirSync(join(ROOT, 'services'))
    .filter((name) => existsSync(join(ROOT, 'services', name, 'bench', `${name}.ts`)))
    .map((name) => [name, join('services', name, 'bench', `${name}.ts`)]),
  ...Object.entries(NAMED).filter(([, script]) => existsSync(join(ROOT, script))),
]);
const available = Object.keys(scripts);
const [name, ...options] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [options]\n`);
  process.exit(2);
}
const { status } = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(ROOT, scripts[name]), ...options],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
process.exit(status ?? 1);
