import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared NBA recordings live next to the repository (`../shared/data/nba`); NBA_DATA_DIR overrides. */
export const NBA_DATA_DIR = process.env.NBA_DATA_DIR
  ? `${process.env.NBA_DATA_DIR.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../../../../../shared/data/nba/', import.meta.url));

export function readNbaFile(name: string): string {
  return readFileSync(`${NBA_DATA_DIR}${name}`, 'utf8');
}

export function readNbaJson(name: string): unknown {
  return JSON.parse(readNbaFile(name)) as unknown;
}
