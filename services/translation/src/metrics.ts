import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EngineWorkerStatus } from './engines/types.js';

/**
 * Domain metrics, labelled by engine (a bounded set: bergamot, dictionary). `workers` reads the
 * engine's worker threads at each scrape (Bergamot's: at most TRANSLATION_WORKERS of them).
 */
export function createTranslationMetrics(
  registry: Registry,
  workers: () => readonly EngineWorkerStatus[] | undefined = () => undefined,
) {
  return {
    workerMemory: new Gauge({
      name: 'translation_worker_memory_bytes',
      help:
        'Memory of each Bergamot worker thread after its last call: wasm = its WebAssembly memory ' +
        '(model, workspace, buffers; it only grows), heap = its V8 heap in use',
      labelNames: ['worker', 'memory'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const worker of workers() ?? []) {
          const labels = { worker: String(worker.id) };
          if (worker.wasmBytes !== null) this.set({ ...labels, memory: 'wasm' }, worker.wasmBytes);
          if (worker.heapBytes !== null) this.set({ ...labels, memory: 'heap' }, worker.heapBytes);
        }
      },
    }),
    translations: new Counter({
      name: 'translations_total',
      help: 'Translations stored',
      labelNames: ['engine'] as const,
      registers: [registry],
    }),
    words: new Counter({
      name: 'translated_words_total',
      help: 'German words translated (and stored)',
      labelNames: ['engine'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'translation_duration_seconds',
      help: 'Time to translate one text, storing excluded',
      labelNames: ['engine'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    consoleQueries: new Counter({
      name: 'translation_console_queries_total',
      help: 'SQL console queries by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    consoleRunning: new Gauge({
      name: 'translation_console_queries_running',
      help: 'SQL console queries being executed now (after the sandbox started and copied the data)',
      registers: [registry],
    }),
  };
}

export type TranslationMetrics = ReturnType<typeof createTranslationMetrics>;
