/**
 * Every bookable resource type, in one place. Adding a type is one line here: its routes
 * (`/<plural>`), validation and OpenAPI entries follow from this table.
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
