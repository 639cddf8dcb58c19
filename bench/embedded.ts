/**
 * The embedded stack's footprint (issue 15): `npm run bench -- embedded [--minutes 10] [--clients 4]`.
 *
 * Starts `npm start`'s launcher as a user would, on a fresh data directory, and measures the time
 * to "ready" and the memory of the whole stack (the launcher and every service process) 3 s later;
 * then drives a mixed load through the gateway for `--minutes` (fleet reads and bookings,
 * translations, history searches, SQL console queries, user and stats reads from `--clients`
 * concurrent loops), sampling memory every 15 s; then stops it and starts it again on the same
 * directory (a restart). Memory is reported both as the sum of each process's RSS, which counts
 * the Node binary and shared libraries once per process, and as the sum of PSS
 * (/proc/PID/smaps_rollup), which shares those pages out: the memory the stack takes from the
 * machine. Writes bench/results/embedded-<date>.md and .json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type RunningStack, signIn, startStack } from '../tests/embedded/launcher.js';

const RESULTS = new URL('./results/', import.meta.url);
const PASSWORD = 'embedded-bench-password';
const SAMPLE_MS = 15_000;

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, clients: { type: 'string', default: '4' } },
});
const minutes = Number(values.minutes);
const clients = Number(values.clients);
if (!(minutes >= 0 && minutes <= 120)) throw new Error('--minutes must be a number in [0, 120]');
if (!(Number.isInteger(clients) && clients >= 1 && clients <= 64)) throw new Error('--clients must be an integer in [1, 64]');

interface Memory {
  rssMiB: number;
  pssMiB: number;
  perProcess: Record<string, { rssMiB: number; pssMiB: number }>;
}

function memoryOf(stack: RunningStack): Memory {
  const perProcess: Memory['perProcess'] = {};
  const pids: [string, number][] = [['launcher', stack.process.pid ?? 0], ...stack.pids];
  for (const [name, pid] of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
      perProcess[name] = { rssMiB: Math.round(kib('Rss') / 1024), pssMiB: Math.round(kib('Pss') / 1024) };
    } catch {
      // A process restarting at this moment: counted at the next sample.
    }
  }
  const sum = (key: 'rssMiB' | 'pssMiB') => Object.values(perProcess).reduce((total, p) => total + p[key], 0);
  return { rssMiB: sum('rssMiB'), pssMiB: sum('pssMiB'), perProcess };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

const GERMAN = [
  'Das Haus ist groß.',
  'Der Zug fährt um acht Uhr ab.',
  'Wir haben gestern lange über das neue Projekt gesprochen, aber noch nichts entschieden.',
  'Die Stadt liegt an einem Fluss und hat einen schönen alten Marktplatz.',
];

interface Tally {
  requests: number;
  byOperation: Record<string, Record<string, number>>;
  serverErrors: number;
}

/** One client: a weighted mix of what people do, until `until`. */
async function client(url: string, headers: Record<string, string>, cars: number[], until: number, tally: Tally, seed: number) {
  let slot = seed * 1_000_000;
  const operations: [number, string, () => Promise<Response>][] = [
    [30, 'GET car', () => fetch(`${url}/api/cars/${pick(cars)}`, { headers })],
    [20, 'POST booking', () => {
      // Future slots that never collide: each client walks its own range, an hour at a time.
      slot += 1;
      const start = new Date(Date.UTC(2100, 0, 1) + slot * 3_600_000);
      return fetch(`${url}/api/cars/${pick(cars)}/allocations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString(), holder: 'bench' }),
      });
    }],
    [10, 'GET bookings', () => fetch(`${url}/api/cars/${pick(cars)}/allocations?from=2100-01-01T00:00:00Z&to=2100-02-01T00:00:00Z&limit=50`, { headers })],
    [15, 'POST translate', () => fetch(`${url}/api/translate`, { method: 'POST', headers, body: JSON.stringify({ text_de: pick(GERMAN) }) })],
    [10, 'GET history search', () => fetch(`${url}/api/translations?q=haus&limit=20`, { headers })],
    [5, 'POST sql', () => fetch(`${url}/api/sql`, { method: 'POST', headers, body: JSON.stringify({ query: 'select engine, count(*) from translations group by engine' }) })],
    [5, 'GET users', () => fetch(`${url}/api/users`, { headers })],
    [5, 'GET stats runs', () => fetch(`${url}/api/stats/runs`, { headers })],
  ];
  const weights = operations.reduce((total, [weight]) => total + weight, 0);
  while (Date.now() < until) {
    let roll = Math.random() * weights;
    const [, name, send] = operations.find(([weight]) => (roll -= weight) < 0) ?? operations[0]!;
    const response = await send().catch((error: Error) => ({ status: `error ${error.message}`, text: async () => '' }));
    await response.text();
    const status = String(response.status);
    tally.requests += 1;
    const counts = (tally.byOperation[name] ??= {});
    counts[status] = (counts[status] ?? 0) + 1;
    if (!/^[234]/.test(status)) tally.serverErrors += 1;
  }
}

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)] as T;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-embedded-bench-'));
  const env = { FLOTILLA_ADMIN_PASSWORD: PASSWORD };
  const loadBefore = loadavg().map((n) => n.toFixed(2)).join(' ');
  try {
    process.stdout.write('first start (fresh data directory)\n');
    let stack = await startStack(dataDir, env);
    const firstReadyMs = stack.readyMs;
    await settle();
    const afterFirstStart = memoryOf(stack);

    const headers = await signIn(stack.url, PASSWORD);
    const cars: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await fetch(`${stack.url}/api/cars`, { method: 'POST', headers, body: JSON.stringify({ name: `embedded-bench-${i}` }) });
      cars.push(Number(((await response.json()) as { id: number }).id));
    }
    process.stdout.write(`mixed load: ${clients} clients for ${minutes} min\n`);
    const tally: Tally = { requests: 0, byOperation: {}, serverErrors: 0 };
    const samples: { atS: number; rssMiB: number; pssMiB: number }[] = [];
    const startedLoad = Date.now();
    const until = startedLoad + minutes * 60_000;
    const sampler = setInterval(() => {
      const memory = memoryOf(stack);
      samples.push({ atS: Math.round((Date.now() - startedLoad) / 1000), rssMiB: memory.rssMiB, pssMiB: memory.pssMiB });
    }, SAMPLE_MS);
    // A token lives 15 minutes by default: sign in again for runs longer than that.
    const refresh = setInterval(async () => Object.assign(headers, await signIn(stack.url, PASSWORD)), 5 * 60_000);
    await Promise.all(Array.from({ length: clients }, (_, i) => client(stack.url, headers, cars, until, tally, i)));
    clearInterval(sampler);
    clearInterval(refresh);
    await settle();
    const afterLoad = memoryOf(stack);
    await stack.stop();

    process.stdout.write('restart (same data directory)\n');
    stack = await startStack(dataDir, env);
    const restartReadyMs = stack.readyMs;
    await settle();
    const afterRestart = memoryOf(stack);
    await stack.stop();

    const result = {
      date: new Date().toISOString(),
      command: `npm run bench -- embedded --minutes ${minutes} --clients ${clients}`,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadBefore, loadAfter: loadavg().map((n) => n.toFixed(2)).join(' ') },
      firstReadyMs,
      restartReadyMs,
      afterFirstStart,
      afterLoad,
      afterRestart,
      peakDuringLoad: {
        rssMiB: Math.max(afterLoad.rssMiB, ...samples.map((s) => s.rssMiB)),
        pssMiB: Math.max(afterLoad.pssMiB, ...samples.map((s) => s.pssMiB)),
      },
      samples,
      load: { ...tally, perSecond: Math.round(tally.requests / Math.max(1, (until - startedLoad) / 1000)) },
    };
    const day = result.date.slice(0, 10);
    writeFileSync(new URL(`embedded-${day}.json`, RESULTS), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(new URL(`embedded-${day}.md`, RESULTS), report(result));
    process.stdout.write(report(result));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(r: {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  firstReadyMs: number;
  restartReadyMs: number;
  afterFirstStart: Memory;
  afterLoad: Memory;
  afterRestart: Memory;
  peakDuringLoad: { rssMiB: number; pssMiB: number };
  load: Tally & { perSecond: number };
}): string {
  const met = (ok: boolean) => (ok ? 'yes' : 'no');
  const names = Object.keys(r.afterFirstStart.perProcess);
  const row = (label: string, m: Memory) =>
    `| ${label} | ${m.rssMiB} | ${m.pssMiB} | ${names.map((n) => `${m.perProcess[n]?.pssMiB ?? '–'}`).join(' | ')} |`;
  return [
    `# Embedded stack footprint — ${r.date}`,
    '',
    `Command: \`${r.command}\`. ${r.machine.cpus} × ${r.machine.cpu}, Node ${r.machine.node}; load average (1, 5, 15 min) before ${r.machine.loadBefore}, after ${r.machine.loadAfter}.`,
    '',
    'Memory 3 s after "ready", in MiB: the sum of RSS counts the Node binary and shared libraries in every process; the sum of PSS shares them out (what the stack takes from the machine).',
    '',
    `| when | RSS sum | PSS sum | ${names.map((n) => `${n} PSS`).join(' | ')} |`,
    `|---|---:|---:|${names.map(() => '---:').join('|')}|`,
    row('after a first start', r.afterFirstStart),
    row('after the mixed load', r.afterLoad),
    row('after a restart', r.afterRestart),
    '',
    `Peak during the load (samples every ${SAMPLE_MS / 1000} s): RSS sum ${r.peakDuringLoad.rssMiB} MiB, PSS sum ${r.peakDuringLoad.pssMiB} MiB.`,
    '',
    `Mixed load: ${r.load.requests} requests (${r.load.perSecond}/s), answers other than 2xx–4xx: ${r.load.serverErrors}.`,
    '',
    '| operation | answers |',
    '|---|---|',
    ...Object.entries(r.load.byOperation).map(([name, counts]) => `| ${name} | ${Object.entries(counts).map(([s, n]) => `${s}×${n}`).join(', ')} |`),
    '',
    '## Targets (issue 15)',
    '',
    '| target | measured | met |',
    '|---|---|:-:|',
    `| ready ≤ 10 s on a first start | ${(r.firstReadyMs / 1000).toFixed(1)} s | ${met(r.firstReadyMs <= 10_000)} |`,
    `| ready ≤ 5 s after | ${(r.restartReadyMs / 1000).toFixed(1)} s | ${met(r.restartReadyMs <= 5_000)} |`,
    `| ≤ 1 GB after start (RSS sum / PSS sum) | ${r.afterFirstStart.rssMiB} / ${r.afterFirstStart.pssMiB} MiB | ${met(r.afterFirstStart.rssMiB <= 1024)} / ${met(r.afterFirstStart.pssMiB <= 1024)} |`,
    `| ≤ 1 GB after the mixed load (RSS sum / PSS sum) | ${r.afterLoad.rssMiB} / ${r.afterLoad.pssMiB} MiB | ${met(r.afterLoad.rssMiB <= 1024)} / ${met(r.afterLoad.pssMiB <= 1024)} |`,
    '',
  ].join('\n');
}

await main();
