import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';

export const UsersConfigSchema = Type.Object({
  ...serviceConfigProperties(3001),
  /**
   * The token signing key: a PKCS#8 PEM (Ed25519 or P-256) or a private JWK. Usually given as
   * SIGNING_KEY_FILE. Without it the key is generated once into DATA_DIR (embedded mode).
   */
  SIGNING_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** The first admin's password, used only when the database has no accounts yet. */
  FLOTILLA_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3600, default: 600 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 24 * 3600 }),
  /** Lifetime of the token minted for an API-key call; it only ever travels gateway → service. */
  API_KEY_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 600, default: 60 }),
  LOGIN_MAX_ATTEMPTS_PER_USERNAME: Type.Integer({ minimum: 1, default: 10 }),
  LOGIN_MAX_ATTEMPTS_PER_IP: Type.Integer({ minimum: 1, default: 100 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /**
   * Peers whose X-Forwarded-For is believed (the gateway), as comma-separated addresses or
   * CIDRs; `loopback` means 127.0.0.0/8 and ::1. Anyone else's header is ignored.
   */
  TRUSTED_PROXIES: Type.String({ default: 'loopback' }),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(UsersConfigSchema, env);
}
