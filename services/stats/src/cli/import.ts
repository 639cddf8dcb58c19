/**
 * Imports a saved `leaguedashplayerstats` response into the stats database, for machines
 * without access to stats.nba.com:
 *
 *   npm run stats:import -- FILE [--season 2018-19] [--season-type "Regular Season"|Playoffs] [--per-mode Per36]
 *
 * The database is the service's: DATABASE_URL, else the PGlite directory DATA_DIR, else
 * `$FLOTILLA_DATA_DIR/stats` (default `data/stats`, where `npm start` keeps it). PGlite allows one
 * process at a time: while the stack runs the import is refused, with the two ways to do it.
 * Season, type and per-mode are read from the file's `parameters` block when it has one.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirInUseError, openDatabase } from '@flotilla/kit';
import { MIGRATIONS_DIR } from '../app.js';
import type { DB } from '../db/schema.js';
import { SnapshotInputError, storeResponse } from '../snapshots/store.js';

const USAGE =
  'usage: npm run stats:import -- FILE [--season 2018-19] [--season-type "Regular Season"|Playoffs] [--per-mode Per36|Totals]';

export async function importFile(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      season: { type: 'string' },
      'season-type': { type: 'string' },
      'per-mode': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return USAGE;
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError(`expected one FILE\n${USAGE}`);

  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }

  const dataDir = env.DATABASE_URL
    ? undefined
    : (env.DATA_DIR ?? join(resolve(env.FLOTILLA_DATA_DIR ?? 'data'), 'stats'));
  const database = await openDatabase<DB>({
    name: 'stats',
    url: env.DATABASE_URL,
    dataDir,
    migrationsDir: MIGRATIONS_DIR,
  }).catch((error: unknown) => {
    if (!(error instanceof DataDirInUseError)) throw error;
    throw new Error(
      `${error.message}: stop Flotilla first, or import the file on the Stats page (POST /api/stats/snapshots/import) while it runs`,
      { cause: error },
    );
  });
  try {
    const snapshot = await storeResponse(database.db, body, {
      source: 'imported',
      meta: { season: values.season, seasonType: values['season-type'], perMode: values['per-mode'] },
      fieldNames: { season: '--season', seasonType: '--season-type', perMode: '--per-mode' },
      fetchedAt: new Date(),
      origin: resolve(file),
    });
    return `imported ${file} as snapshot ${snapshot.id}: ${snapshot.season} ${snapshot.seasonType} ${snapshot.perMode}, ${snapshot.playerCount} players (${database.kind})`;
  } catch (error) {
    if (error instanceof SnapshotInputError) throw new UsageError(`${error.field} ${error.message}`);
    throw error;
  } finally {
    await database.close();
  }
}

class UsageError extends Error {}

// Run only when executed, not when a test imports importFile.
if (
  process.argv[1] &&
  resolve(process.argv[1]).replace(/\.ts$/, '.js') ===
    resolve(new URL(import.meta.url).pathname).replace(/\.ts$/, '.js')
) {
  importFile(process.argv.slice(2)).then(
    (message) => {
      process.stdout.write(`${message}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`stats:import: ${(error as Error).message}\n`);
      const usage =
        error instanceof UsageError ||
        String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
      process.exit(usage ? 2 : 1);
    },
  );
}
