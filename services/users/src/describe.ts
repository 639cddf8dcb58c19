import type { ServiceApp } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadUsersConfig } from './config.js';

/**
 * The users service as the contract generator (`npm run contract`) sees it: every route declared,
 * built on an in-memory database and signing with a throwaway in-memory key, with nothing read
 * from the environment, no log output and no network call. The caller closes it.
 */
export async function describeService(): Promise<ServiceApp> {
  // No DATABASE_URL or DATA_DIR: in-memory PGlite, and a key generated for this process only.
  return buildApp(loadUsersConfig({ LOG_LEVEL: 'silent' }));
}
