/**
 * The translation service as the contract generator (`npm run contract`) sees it: every route,
 * its access and its schemas, from `app.declaredRoutes` and `/openapi.json`. Built on an
 * in-memory database, trusting a throwaway key, with no engine: nothing is loaded (no model, no
 * dictionary read), no worker or sandbox is started, nothing is fetched from the network.
 * Close the app when done.
 */
import type { ServiceApp } from '@flotilla/kit';
import { generateKeyPair } from 'jose';
import { buildApp } from './app.js';
import { loadTranslationConfig } from './config.js';
import { UnavailableEngine } from './engines/select.js';

export async function describeService(): Promise<ServiceApp> {
  const { publicKey } = await generateKeyPair('EdDSA');
  // An environment of its own: no DATABASE_URL, DATA_DIR or engine setting of the caller's applies.
  const config = loadTranslationConfig({ LOG_LEVEL: 'silent' });
  return buildApp(config, {
    loadEngine: async () => new UnavailableEngine('described only: no engine is loaded'),
    accessKeys: async () => publicKey,
  });
}
