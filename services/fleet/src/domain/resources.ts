import { conflict, fieldPath, invalidField, toPage } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { countUnended, unended } from '../db/allocations.js';
import {
  deleteResourceRow,
  findResource,
  findResourceByName,
  insertResource,
  listAvailable,
  listResources,
} from '../db/resources.js';
import type { DB } from '../db/schema.js';
import type { ResourceType } from '../resource-types.js';
import { afterIdOf, encodeIdCursor } from './cursors.js';
import { resourceNotFound } from './ids.js';
import type { Period } from './period.js';
import { allocationView, type ResourceView, resourceView } from './views.js';
import { bookings, capitalised } from './words.js';

export async function createResource(
  db: Kysely<DB>,
  type: ResourceType,
  input: { name: string; attributes?: Record<string, unknown> | undefined },
): Promise<ResourceView> {
  const attributes = input.attributes ?? {};
  for (let tries = 1; ; tries++) {
    const row = await insertResource(db, { type: type.name, name: input.name, attributes });
    if (row) return resourceView(row);
    const taken = await findResourceByName(db, type.name, input.name);
    // The one in the way was deleted meanwhile: the name is free again.
    if (!taken && tries < 3) continue;
    throw conflict(
      taken
        ? `there is already a ${type.name} named ${JSON.stringify(taken.name)} (id ${taken.id}): names are unique per type, in any case`
        : `the name ${JSON.stringify(input.name)} is taken`,
      {
        errors: [{ field: fieldPath('body', 'name'), message: 'is taken' }],
        resourceType: type.name,
        ...(taken ? { resourceId: taken.id } : {}),
      },
    );
  }
}

export async function getResource(db: Kysely<DB>, type: ResourceType, id: number): Promise<ResourceView> {
  const row = await findResource(db, type.name, id);
  if (!row) throw resourceNotFound(type, id);
  return resourceView(row);
}

export interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

export async function listResourcesPage(
  db: Kysely<DB>,
  type: ResourceType,
  page: PageRequest,
) {
  const rows = await listResources(db, type.name, { afterId: afterIdOf(page.cursor), limit: page.limit + 1 });
  return toPage(rows, page.limit, resourceView, encodeIdCursor);
}

/** Resources of the type with no allocation overlapping any part of `[from, to)`. */
export async function availableResourcesPage(
  db: Kysely<DB>,
  type: ResourceType,
  period: Period,
  page: PageRequest,
) {
  const rows = await listAvailable(db, type.name, period, {
    afterId: afterIdOf(page.cursor),
    limit: page.limit + 1,
  });
  return toPage(rows, page.limit, resourceView, encodeIdCursor);
}

const LISTED_IN_CONFLICT = 100;

/**
 * Deletes a resource. Bookings that have not ended block it (409 listing them in `conflicts`)
 * unless `force`, which deletes them too. The resource row is locked first: a booking racing with
 * the delete either commits before (and is seen here) or waits and then finds the resource gone.
 */
export async function deleteResource(
  db: Kysely<DB>,
  type: ResourceType,
  id: number,
  force: boolean,
): Promise<{ removedAllocations: number }> {
  return db.transaction().execute(async (trx) => {
    const row = await findResource(trx, type.name, id, { lock: true });
    if (!row) throw resourceNotFound(type, id);
    const pending = await countUnended(trx, id);
    if (pending > 0 && !force) {
      const listed = (await unended(trx, id, LISTED_IN_CONFLICT)).map(allocationView);
      const [have, them] = pending === 1 ? ['has', 'it'] : ['have', 'them'];
      throw conflict(
        `${capitalised(type.name)} ${JSON.stringify(row.name)} still has ${bookings(pending)} that ${have} not ended: ` +
          `cancel ${them} first, or delete with force=true to cancel ${them} too`,
        { resourceType: type.name, resourceId: id, unendedCount: pending, conflicts: listed },
      );
    }
    await deleteResourceRow(trx, id);
    return { removedAllocations: pending };
  });
}

// PostgreSQL jsonb refuses UTF-16 halves without their pair (SQLSTATE 22P05, a 500 if it got that
// far) and text would silently store U+FFFD instead; refusing them here is a 400 naming the field.
// NUL, which PostgreSQL cannot hold either, kit refuses in every request before this runs.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkStorable(value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (UNPAIRED_SURROGATE.test(value)) {
      throw invalidField(field, 'contains an unpaired UTF-16 surrogate, which cannot be stored');
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) checkStorable(item, `${field}.${index}`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A bad key is named by its path, as kit names a key holding NUL.
      checkStorable(key, `${field}.${key}`);
      checkStorable(item, `${field}.${key}`);
    }
  }
}
