import { api, type Page, toPage } from './client';
import { ApiError } from './problem';

/** The resource types, as the fleet service declares them (issue 3). */
export interface ResourceType {
  /** Path segment: `/api/cars`. */
  path: string;
  label: string;
  singular: string;
  /** Interval types are bookable only in whole slots of `slotMinutes`. */
  slotMinutes: number | undefined;
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { path: 'cars', label: 'Cars', singular: 'car', slotMinutes: undefined },
  { path: 'lorries', label: 'Lorries', singular: 'lorry', slotMinutes: undefined },
  { path: 'trucks', label: 'Trucks', singular: 'truck', slotMinutes: undefined },
  { path: 'runways', label: 'Runways', singular: 'runway', slotMinutes: 15 },
];

export const resourceType = (path: string | undefined) => RESOURCE_TYPES.find((type) => type.path === path);

export interface Resource {
  id: number | string;
  type: string;
  name: string;
  attributes?: Record<string, unknown>;
  createdAt: string;
}

export interface Allocation {
  id: number | string;
  resourceId: number | string;
  start: string;
  end: string;
  holder?: string | null;
  note?: string | null;
  createdAt?: string;
}

export interface NewAllocation {
  start: string;
  end: string;
  holder?: string;
  note?: string;
}

export async function listResources(type: ResourceType): Promise<Resource[]> {
  const all: Resource[] = [];
  let cursor: string | undefined;
  // A fleet is small; follow the cursor so the page shows every resource.
  for (let page = 0; page < 50; page += 1) {
    const body: Page<Resource> = toPage(
      await api.get<unknown>(`/${type.path}`, { query: { limit: 200, cursor } }),
    );
    all.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return all;
}

export const createResource = (type: ResourceType, name: string) =>
  api.post<Resource>(`/${type.path}`, { name }, { headers: { 'Idempotency-Key': idempotencyKey() } });

export const deleteResource = (type: ResourceType, id: Resource['id'], force = false) =>
  api.delete(`/${type.path}/${id}`, { query: { force: force ? 'true' : undefined } });

export async function listAllocations(
  type: ResourceType,
  id: Resource['id'],
  from: Date,
  to: Date,
): Promise<Allocation[]> {
  const body = await api.get<unknown>(`/${type.path}/${id}/allocations`, {
    query: { from: from.toISOString(), to: to.toISOString() },
  });
  return toPage<Allocation>(body).items;
}

export const createAllocation = (type: ResourceType, id: Resource['id'], allocation: NewAllocation) =>
  api.post<Allocation>(`/${type.path}/${id}/allocations`, allocation, {
    headers: { 'Idempotency-Key': idempotencyKey() },
  });

export const deleteAllocation = (type: ResourceType, id: Resource['id'], allocationId: Allocation['id']) =>
  api.delete(`/${type.path}/${id}/allocations/${allocationId}`);

export async function findAvailable(type: ResourceType, from: Date, to: Date): Promise<Resource[]> {
  const body = await api.get<unknown>(`/${type.path}/available`, {
    query: { from: from.toISOString(), to: to.toISOString() },
  });
  return toPage<Resource>(body).items;
}

const isAllocation = (value: unknown): value is Allocation =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Allocation).start === 'string' &&
  typeof (value as Allocation).end === 'string';

/** The bookings a 409 named as clashing (the body lists them, under whichever name). */
export function conflictingAllocations(error: unknown): Allocation[] {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  const problem = error.problem;
  for (const key of ['conflicts', 'conflicting', 'conflictingAllocations', 'allocations', 'conflict']) {
    const value = problem[key];
    if (Array.isArray(value)) return value.filter(isAllocation);
    if (isAllocation(value)) return [value];
  }
  return [];
}

function idempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
