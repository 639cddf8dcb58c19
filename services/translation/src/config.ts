import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';
import { defaultWorkerCount } from './engines/bergamot/pool.js';
import { DICTIONARY_SOURCE } from './engines/dictionary-fetch.js';

export const TranslationConfigSchema = Type.Object({
  ...serviceConfigProperties(3003),
  /** auto: the neural model when installed, else the dictionary; or force one (never falls back). */
  TRANSLATION_ENGINE: Type.Union(
    [Type.Literal('auto'), Type.Literal('bergamot'), Type.Literal('dictionary')],
    {
      default: 'auto',
    },
  ),
  /** Sentences per engine call; also how often progress is streamed. */
  TRANSLATION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
  /**
   * Bergamot worker threads, each loading its own copy of the model (and Marian's 128 MB
   * workspace) into its WASM memory. Default: the cores less one, at least 1, at most 4.
   */
  TRANSLATION_WORKERS: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  /** Where the users service runs; its key set verifies callers' tokens. */
  USERS_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3001' }),
  /** Overrides `${USERS_URL}/.well-known/jwks.json`. */
  JWKS_URL: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * The SQL console's connection on PostgreSQL: a login role that is a member of
   * translation_console_reader and nothing else. Without it (and a DATABASE_URL) the console
   * answers 503. Not used with embedded PGlite.
   */
  CONSOLE_DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Whether the first start downloads what is missing (the neural model, the dictionary) in the
   * background. Default on, except where CI or VITEST is set: test runs and CI never reach out.
   */
  TRANSLATION_FETCH: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  /** The model's download URL with `{file}` for each file name (a mirror); default the manifest's. */
  TRANSLATION_MODEL_URL: Type.Optional(Type.String({ pattern: '^https?://.*\\{file\\}' })),
  /** Where the dictionary is downloaded from when none is installed (gzip or plain text). */
  DICTIONARY_URL: Type.String({ pattern: '^https?://', default: DICTIONARY_SOURCE.url }),
  /** sha256 of the dictionary's decompressed text. */
  DICTIONARY_SHA256: Type.String({ pattern: '^[0-9a-f]{64}$', default: DICTIONARY_SOURCE.sha256 }),
});

export type TranslationConfig = ReturnType<typeof loadTranslationConfig>;

export function loadTranslationConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(TranslationConfigSchema, env);
  const set = (value: string | undefined) => value !== undefined && !['', '0', 'false'].includes(value);
  return {
    ...config,
    TRANSLATION_FETCH: config.TRANSLATION_FETCH ?? (set(env.CI) || set(env.VITEST) ? 'off' : 'on'),
    TRANSLATION_WORKERS: config.TRANSLATION_WORKERS ?? defaultWorkerCount(),
  };
}
