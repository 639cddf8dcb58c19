import type { HttpProblem } from '@flotilla/kit';
import { refused } from './guard.js';
import type { ConsoleLimits } from './limits.js';

/** Often enough that memory growing at 1 GB/s overshoots the bound by tens of megabytes only. */
const MEMORY_POLL_MS = 20;

export function timeoutProblem(limits: ConsoleLimits): HttpProblem {
  return refused(
    422,
    'timeout',
    `the query ran longer than the console's limit of ${limits.timeoutMs} ms and was stopped`,
  );
}

/**
 * Kills a console session that outlives its deadline or grows the process past its memory bound,
 * whatever the database is doing: the hard limit behind PostgreSQL's own statement timeout, and
 * the only one PGlite has. Resident memory is the measure because what grows is WebAssembly
 * memory and its file system (invisible to V8's heap limits), or rows arriving from a server.
 * Returns the function that stops watching.
 */
export function watchSession(kill: (problem: HttpProblem) => void, limits: ConsoleLimits): () => void {
  const base = process.memoryUsage.rss();
  const deadline = setTimeout(() => kill(timeoutProblem(limits)), limits.timeoutMs + limits.graceMs);
  const memory = setInterval(() => {
    const growth = process.memoryUsage.rss() - base;
    if (growth > limits.maxMemoryGrowthBytes) {
      kill(
        refused(
          422,
          'too-large',
          `the query needed more than the console's ${Math.round(limits.maxMemoryGrowthBytes / 2 ** 20)} MiB of memory and was stopped; aggregate less or add a WHERE clause`,
        ),
      );
    }
  }, MEMORY_POLL_MS);
  return () => {
    clearTimeout(deadline);
    clearInterval(memory);
  };
}
