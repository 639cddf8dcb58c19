#!/usr/bin/env node
// `npm run bench -- <name> [options]`: runs services/<name>/bench/<name>.ts; reports go to bench/results/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

const available = readdirSync(join(ROOT, 'services')).filter((name) =>
  existsSync(join(ROOT, 'services', name, 'bench', `${name}.ts`)),
);
const [name, ...options] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [options]\n`);
  process.exit(2);
}
const { status } = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'services', name, 'bench', `${name}.ts`), ...options],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
process.exit(status ?? 1);
