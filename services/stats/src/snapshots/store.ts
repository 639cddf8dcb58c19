import { invalidField } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB, SnapshotSource } from '../db/schema.js';
import { insertSnapshot, type SnapshotSummary } from '../db/snapshots.js';
import { UNSTORABLE_MESSAGE, unstorablePath } from '../db/storable.js';
import type { PerMode, SeasonType } from '../domain/nbaClient.js';
import { parseLeagueDash, StatsParseError } from '../domain/parse.js';
import { isUsablePerMode, type UsablePerMode } from '../domain/perMode.js';

/** Storing a `leaguedashplayerstats` response, whether fetched, imported by API or by the CLI. */

export const SEASON_TYPES: readonly SeasonType[] = ['Regular Season', 'Playoffs'];
export const PER_MODES: readonly PerMode[] = ['Per36', 'Totals', 'PerGame'];
const SEASON = /^\d{4}-\d{2}$/;

export interface SnapshotMeta {
  season?: string | undefined;
  seasonType?: string | undefined;
  perMode?: string | undefined;
}

/** A response that cannot be stored, naming the field (`body.…` or the given meta field) at fault. */
export class SnapshotInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnapshotInputError';
  }
}

/**
 * Season, season type and per-mode of a response: given explicitly, or read from the response's
 * `parameters` block. An explicit value contradicting the file is refused rather than guessed.
 */
export function resolveMeta(
  parsed: { season: string | null; seasonType: string | null; perMode: string | null },
  given: SnapshotMeta,
  fieldNames: Record<keyof SnapshotMeta, string>,
): { season: string; seasonType: SeasonType; perMode: UsablePerMode } {
  const pick = (key: keyof SnapshotMeta, fromFile: string | null): string => {
    const explicit = given[key];
    if (explicit !== undefined && fromFile !== null && explicit !== fromFile) {
      throw new SnapshotInputError(
        fieldNames[key],
        `${explicit} contradicts the response's parameters (${fromFile}); omit it to use the file's value`,
      );
    }
    const value = explicit ?? fromFile;
    if (value === null || value === undefined) {
      throw new SnapshotInputError(
        fieldNames[key],
        'is required: the response has no parameters block naming it',
      );
    }
    return value;
  };
  const season = pick('season', parsed.season);
  if (!SEASON.test(season))
    throw new SnapshotInputError(fieldNames.season, `must look like 2018-19, got ${season}`);
  const seasonType = pick('seasonType', parsed.seasonType);
  if (!SEASON_TYPES.includes(seasonType as SeasonType)) {
    throw new SnapshotInputError(
      fieldNames.seasonType,
      `must be one of ${SEASON_TYPES.join(', ')}, got ${seasonType}`,
    );
  }
  // Saved files often lack PerMode; the service fetches Per36, so that is the default.
  const perMode = given.perMode ?? parsed.perMode ?? 'Per36';
  if (given.perMode !== undefined && parsed.perMode !== null && given.perMode !== parsed.perMode) {
    throw new SnapshotInputError(
      fieldNames.perMode,
      `${given.perMode} contradicts the response's parameters (${parsed.perMode}); omit it to use the file's value`,
    );
  }
  // The file's own PerMode is at fault when the caller gave none.
  const perModeField =
    given.perMode === undefined && parsed.perMode !== null ? 'body.parameters.PerMode' : fieldNames.perMode;
  if (!PER_MODES.includes(perMode as PerMode)) {
    throw new SnapshotInputError(perModeField, `must be one of ${PER_MODES.join(', ')}, got ${perMode}`);
  }
  if (!isUsablePerMode(perMode)) {
    throw new SnapshotInputError(
      perModeField,
      `is ${perMode}, which cannot be used: stats.nba.com rounds per-game figures to one decimal, too coarse to turn into the per-36 rates players and training use; save the response with PerMode=Per36 or PerMode=Totals`,
    );
  }
  return { season, seasonType: seasonType as SeasonType, perMode };
}

export async function storeResponse(
  db: Kysely<DB>,
  body: unknown,
  options: {
    source: SnapshotSource;
    meta: SnapshotMeta;
    fieldNames: Record<keyof SnapshotMeta, string>;
    fetchedAt: Date;
    origin: string | null;
  },
): Promise<SnapshotSummary> {
  let parsed: ReturnType<typeof parseLeagueDash>;
  try {
    parsed = parseLeagueDash(body);
  } catch (error) {
    if (error instanceof StatsParseError) throw new SnapshotInputError('body', error.message);
    throw error;
  }
  const meta = resolveMeta(parsed, options.meta, options.fieldNames);
  const unstorable = unstorablePath(body, 'body');
  if (unstorable !== undefined) throw new SnapshotInputError(unstorable, UNSTORABLE_MESSAGE);
  return insertSnapshot(db, {
    ...meta,
    fetchedAt: options.fetchedAt,
    source: options.source,
    playerCount: parsed.rows.length,
    columns: parsed.headers,
    origin: options.origin,
    rawResponse: body,
  });
}

/** The HTTP form of an input error: 400 naming the field. */
export function toBadRequest(error: SnapshotInputError) {
  return invalidField(error.field, error.message);
}
