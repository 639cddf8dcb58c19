import { fileURLToPath } from 'node:url';
import { createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { TranslationConfig } from './config.js';
import { type ConsoleBackend, postgresConsole } from './console/executor.js';
import { DEFAULT_LIMITS } from './console/limits.js';
import { pgliteSandbox } from './console/sandbox.js';
import type { DB } from './db/schema.js';
import { EngineHolder } from './domain/engine-holder.js';
import { bodyLimitFor, MAX_TEXT_CHARS } from './domain/translate.js';
import { modelDir } from './engines/bergamot-engine.js';
import { dictionaryPath } from './engines/dictionary-path.js';
import { dictionaryCachePath, dictionaryProvision } from './engines/dictionary-fetch.js';
import { FirstStartFetch, type Provision, type RetryPolicy } from './engines/first-start.js';
import { modelProvision } from './engines/model-fetch.js';
import { readManifest } from './engines/model-manifest.js';
import { selectEngine } from './engines/select.js';
import type { TranslationEngine } from './engines/types.js';
import { createTranslationMetrics } from './metrics.js';
import { consoleRoutes } from './routes/console.js';
import { historyRoutes } from './routes/history.js';
import { translateRoutes } from './routes/translate.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface TranslationOptions {
  logStream?: DestinationStream;
  /** Replaces engine selection (tests inject a small engine; the benchmark a loaded one). */
  loadEngine?: () => Promise<TranslationEngine>;
  /** Verifies tokens with these keys instead of fetching the users service's key set. */
  accessKeys?: JWTVerifyGetKey;
  /** Hands out the database handle and the engine holder (tests check SQL and wait for loading). */
  onStarted?: (handles: { db: Kysely<DB>; engines: EngineHolder }) => void;
  /** Replaces the console's database session (tests call the PostgreSQL role directly). */
  console?: ConsoleBackend;
  /**
   * The first start's downloads run when TRANSLATION_FETCH is on and the service selects its own
   * engine; `true` runs them with an injected `loadEngine` too (tests of the switch).
   */
  fetchOnStart?: boolean;
  /** How often and how long a failed download is retried (tests shorten it). */
  fetchRetry?: RetryPolicy;
}

export async function buildApp(
  config: TranslationConfig,
  options: TranslationOptions = {},
): Promise<ServiceApp> {
  const env = { ...process.env, TRANSLATION_ENGINE: config.TRANSLATION_ENGINE };
  let firstStart: FirstStartFetch | undefined;
  const bergamot = { workers: config.TRANSLATION_WORKERS };
  const engines = new EngineHolder(options.loadEngine ?? (() => selectEngine({ env, bergamot })), {
    required: config.TRANSLATION_ENGINE !== 'auto',
    download: () => firstStart?.download() ?? null,
  });
  const fetching = config.TRANSLATION_FETCH === 'on' && (options.fetchOnStart ?? !options.loadEngine);
  // The engine loads while the database opens: on a first start the lexicon compiles meanwhile.
  const loading = engines.start();
  const service = createService<DB>({
    name: 'translation',
    description:
      'German→English translation of texts of any length (up to 1 Mi characters), their history, and a read-only SQL console',
    logLevel: config.LOG_LEVEL,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    bodyLimit: bodyLimitFor(MAX_TEXT_CHARS),
    database: { url: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: MIGRATIONS_DIR },
    async routes(app, { db, metrics, log, addReadinessCheck }) {
      // onRequest: refuse anonymous callers before a megabyte body is read and parsed. Each route
      // declares its access next to itself (routes/*.ts); the owner-or-admin rule for deleting
      // is the domain's (domain/history.ts).
      app.addHook('onRequest', verifyAccess(accessKeysOf(config, options)));

      addReadinessCheck(engines.readinessCheck());
      const announce = (when: string) => {
        const info = engines.info();
        if (info.ready)
          log.info({ engine: info.name, kind: info.kind }, `translation engine ${when}: ${info.reason}`);
        else log.warn({ engine: info.name }, info.reason);
      };
      void loading.then(() => announce('ready'));
      if (fetching) {
        firstStart = new FirstStartFetch(await firstStartDownloads(config, env), {
          log,
          onInstalled: async () => {
            if (await engines.reselect()) announce('switched');
          },
          ...(options.fetchRetry ? { retry: options.fetchRetry } : {}),
        });
        void firstStart.start();
        app.addHook('onClose', () => firstStart?.close());
      }
      app.addHook('onClose', () => engines.close());

      const consoleBackend =
        options.console ??
        (config.CONSOLE_DATABASE_URL
          ? postgresConsole(config.CONSOLE_DATABASE_URL)
          : config.DATABASE_URL
            ? undefined
            : pgliteSandbox(db, { migrationsDir: MIGRATIONS_DIR }));
      if (consoleBackend) app.addHook('onClose', () => consoleBackend.close());
      else log.warn('SQL console disabled: CONSOLE_DATABASE_URL is not set');

      const deps = {
        db,
        engines,
        metrics: createTranslationMetrics(metrics, () => engines.info().workers),
        batchSize: config.TRANSLATION_BATCH_SIZE,
        console: consoleBackend,
        consoleLimits: DEFAULT_LIMITS,
      };
      options.onStarted?.({ db, engines });
      translateRoutes(app, deps);
      historyRoutes(app, deps);
      consoleRoutes(app, deps);
    },
  });
  // A service that cannot start (its database) must not leave the engine's workers running.
  return service.catch(async (error: unknown) => {
    await engines.close();
    throw error;
  });
}

/** What the first start fetches when missing: the engines the choice can use, best first. */
async function firstStartDownloads(config: TranslationConfig, env: NodeJS.ProcessEnv): Promise<Provision[]> {
  const downloads: Provision[] = [];
  if (config.TRANSLATION_ENGINE !== 'dictionary') {
    downloads.push(
      modelProvision({
        manifest: await readManifest(),
        dir: modelDir(env),
        ...(config.TRANSLATION_MODEL_URL ? { urlTemplate: config.TRANSLATION_MODEL_URL } : {}),
      }),
    );
  }
  if (config.TRANSLATION_ENGINE !== 'bergamot') {
    downloads.push(
      dictionaryProvision({
        configuredPath: dictionaryPath(env),
        cachePath: dictionaryCachePath(env),
        url: config.DICTIONARY_URL,
        sha256: config.DICTIONARY_SHA256,
      }),
    );
  }
  return downloads;
}

function accessKeysOf(config: TranslationConfig, options: TranslationOptions) {
  if (options.accessKeys) return { keys: options.accessKeys };
  return { jwksUrl: config.JWKS_URL ?? new URL('/.well-known/jwks.json', config.USERS_URL).toString() };
}
