import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Domain metrics, labelled by engine (a bounded set: bergamot, dictionary). */
export function createTranslationMetrics(registry: Registry) {
  return {
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
