import { generateKeyPairSync } from 'node:crypto';
import type { ServiceApp } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadFleetConfig } from './config.js';

/**
 * The fleet as the contract generator (`npm run contract`) sees it: built on an in-memory
 * database, trusting a throwaway key, calling nothing over the network. Its `declaredRoutes` and
 * `/openapi.json` are fleet's contract.
 */
export async function describeService(): Promise<ServiceApp> {
  const { publicKey } = generateKeyPairSync('ed25519');
  // No DATABASE_URL or DATA_DIR: PGlite in memory. The keys stand in for the users service's JWKS.
  const config = loadFleetConfig({ LOG_LEVEL: 'silent' });
  return buildApp(config, { accessKeys: async () => publicKey });
}
