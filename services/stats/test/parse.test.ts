import { describe, expect, it } from 'vitest';
import { parseLeagueDash, StatsParseError } from '../src/domain/parse.js';
import { readNbaJson } from './helpers/sharedData.js';

interface RawBody {
  parameters?: Record<string, unknown>;
  resultSets: { name: string; headers: string[]; rowSet: unknown[][] }[];
}
const regular2018 = () =>
  readNbaJson('leaguedashplayerstats_2018-19_regular_per36.resultsets.json') as RawBody;
const totals2025 = () => readNbaJson('leaguedashplayerstats_2025-26_regular_totals.json') as RawBody;

describe('parseLeagueDash', () => {
  it('reads the 2018-19 Per36 file (CFID/CFPARAMS columns) with its parameters', () => {
    const parsed = parseLeagueDash(regular2018());
    expect(parsed.rows).toHaveLength(530);
    expect(parsed).toMatchObject({ season: '2018-19', seasonType: 'Regular Season', perMode: 'Per36' });
    expect(parsed.headers).toContain('CFPARAMS');
    // The first raw row is Aaron Gordon: [203932, 'Aaron Gordon', 'Aaron', 1610612753, 'ORL', 23.0, 78, ..., 2632.53, 6.4, 14.3, ...]
    expect(parsed.rows[0]).toMatchObject({
      playerId: 203932,
      playerName: 'Aaron Gordon',
      teamAbbreviation: 'ORL',
      gp: 78,
      min: 2632.5333333333333,
      fgm: 6.4,
      fga: 14.3,
      fg3m: 1.7,
      fg3a: 4.7,
    });
  });

  it('reads the 2025-26 file (TEAM_COUNT column instead of CFID/CFPARAMS)', () => {
    const parsed = parseLeagueDash(totals2025());
    expect(parsed.rows).toHaveLength(535);
    expect(parsed.headers).toContain('TEAM_COUNT');
    expect(parsed.headers).not.toContain('CFID');
    expect(parsed.perMode).toBe('Totals');
  });

  it('reads columns by name, so reordering them changes nothing', () => {
    const body = regular2018();
    const set = body.resultSets[0];
    if (!set) throw new Error('fixture has no result set');
    const order = set.headers.map((_, i) => i).reverse();
    const shuffled: RawBody = {
      resultSets: [
        {
          name: set.name,
          headers: order.map((i) => set.headers[i] as string),
          rowSet: set.rowSet.map((row) => order.map((i) => row[i])),
        },
      ],
    };
    expect(parseLeagueDash(shuffled).rows).toEqual(parseLeagueDash(body).rows);
  });

  it.each([
    ['a non-object body', [], /not a JSON object/],
    ['no result sets', { resultSets: [] }, /no resultSets/],
    [
      'a missing column',
      { resultSets: [{ headers: ['PLAYER_ID'], rowSet: [] }] },
      /missing column\(s\) PLAYER_NAME, TEAM_ABBREVIATION, AGE, GP, MIN,.* \(columns: PLAYER_ID\)/,
    ],
  ])('rejects %s', (_, body, message) => {
    expect(() => parseLeagueDash(body)).toThrow(StatsParseError);
    expect(() => parseLeagueDash(body)).toThrow(message);
  });

  it('names the row, player and column of a bad cell, and a short row', () => {
    const body = regular2018();
    const set = body.resultSets[0];
    if (!set) throw new Error('fixture has no result set');
    const fg3m = set.headers.indexOf('FG3M');
    (set.rowSet[2] as unknown[])[fg3m] = null;
    const name = (set.rowSet[2] as unknown[])[set.headers.indexOf('PLAYER_NAME')] as string;
    expect(() => parseLeagueDash(body)).toThrow(`row 2 (${name}): FG3M is null, expected a number`);

    set.rowSet[2] = [1, 2];
    expect(() => parseLeagueDash(body)).toThrow(/row 2 has 2 cells, expected 68/);
  });

  it('rejects a duplicated player', () => {
    const body = regular2018();
    const set = body.resultSets[0];
    if (!set) throw new Error('fixture has no result set');
    set.rowSet.push([...(set.rowSet[0] as unknown[])]);
    expect(() => parseLeagueDash(body)).toThrow(/player 203932 \(Aaron Gordon\) appears twice/);
  });
});
