import { testDatabaseKinds } from '@flotilla/kit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from './harness.js';

// Times are whole 5-minute units after BASE, so runway slots (15 minutes) are every third unit
// and the generator produces both aligned and misaligned runway bookings.
const BASE = Date.parse('2100-01-01T00:00:00Z');
const UNIT = 5 * 60_000;
const iso = (unit: number) => new Date(BASE + unit * UNIT).toISOString();

type Plural = 'cars' | 'runways';
type Op =
  | { kind: 'createResource'; plural: Plural }
  | { kind: 'deleteResource'; pick: number; force: boolean }
  | { kind: 'book'; pick: number; start: number; length: number }
  | { kind: 'bookAdjacent'; pick: number; length: number; before: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'cancelGone'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('createResource'),
      plural: fc.constantFrom<Plural>('cars', 'runways'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deleteResource'), pick: fc.nat(), force: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('book'),
      pick: fc.nat(),
      start: fc.integer({ min: 0, max: 60 }),
      length: fc.integer({ min: 1, max: 12 }),
    }),
  },
  {
    // Back-to-back periods are where an off-by-one in "overlap" would show.
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('bookAdjacent'),
      pick: fc.nat(),
      length: fc.integer({ min: 1, max: 6 }),
      before: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel'), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelGone'), pick: fc.nat() }) },
) as fc.Arbitrary<Op>;

/** The model: per resource, a set of half-open intervals that never overlap. */
interface ModelResource {
  id: number;
  plural: Plural;
  allocations: Map<number, { start: number; end: number }>;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;

const sortedIds = (
  allocations: Map<number, { start: number; end: number }>,
  filter = (_: { start: number; end: number }) => true,
) =>
  [...allocations.entries()]
    .filter(([, period]) => filter(period))
    .sort(([ida, a], [idb, b]) => a.start - b.start || ida - idb)
    .map(([id]) => id);

const pick = <T>(items: T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

describe.each(testDatabaseKinds())('fleet against an interval-set model on %s', (kind) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(kind);
  });
  afterAll(async () => fleet?.close());

  let named = 0;
  it('agrees with the model for random sequences of resource and allocation operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 70 }),
        async (ops, probe) => {
          const live: ModelResource[] = [];
          const deleted: ModelResource[] = [];
          const cancelled: Array<{ resource: ModelResource; id: number }> = [];

          for (const step of ops) {
            if (step.kind === 'createResource') {
              // Names are unique per type.
              const response = await fleet.post(`/${step.plural}`, { name: `model-${++named}` });
              expect(response.status).toBe(201);
              live.push({ id: response.body.id, plural: step.plural, allocations: new Map() });
            } else if (step.kind === 'deleteResource') {
              const resource = pick(live, step.pick);
              if (!resource) continue;
              const response = await fleet.del(
                `/${resource.plural}/${resource.id}${step.force ? '?force=true' : ''}`,
              );
              // Every model period lies in the future, so every allocation blocks a plain delete.
              if (resource.allocations.size > 0 && !step.force) {
                expect(response.status).toBe(409);
                expect(response.body.conflicts.map((a: { id: number }) => a.id)).toEqual(
                  sortedIds(resource.allocations),
                );
              } else {
                expect(response.status).toBe(204);
                live.splice(live.indexOf(resource), 1);
                deleted.push(resource);
              }
            } else if (step.kind === 'book') {
              const resource = pick(live, step.pick);
              if (!resource) continue;
              const period = { start: step.start, end: step.start + step.length };
              const response = await fleet.post(`/${resource.plural}/${resource.id}/allocations`, {
                start: iso(period.start),
                end: iso(period.end),
              });
              const misaligned =
                resource.plural === 'runways' && (period.start % 3 !== 0 || period.end % 3 !== 0);
              const clashing = sortedIds(resource.allocations, (other) => overlaps(other, period));
              if (misaligned) {
                expect(response.status).toBe(400);
              } else if (clashing.length > 0) {
                expect(response.status).toBe(409);
                expect(response.body.conflicts.map((c: { id: number }) => c.id)).toEqual(clashing);
              } else {
                expect(response.status).toBe(201);
                resource.allocations.set(response.body.id, period);
              }
            } else if (step.kind === 'cancel') {
              const resource = pick(
                live.filter((r) => r.allocations.size > 0),
                step.pick,
              );
              if (!resource) continue;
              const id = pick([...resource.allocations.keys()], step.pick) as number;
              expect((await fleet.del(`/${resource.plural}/${resource.id}/allocations/${id}`)).status).toBe(
                204,
              );
              resource.allocations.delete(id);
              cancelled.push({ resource, id });
            } else {
              const gone = pick(cancelled, step.pick);
              if (!gone) continue;
              const response = await fleet.del(
                `/${gone.resource.plural}/${gone.resource.id}/allocations/${gone.id}`,
              );
              expect(response.status).toBe(404);
            }
          }

          for (const resource of live) {
            const response = await fleet.get(`/${resource.plural}/${resource.id}/allocations?limit=200`);
            expect(response.status).toBe(200);
            expect(
              response.body.items.map((a: { id: number; start: string; end: string }) => [
                a.id,
                a.start,
                a.end,
              ]),
            ).toEqual(
              sortedIds(resource.allocations).map((id) => {
                const period = resource.allocations.get(id) as { start: number; end: number };
                return [id, iso(period.start), iso(period.end)];
              }),
            );
          }
          for (const resource of deleted) {
            expect((await fleet.get(`/${resource.plural}/${resource.id}`)).status).toBe(404);
          }

          // Availability for a probe window agrees with the model, for this run's resources.
          const window = { start: probe, end: probe + 6 };
          for (const plural of ['cars', 'runways'] as const) {
            const mine = live.filter((r) => r.plural === plural);
            if (mine.length === 0) continue;
            // Every page, by the cursors the service hands out (earlier runs' resources come too).
            const available: number[] = [];
            let cursor: string | null = null;
            do {
              const response = await fleet.get(
                `/${plural}/available?from=${encodeURIComponent(iso(window.start))}&to=${encodeURIComponent(iso(window.end))}&limit=200${cursor === null ? '' : `&cursor=${cursor}`}`,
              );
              expect(response.status).toBe(200);
              available.push(...response.body.items.map((r: { id: number }) => r.id));
              cursor = response.body.nextCursor;
            } while (cursor !== null);
            const ids = new Set(mine.map((r) => r.id));
            expect(available.filter((id) => ids.has(id))).toEqual(
              mine
                .filter((r) => ![...r.allocations.values()].some((p) => overlaps(p, window)))
                .map((r) => r.id),
            );
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
