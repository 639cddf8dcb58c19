import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './domain/passwords.js';

export const UsersConfigSchema = Type.Object({
  ...serviceConfigProperties(3001),
  /**
   * The token signing key: a PKCS#8 PEM (Ed25519 or P-256) or a private JWK. Usually given as
   * SIGNING_KEY_FILE. Without it the key is generated once into DATA_DIR (embedded mode).
   */
  SIGNING_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** The first admin's password, used only when the database has no accounts yet. */
  FLOTILLA_ADMIN_PASSWORD: Type.Optional(
    Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
  ),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3600, default: 600 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 24 * 3600 }),
  /** Lifetime of the token minted for an API-key call; it only ever travels gateway → service. */
  API_KEY_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 600, default: 60 }),
  /** Per username from one client address; there is no limit per username alone (see throttle.ts). */
  LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: Type.Integer({ minimum: 1, default: 10 }),
  LOGIN_MAX_ATTEMPTS_PER_IP: Type.Integer({ minimum: 1, default: 100 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /**
   * Shared with the gateway, which sends it in X-Flotilla-Gateway on every forwarded request: only
   * such requests have their X-Forwarded-For believed. Unset: the socket peer is always the client.
   */
  GATEWAY_SECRET: Type.Optional(Type.String({ minLength: 16 })),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(UsersConfigSchema, env);
}
