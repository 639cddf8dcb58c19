import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';

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
});

export type TranslationConfig = ReturnType<typeof loadTranslationConfig>;

export function loadTranslationConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(TranslationConfigSchema, env);
}
