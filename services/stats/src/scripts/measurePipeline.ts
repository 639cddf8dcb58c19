/**
 * Measures the full pipeline (every clusterer's search) on saved Per36 responses, in a fresh
 * process so the peak RSS is the pipeline's own. Prints figures; asserts nothing.
 *
 *   node services/stats/dist/scripts/measurePipeline.js [DATA_DIR] [SEASON]
 *   (defaults: ../shared/data/nba relative to the repository, 2018-19)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLeagueDash } from '../domain/parse.js';
import { runPipeline } from '../domain/pipeline.js';
import { bestRun } from '../domain/search.js';

const dataDir = resolve(
  process.argv[2] ?? fileURLToPath(new URL('../../../../../shared/data/nba', import.meta.url)),
);
const season = process.argv[3] ?? '2018-19';
const load = (type: string) =>
  parseLeagueDash(
    JSON.parse(
      readFileSync(`${dataDir}/leaguedashplayerstats_${season}_${type}_per36.resultsets.json`, 'utf8'),
    ),
  ).rows;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const input = { regular: load('regular'), playoffs: load('playoffs') };
const rssBefore = process.memoryUsage().rss;
let heapPeak = process.memoryUsage().heapUsed;
const byClusterer = new Map<string, { runs: number; ms: number }>();
let last = performance.now();
const started = last;
const result = runPipeline(input, {
  seed: 0,
  onProgress: ({ run }) => {
    const now = performance.now();
    const entry = byClusterer.get(run.clusterer) ?? { runs: 0, ms: 0 };
    byClusterer.set(run.clusterer, { runs: entry.runs + 1, ms: entry.ms + (now - last) });
    last = now;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  },
});
const total = performance.now() - started;
const best = bestRun(result.runs);

console.log(`season ${season}: ${input.regular.length} regular + ${input.playoffs.length} playoff rows`);
console.log(
  `${result.players.length} eligible players, ${result.features.length} features, ${result.components} PCA components`,
);
console.log(
  `pipeline: ${result.runs.length} runs in ${total.toFixed(0)} ms (includes transform, first run timing)`,
);
for (const [name, { runs, ms }] of byClusterer) console.log(`  ${name}: ${runs} runs, ${ms.toFixed(0)} ms`);
console.log(
  `memory: RSS before ${mib(rssBefore)}, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}, peak heap sampled ${mib(heapPeak)}`,
);
if (best) {
  console.log(
    `best (silhouette, ≥ 3 clusters): ${best.clusterer} ${JSON.stringify(best.params)} → ${JSON.stringify(best.metrics)}`,
  );
}
