/**
 * The dictionary fallback's rules measured one by one on FLORES dev: each row adds one rule to
 * the previous row's, and the last row is the engine as the service runs it. Prints a Markdown
 * table and, with --out PREFIX, writes PREFIX.md and PREFIX.json.
 * Usage: node --import tsx services/translation/bench/fallback.ts [--flores DIR] [--out PREFIX]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { dictionaryPath } from '../src/engines/dictionary-path.js';
import { ALL_RULES, type DictionaryRules } from '../src/engines/dictionary/rules.js';
import { translateText } from '../src/engines/translate-text.js';
import { REFERENCE_SYSTEMS } from '../src/eval/flores.js';
import { corpusBleu, corpusChrf } from '../src/eval/sacrebleu.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    flores: { type: 'string', default: join(repoRoot, '..', 'shared', 'data', 'flores-deen') },
    out: { type: 'string' },
  },
});

const NONE: DictionaryRules = {
  commonSense: false,
  compounds: false,
  inflection: false,
  separableVerbs: false,
  wordOrder: false,
  numbers: false,
  names: false,
  functionWords: false,
};
const STEPS: { step: string; rule?: keyof DictionaryRules }[] = [
  { step: 'word-by-word gloss (no rules)' },
  { step: '+ compound splitting', rule: 'compounds' },
  { step: '+ sense choice by English frequency and by the senses the dictionary itself uses most', rule: 'commonSense' },
  { step: '+ names left alone', rule: 'names' },
  { step: '+ unlisted verb, plural and adjective forms inflected', rule: 'inflection' },
  { step: '+ numbers, times, dates, decades and scales', rule: 'numbers' },
  { step: '+ function words by context (articles, pronouns, als, a/an), their phrases word by word', rule: 'functionWords' },
  { step: '+ separable and reflexive verbs', rule: 'separableVerbs' },
  { step: '+ word order (verb-second, verb-final, verb clusters, passive, perfect)', rule: 'wordOrder' },
];

const lines = async (file: string) => (await readFile(join(values.flores, file), 'utf8')).replace(/\n$/u, '').split('\n');
const sources = await lines('flores-dev.de');
const references = await lines('flores-dev.en');

interface Row {
  step: string;
  rules: DictionaryRules;
  bleu: number;
  chrf: number;
  loadSeconds: number;
}
const rows: Row[] = [];
let rules = NONE;
for (const { step, rule } of STEPS) {
  if (rule) rules = { ...rules, [rule]: true };
  const started = performance.now();
  const engine = await DictionaryEngine.load(dictionaryPath(), rules);
  const loadSeconds = (performance.now() - started) / 1000;
  const hypotheses: string[] = [];
  for (const source of sources) hypotheses.push((await translateText(source, engine)).text.trim());
  const row: Row = {
    step,
    rules,
    bleu: corpusBleu(hypotheses, references).score,
    chrf: corpusChrf(hypotheses, references),
    loadSeconds,
  };
  rows.push(row);
  process.stderr.write(`${step}: chrF ${row.chrf.toFixed(1)}, BLEU ${row.bleu.toFixed(1)}\n`);
  await engine.close();
}
if (JSON.stringify(rules) !== JSON.stringify(ALL_RULES)) throw new Error('the last step must be the service engine');

const reference: { system: string; bleu: number; chrf: number }[] = [];
for (const { system, file } of REFERENCE_SYSTEMS) {
  const outputs = await lines(file);
  reference.push({ system, bleu: corpusBleu(outputs, references).score, chrf: corpusChrf(outputs, references) });
}
const table = [
  `FLORES dev, ${sources.length} sentences; each row adds one rule to the row above, the last is the engine as the service runs it.`,
  '',
  '| step | chrF | BLEU |',
  '|---|---:|---:|',
  ...rows.map((r) => `| ${r.step} | ${r.chrf.toFixed(1)} | ${r.bleu.toFixed(1)} |`),
  ...reference.map((r) => `| *${r.system}* | ${r.chrf.toFixed(1)} | ${r.bleu.toFixed(1)} |`),
  '',
  'Command: `node --import tsx services/translation/bench/fallback.ts --out bench/results/translation-fallback-<date>`',
].join('\n');
process.stdout.write(`${table}\n`);
if (values.out) {
  await writeFile(`${values.out}.md`, `${table}\n`);
  await writeFile(`${values.out}.json`, `${JSON.stringify({ sentences: sources.length, rows, reference }, null, 2)}\n`);
}
