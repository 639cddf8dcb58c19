// What the embedded stack is made of, shared by the launcher and the cross-service tests.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Domain services in start order: users first, since the others verify its tokens. */
const DOMAIN_SERVICES = ['users', 'fleet', 'translation', 'stats'];

/** The env variable the gateway reads each service's base URL from. */
export const URL_VARIABLE = {
  users: 'USERS_URL',
  fleet: 'FLEET_URL',
  translation: 'TRANSLATION_URL',
  stats: 'STATS_URL',
};

export const entryPoint = (name) => join(ROOT, 'services', name, 'dist', 'main.js');

/** The services present in this checkout (each one lands on its own). */
export function domainServices() {
  return DOMAIN_SERVICES.filter((name) => existsSync(join(ROOT, 'services', name, 'src', 'main.ts')));
}
