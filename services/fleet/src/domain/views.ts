import type { AllocationRow } from '../db/allocations.js';
import type { ResourceRow } from '../db/resources.js';

/** The API's view of a resource; timestamps as RFC 3339 UTC strings. */
export interface ResourceView {
  id: number;
  type: string;
  name: string;
  attributes: Record<string, unknown>;
  createdAt: string;
}

export interface AllocationView {
  id: number;
  resourceId: number;
  start: string;
  end: string;
  holder: string | null;
  note: string | null;
  createdAt: string;
}

export const resourceView = (row: ResourceRow): ResourceView => ({
  id: row.id,
  type: row.type,
  name: row.name,
  attributes: row.attributes,
  createdAt: row.created_at.toISOString(),
});

export const allocationView = (row: AllocationRow): AllocationView => ({
  id: row.id,
  resourceId: row.resource_id,
  start: row.start.toISOString(),
  end: row.end.toISOString(),
  holder: row.holder,
  note: row.note,
  createdAt: row.created_at.toISOString(),
});
