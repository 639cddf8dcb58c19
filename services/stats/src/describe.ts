import type { ServiceApp } from '@flotilla/kit';
import { generateKeyPair } from 'jose';
import { buildApp } from './app.js';
import { loadStatsConfig } from './config.js';

/**
 * The stats service as the contract generator (`npm run contract`) sees it: every route with its
 * declared access and schemas. Built on an in-memory database, trusting a throwaway key; it runs
 * no training job and no sweep, and calls nothing over the network (no JWKS, no stats.nba.com, no
 * MLflow). Only the given settings are read, never the environment's: no DATABASE_URL, say.
 */
export async function describeService(): Promise<ServiceApp> {
  const { publicKey } = await generateKeyPair('EdDSA');
  return buildApp(loadStatsConfig({ LOG_LEVEL: 'silent' }), {
    accessKeys: async () => publicKey,
    runJobs: false,
  });
}
