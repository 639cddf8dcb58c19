import { fileURLToPath } from 'node:url';
import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';

const url = (fallbackPort: number) =>
  Type.String({ format: 'uri', default: `http://127.0.0.1:${fallbackPort}` });

export const GatewayConfigSchema = Type.Object({
  ...serviceConfigProperties(8080),
  USERS_URL: url(3001),
  FLEET_URL: url(3002),
  TRANSLATION_URL: url(3003),
  STATS_URL: url(3004),
  /** Where the users service publishes its token keys; defaults to USERS_URL's. */
  JWKS_URL: Type.Optional(Type.String({ format: 'uri' })),
  /**
   * Comma-separated origins, besides the gateway's own host, whose cookie-authenticated writes
   * are accepted (e.g. a dev server on another port). Empty by default.
   */
  ALLOWED_ORIGINS: Type.String({ default: '' }),
  /** Time an upstream has to start answering before the gateway gives up with 504. */
  /**
   * Comma-separated addresses, CIDR ranges or names (`loopback`, `uniquelocal`) of proxies in
   * front of the gateway whose X-Forwarded-For is believed; empty when clients reach it directly.
   */
  TRUST_PROXY: Type.String({ default: '' }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Shared with the users service, which then believes the client address the gateway reports. */
  GATEWAY_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  /** The built web app; a placeholder page is served while it is missing. */
  WEB_DIR: Type.String({ default: fileURLToPath(new URL('../../../web/dist', import.meta.url)) }),
});

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(GatewayConfigSchema, env);
}
