import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';

export const FleetConfigSchema = Type.Object({
  ...serviceConfigProperties(3002),
  /** The users service, whose JWKS verifies callers' tokens. */
  USERS_URL: Type.String({ format: 'uri', default: 'http://127.0.0.1:3001' }),
  /** How long a stored Idempotency-Key response is replayed before the key may be reused. */
  IDEMPOTENCY_TTL_HOURS: Type.Integer({ minimum: 1, default: 24 }),
});

export type FleetConfig = ReturnType<typeof loadFleetConfig>;

export function loadFleetConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(FleetConfigSchema, env);
}
