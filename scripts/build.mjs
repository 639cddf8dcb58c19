#!/usr/bin/env node
// Builds every workspace: `tsc -b` (incremental: a no-op when nothing changed) and the web app
// when it has one. Runs after `npm ci` (the `prepare` script) so `npm start` starts at once.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// A production install (`npm ci --omit=dev`, as in the container images) has no compiler: nothing to do.
if (!existsSync(tsc)) process.exit(0);

const force = process.argv.includes('--web');
try {
  execFileSync(process.execPath, [tsc, '-b'], { cwd: ROOT, stdio: 'inherit' });
  const web = join(ROOT, 'web');
  if (existsSync(join(web, 'package.json')) && (force || !existsSync(join(web, 'dist', 'index.html')))) {
    execFileSync('npm', ['run', 'build', '--workspace', 'web'], { cwd: ROOT, stdio: 'inherit' });
  }
} catch {
  process.stderr.write('flotilla | the build failed (see above)\n');
  process.exit(1);
}
