/**
 * Every bookable resource type, in one place. Adding a type is one line here: its path segment
 * (`/<plural>`), validation, OpenAPI enum and the gateway's route follow from this table.
 *
 * - continuous: bookable for any period `[start, end)`.
 * - interval: bookable only in whole, consecutive fixed slots aligned to the slot length
 *   (15-minute slots start at :00, :15, :30 and :45).
 */
export type ResourceType = ContinuousType | IntervalType;

interface BaseType {
  /** Singular name, stored in the database and returned as `type`. */
  name: string;
  /** Path segment of the collection, e.g. `cars` for `/cars`. */
  plural: string;
}
export interface ContinuousType extends BaseType {
  kind: 'continuous';
}
export interface IntervalType extends BaseType {
  kind: 'interval';
  slotMinutes: number;
}

const continuous = (name: string, plural: string): ContinuousType => ({ kind: 'continuous', name, plural });
const interval = (name: string, plural: string, slotMinutes: number): IntervalType => ({
  kind: 'interval',
  name,
  plural,
  slotMinutes,
});

export const RESOURCE_TYPES: readonly ResourceType[] = [
  continuous('car', 'cars'),
  continuous('lorry', 'lorries'),
  continuous('truck', 'trucks'),
  interval('runway', 'runways', 15),
];

/** The path segments, in table order: the values of the `{type}` path parameter. */
export const PLURALS: readonly string[] = RESOURCE_TYPES.map((type) => type.plural);

// Path segments are plain words, so they stand in the route's regex as they are.
for (const plural of PLURALS) {
  if (!/^[a-z][a-z0-9-]*$/.test(plural)) throw new Error(`resource type path segment ${plural} is not a plain word`);
}

/**
 * The `type` path parameter as a find-my-way regex parameter, `:type(cars|lorries|…)`: each
 * operation is registered once for every type, `/cars` and `/lorries` keep their paths, and no
 * other first segment (`/users`, `/healthz`) can match it.
 */
export const TYPE_PARAM = `:type(${PLURALS.join('|')})`;

const byPlural = new Map(RESOURCE_TYPES.map((type) => [type.plural, type]));

/** The type a path segment names; undefined for anything that is not one of PLURALS. */
export const typeByPlural = (plural: string): ResourceType | undefined => byPlural.get(plural);
