/**
 * Scores the active engine (TRANSLATION_ENGINE, auto by default) on FLORES dev with BLEU
 * and chrF, next to the reference systems' outputs, and prints a Markdown table.
 * Usage: eval [flores-dir]   (default: ../shared/data/flores-deen from the repository root)
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectEngine } from '../engines/select.js';
import { evaluateOnFlores, markdownTable } from '../eval/flores.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const floresDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data', 'flores-deen'));

const engine = await selectEngine();
const status = engine.status();
if (!status.ready) {
  process.stderr.write(`${status.reason}\n`);
  process.exit(1);
}
process.stderr.write(`engine: ${engine.name} — ${status.reason}\nFLORES dev: ${floresDir}\n`);
try {
  const { scores, sentences, seconds } = await evaluateOnFlores(engine, floresDir, (done, total) => {
    if (done % 100 === 0 || done === total) process.stderr.write(`\r${done}/${total} sentences`);
  });
  process.stderr.write('\n');
  process.stdout.write(`${markdownTable(scores)}\n\n`);
  process.stdout.write(
    `${sentences} sentences translated by ${engine.name} in ${seconds.toFixed(1)} s (sacreBLEU conventions: BLEU 13a tokenizer, corpus-level; chrF n=6, beta=2)\n`,
  );
} finally {
  await engine.close();
}
