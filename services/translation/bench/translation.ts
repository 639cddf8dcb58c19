/**
 * Translation benchmark: words/s translating a 20,000-word German document through the HTTP API
 * (POST /translate), and the time to the first streamed sentence through POST /translate/stream.
 * The document is FLORES dev German sentences, repeated in order until it has enough words, in
 * paragraphs of five sentences. The service runs in this process on a loopback port, on
 * in-memory PGlite (or DATABASE_URL when set), with the engine the service would pick.
 *
 * Then the engine alone (translateText, no HTTP or database): sentences/s and sentences/s per
 * thread, beside the published native figure for the neural model. With the neural engine it is
 * measured with the service's workers (TRANSLATION_WORKERS) and with one worker; without the model
 * the report says the neural figure was not measured, and why.
 *
 *   node --import tsx services/translation/bench/translation.ts [--words 20000] [--runs 3]
 *
 * Writes bench/results/translation-<date>.md and .json at the repository root.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateKeyPair, SignJWT } from 'jose';
import { buildApp } from '../src/app.js';
import { loadTranslationConfig } from '../src/config.js';
import { countWords } from '../src/domain/translate.js';
import { BergamotEngine } from '../src/engines/bergamot-engine.js';
import { selectEngine } from '../src/engines/select.js';
import { translateText } from '../src/engines/translate-text.js';
import type { TranslationEngine } from '../src/engines/types.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FLORES_DE = join(REPO_ROOT, '..', 'shared', 'data', 'flores-deen', 'flores-dev.de');

const { values } = parseArgs({
  allowPositionals: true,
  options: { words: { type: 'string', default: '20000' }, runs: { type: 'string', default: '3' } },
});
const targetWords = Number(values.words);
const runs = Number(values.runs);
if (!Number.isInteger(targetWords) || targetWords < 1) throw new Error('--words must be a positive integer');
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('--runs must be 1..20');

function buildDocument(): { text: string; words: number; sentences: number } {
  const source = readFileSync(FLORES_DE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const paragraphs: string[] = [];
  let current: string[] = [];
  let words = 0;
  let sentences = 0;
  for (let i = 0; words < targetWords; i++) {
    const sentence = source[i % source.length] ?? '';
    current.push(sentence);
    words += countWords(sentence);
    sentences++;
    if (current.length === 5) {
      paragraphs.push(current.join(' '));
      current = [];
    }
  }
  if (current.length) paragraphs.push(current.join(' '));
  return { text: paragraphs.join('\n\n'), words, sentences };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${round(bytes / 2 ** 20)} MiB`);

/**
 * The published native speed of the tiny de→en student (bergamot-translator's Marian on a CPU,
 * one thread, beam 1), as issue #18 cites it; the WASM build here is expected to be slower.
 */
const PUBLISHED_NATIVE = {
  sentencesPerSecondPerThread: 57,
  what: 'native Marian (bergamot-translator), tiny de→en student, 1 thread, beam 1 (as cited in issue #18)',
};

const doc = buildDocument();
const config = { ...loadTranslationConfig({ ...process.env, LOG_LEVEL: 'warn' }), DATA_DIR: undefined };
const loadStarted = performance.now();
const engine = await selectEngine({ bergamot: { workers: config.TRANSLATION_WORKERS } });
const engineLoadMs = performance.now() - loadStarted;
const status = engine.status();
if (!status.ready) throw new Error(`no engine to benchmark: ${status.reason}`);

const { publicKey, privateKey } = await generateKeyPair('EdDSA');
const token = await new SignJWT({ username: 'bench', roles: ['viewer'] })
  .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
  .setIssuer('flotilla-users')
  .setAudience('flotilla')
  .setSubject('1')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);
let ready: Promise<void> = Promise.resolve();
const app = await buildApp(config, {
  loadEngine: async () => engine,
  accessKeys: async () => publicKey,
  onStarted: ({ engines }) => {
    ready = engines.start();
  },
});
await ready;
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const body = JSON.stringify({ text_de: doc.text });

interface PlainRun {
  wallMs: number;
  serviceMs: number;
  wordsPerSecond: number;
}
interface StreamRun {
  firstTextMs: number;
  firstProgressMs: number;
  doneMs: number;
}

async function plainRun(): Promise<PlainRun> {
  const started = performance.now();
  const response = await fetch(`${base}/translate`, { method: 'POST', headers, body });
  const result = (await response.json()) as { ms: number; engine: string };
  const wallMs = performance.now() - started;
  if (response.status !== 201)
    throw new Error(`POST /translate answered ${response.status}: ${JSON.stringify(result)}`);
  return { wallMs, serviceMs: result.ms, wordsPerSecond: doc.words / (wallMs / 1000) };
}

async function streamRun(): Promise<StreamRun> {
  const started = performance.now();
  const response = await fetch(`${base}/translate/stream`, { method: 'POST', headers, body });
  if (!response.body || response.status !== 200) throw new Error(`stream answered ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let firstTextMs = Number.NaN;
  let firstProgressMs = Number.NaN;
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (Number.isNaN(firstProgressMs) && buffer.includes('event: progress'))
      firstProgressMs = performance.now() - started;
    if (Number.isNaN(firstTextMs) && buffer.includes('event: text'))
      firstTextMs = performance.now() - started;
    if (buffer.includes('event: done')) break;
    if (buffer.includes('event: error'))
      throw new Error(`stream failed: ${buffer.slice(buffer.indexOf('event: error'))}`);
  }
  return { firstTextMs, firstProgressMs, doneMs: performance.now() - started };
}

interface Throughput {
  engine: string;
  threads: number;
  runs: number[];
  sentencesPerSecond: number;
  sentencesPerSecondPerThread: number;
}

/** The engine alone over the document: sentences/s, median of the runs after a warm-up. */
async function throughput(label: string, measured: TranslationEngine): Promise<Throughput> {
  const options = { batchSize: config.TRANSLATION_BATCH_SIZE };
  await translateText(doc.text.slice(0, 5_000), measured, options);
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { sentences } = await translateText(doc.text, measured, options);
    rates.push(sentences / ((performance.now() - started) / 1000));
  }
  // The dictionary glosses on the service's own thread; Bergamot on its workers.
  const threads = measured.parallelism ?? 1;
  const rate = median(rates);
  return {
    engine: label,
    threads,
    runs: rates.map((r) => round(r)),
    sentencesPerSecond: round(rate),
    sentencesPerSecondPerThread: round(rate / threads),
  };
}

await plainRun(); // warm-up: JIT, first inserts
const plain: PlainRun[] = [];
for (let i = 0; i < runs; i++) plain.push(await plainRun());
const stream: StreamRun[] = [];
for (let i = 0; i < runs; i++) stream.push(await streamRun());
await app.close();

const measured: Throughput[] = [];
let neuralNotMeasured: string | undefined;
if (engine.name === 'bergamot') {
  const workers = engine.parallelism ?? 1;
  measured.push(await throughput(`bergamot, ${workers} worker${workers === 1 ? '' : 's'}`, engine));
  if (workers > 1) {
    const single = await BergamotEngine.load({ workers: 1 });
    measured.push(await throughput('bergamot, 1 worker', single));
    await single.close();
  }
} else {
  measured.push(await throughput(`${engine.name} (${engine.kind}; not comparable to the neural figure)`, engine));
  // What stops the neural engine here is reported; its speed is never estimated.
  neuralNotMeasured = await BergamotEngine.load({ workers: 1 }).then(
    async (neural) => {
      await neural.close();
      return `the model is installed, but TRANSLATION_ENGINE=${config.TRANSLATION_ENGINE} chose ${engine.name}`;
    },
    (error: Error) => error.message,
  );
}
const workersAfter = engine.status().workers;
await engine.close();

const now = new Date();
const date = now.toISOString().slice(0, 10);
const report = {
  date: now.toISOString(),
  command: `node --import tsx services/translation/bench/translation.ts --words ${targetWords} --runs ${runs}`,
  engine: { name: engine.name, kind: engine.kind, reason: status.reason, loadMs: round(engineLoadMs, 0) },
  document: {
    words: doc.words,
    sentences: doc.sentences,
    chars: [...doc.text].length,
    source: 'FLORES dev (German), repeated',
  },
  translate: {
    runs: plain.map((r) => ({
      wallMs: round(r.wallMs, 0),
      serviceMs: r.serviceMs,
      wordsPerSecond: round(r.wordsPerSecond, 0),
    })),
    medianWordsPerSecond: round(median(plain.map((r) => r.wordsPerSecond)), 0),
    medianWallMs: round(median(plain.map((r) => r.wallMs)), 0),
  },
  stream: {
    runs: stream.map((r) => ({
      firstProgressMs: round(r.firstProgressMs),
      firstTextMs: round(r.firstTextMs),
      doneMs: round(r.doneMs, 0),
    })),
    medianFirstTextMs: round(median(stream.map((r) => r.firstTextMs))),
    medianDoneMs: round(median(stream.map((r) => r.doneMs)), 0),
  },
  engineThroughput: {
    measured,
    publishedNative: PUBLISHED_NATIVE,
    neuralNotMeasured: neuralNotMeasured ?? null,
    workers: workersAfter ?? null,
  },
  environment: {
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    database: config.DATABASE_URL ? 'postgresql' : 'pglite (memory)',
    batchSize: config.TRANSLATION_BATCH_SIZE,
    workers: config.TRANSLATION_WORKERS,
  },
};

const markdown = `# Translation benchmark — ${report.date}

Command: \`${report.command}\` (or \`npm run bench -- translation\`)

Engine: **${engine.name}** (${engine.kind}) — ${status.reason}; loaded in ${report.engine.loadMs} ms (not counted below).

Document: ${doc.words} words, ${doc.sentences} sentences, ${report.document.chars} characters — FLORES dev German sentences repeated in order, paragraphs of five.
The service runs in this process on a loopback port (${report.environment.database}); each figure is a whole HTTP request: JSON parsing, segmentation, translation in batches of ${config.TRANSLATION_BATCH_SIZE} sentences, storing the row.

| measure | median | runs |
|---|---:|---|
| POST /translate, words/s | ${report.translate.medianWordsPerSecond} | ${report.translate.runs.map((r) => r.wordsPerSecond).join(', ')} |
| POST /translate, wall ms | ${report.translate.medianWallMs} | ${report.translate.runs.map((r) => r.wallMs).join(', ')} |
| POST /translate/stream, first streamed sentence ms | ${report.stream.medianFirstTextMs} | ${report.stream.runs.map((r) => r.firstTextMs).join(', ')} |
| POST /translate/stream, done ms | ${report.stream.medianDoneMs} | ${report.stream.runs.map((r) => r.doneMs).join(', ')} |

## Engine throughput (translateText alone: no HTTP, no database)

| engine | threads | sentences/s | sentences/s per thread | runs |
|---|---:|---:|---:|---|
${measured.map((m) => `| ${m.engine} | ${m.threads} | ${m.sentencesPerSecond} | ${m.sentencesPerSecondPerThread} | ${m.runs.join(', ')} |`).join('\n')}
| published: ${PUBLISHED_NATIVE.what} | 1 | — | ≈ ${PUBLISHED_NATIVE.sentencesPerSecondPerThread} | — |
${
  neuralNotMeasured
    ? `\n**The neural engine was not measured on this machine**: ${neuralNotMeasured}. The figures above are the ${engine.name} engine's, a different kind of translator.\n`
    : ''
}${
  workersAfter
    ? `\nWorkers after the runs: ${workersAfter.map((w) => `#${w.id} ${w.batches} batches, WASM memory ${mib(w.wasmBytes)}, heap ${mib(w.heapBytes)}`).join('; ')}.\n`
    : ''
}
## Environment

- node: ${report.environment.node}
- cpu: ${report.environment.cpu}
- database: ${report.environment.database}
- TRANSLATION_WORKERS: ${report.environment.workers} (used by the neural engine only)
`;

const out = join(REPO_ROOT, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, `translation-${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(out, `translation-${date}.md`), markdown);
process.stdout.write(`${markdown}\nwritten to bench/results/translation-${date}.{md,json}\n`);
