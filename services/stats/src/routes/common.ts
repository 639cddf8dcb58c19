import { type Static, Type } from '@flotilla/kit';

export const Season = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'e.g. 2018-19' });
export const SeasonTypeSchema = Type.Union([Type.Literal('Regular Season'), Type.Literal('Playoffs')]);
export const PerModeSchema = Type.Union([
  Type.Literal('Per36'),
  Type.Literal('Totals'),
  Type.Literal('PerGame'),
]);
export const ClustererSchema = Type.Union([
  Type.Literal('kmeans'),
  Type.Literal('agglomerative'),
  Type.Literal('dbscan'),
  Type.Literal('gaussianMixture'),
]);

/**
 * PostgreSQL's `integer`: the range of every id here, and a bound on offsets, since no list can
 * hold more rows than that. Without a maximum, `99999999999999999999` (or `1e400`, which the
 * integer check lets through as Infinity) would reach SQL and fail there as a 500.
 */
export const MAX_INT = 2_147_483_647;

export const Offset = Type.Integer({ minimum: 0, maximum: MAX_INT, default: 0 });

export const Page = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Offset,
});
export type PageQuery = Static<typeof Page>;

export const Id = Type.Integer({ minimum: 1, maximum: MAX_INT });
export const IdParams = Type.Object({ id: Id });

/** Lists answer with the page and the total, so a client can page without guessing. */
export function page<T>(items: T[], total: number, query: PageQuery) {
  return { items, total, limit: query.limit, offset: query.offset };
}
