import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` beside `beside` (an `import.meta.url`): its .js in
 * dist, or from source (tests, `node --import tsx`) its .ts, which Node 20 cannot load in a worker
 * by itself, so tsx imports it there.
 */
export function startWorker(beside: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = extname(fileURLToPath(beside));
  const entry = new URL(`./${name}${extension}`, beside);
  if (extension !== '.ts') return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(beside)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Runs the module `name` beside `beside` in a child Node process, as `startWorker` finds it; from
 * source, through tsx; `nodeFlags` before the rest. For work whose memory must go when it ends: a worker thread's native
 * allocations stay in glibc's per-thread arenas after it exits, a process's go with it.
 */
export function forkModule(
  beside: string,
  name: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): ChildProcess {
  const extension = extname(fileURLToPath(beside));
  const entry = fileURLToPath(new URL(`./${name}${extension}`, beside));
  const execArgv = [...nodeFlags, ...(extension === '.ts' ? ['--import', import.meta.resolve('tsx/esm')] : [])];
  return fork(entry, [...args], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}
