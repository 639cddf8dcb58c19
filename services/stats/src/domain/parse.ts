/**
 * Turns a `leaguedashplayerstats` body (`resultSets[].headers` + `rowSet`) into typed rows.
 * Columns are looked up by name because the set differs between seasons
 * (older responses end with CFID/CFPARAMS, newer ones with TEAM_COUNT).
 */

export interface PlayerStatRow {
  playerId: number;
  playerName: string;
  teamAbbreviation: string;
  age: number;
  gp: number;
  /** Total minutes, even in Per36 mode. */
  min: number;
  fgm: number;
  fga: number;
  fg3m: number;
  fg3a: number;
  ftm: number;
  fta: number;
  oreb: number;
  dreb: number;
  reb: number;
  ast: number;
  tov: number;
  stl: number;
  blk: number;
  blka: number;
  pf: number;
  pfd: number;
  pts: number;
}

export interface ParsedStats {
  /** From the body's `parameters` when present (saved files may lack them). */
  season: string | null;
  seasonType: string | null;
  perMode: string | null;
  /** Column names as the file had them, for the record. */
  headers: string[];
  rows: PlayerStatRow[];
}

export class StatsParseError extends Error {
  constructor(message: string) {
    super(`malformed leaguedashplayerstats response: ${message}`);
    this.name = 'StatsParseError';
  }
}

type NumericField = Exclude<keyof PlayerStatRow, 'playerName' | 'teamAbbreviation'>;

const NUMERIC_COLUMNS: Record<NumericField, string> = {
  playerId: 'PLAYER_ID',
  age: 'AGE',
  gp: 'GP',
  min: 'MIN',
  fgm: 'FGM',
  fga: 'FGA',
  fg3m: 'FG3M',
  fg3a: 'FG3A',
  ftm: 'FTM',
  fta: 'FTA',
  oreb: 'OREB',
  dreb: 'DREB',
  reb: 'REB',
  ast: 'AST',
  tov: 'TOV',
  stl: 'STL',
  blk: 'BLK',
  blka: 'BLKA',
  pf: 'PF',
  pfd: 'PFD',
  pts: 'PTS',
};

const RESULT_SET_NAME = 'LeagueDashPlayerStats';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pickResultSet(body: Record<string, unknown>): Record<string, unknown> {
  // Most stats endpoints answer `resultSets: [...]`; a few answer a single `resultSet`.
  const sets = Array.isArray(body.resultSets)
    ? body.resultSets
    : isRecord(body.resultSet)
      ? [body.resultSet]
      : null;
  if (!sets || sets.length === 0) throw new StatsParseError('no resultSets');
  const named = sets.find((set) => isRecord(set) && set.name === RESULT_SET_NAME) ?? sets[0];
  if (!isRecord(named)) throw new StatsParseError('resultSets[0] is not an object');
  return named;
}

function stringParameter(parameters: unknown, key: string): string | null {
  if (!isRecord(parameters)) return null;
  const value = parameters[key];
  return typeof value === 'string' ? value : null;
}

export function parseLeagueDash(body: unknown): ParsedStats {
  if (!isRecord(body)) throw new StatsParseError('body is not a JSON object');
  const set = pickResultSet(body);
  const { headers, rowSet } = set;
  if (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string')) {
    throw new StatsParseError('headers is not a list of column names');
  }
  if (!Array.isArray(rowSet)) throw new StatsParseError('rowSet is not a list');

  const required = ['PLAYER_NAME', 'TEAM_ABBREVIATION', ...Object.values(NUMERIC_COLUMNS)];
  const missing = required.filter((name) => !headers.includes(name));
  if (missing.length > 0) {
    throw new StatsParseError(`missing column(s) ${missing.join(', ')} (columns: ${headers.join(', ')})`);
  }
  const columnIndex = (name: string): number => headers.indexOf(name);
  const numeric = Object.entries(NUMERIC_COLUMNS).map(
    ([field, column]) => [field as NumericField, column, columnIndex(column)] as const,
  );
  const nameIndex = columnIndex('PLAYER_NAME');
  const teamIndex = columnIndex('TEAM_ABBREVIATION');

  const rows = rowSet.map((row, r): PlayerStatRow => {
    if (!Array.isArray(row) || row.length !== headers.length) {
      throw new StatsParseError(
        `row ${r} has ${Array.isArray(row) ? row.length : 'no'} cells, expected ${headers.length}`,
      );
    }
    const name = row[nameIndex];
    const team = row[teamIndex];
    if (typeof name !== 'string') throw new StatsParseError(`row ${r}: PLAYER_NAME is not a string`);
    if (typeof team !== 'string')
      throw new StatsParseError(`row ${r} (${name}): TEAM_ABBREVIATION is not a string`);
    const parsed = { playerName: name, teamAbbreviation: team } as PlayerStatRow;
    for (const [field, column, index] of numeric) {
      const value = row[index];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new StatsParseError(
          `row ${r} (${name}): ${column} is ${JSON.stringify(value)}, expected a number`,
        );
      }
      parsed[field] = value;
    }
    return parsed;
  });

  const ids = new Set<number>();
  for (const row of rows) {
    if (ids.has(row.playerId))
      throw new StatsParseError(`player ${row.playerId} (${row.playerName}) appears twice`);
    ids.add(row.playerId);
  }

  return {
    season: stringParameter(body.parameters, 'Season'),
    seasonType: stringParameter(body.parameters, 'SeasonType'),
    perMode: stringParameter(body.parameters, 'PerMode'),
    headers: [...headers],
    rows,
  };
}
