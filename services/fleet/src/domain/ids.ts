import { notFound } from '@flotilla/kit';
import type { ResourceType } from '../resource-types.js';

/** The largest id: ids are PostgreSQL integers. */
export const MAX_ID = 2_147_483_647;

/** Whether a value can be a row id: an integer PostgreSQL's `integer` holds, from 1 (where identities start). */
export const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;

/**
 * A path id as a number, or undefined when it cannot name a row (`abc`, `0`, `007`, too large).
 * Such ids are simply not found: answering 400 would tell the client a different story than
 * "no such car", and passing them to SQL would fail with a range error.
 */
export function parseId(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const id = Number(text);
  return isId(id) ? id : undefined;
}

/** 404 for a resource; the ids are echoed as they were given in the path. */
export function resourceNotFound(type: ResourceType, id: string | number) {
  return notFound(`there is no ${type.name} with id ${id}`, {
    resourceType: type.name,
    resourceId: String(id),
  });
}

export function allocationNotFound(type: ResourceType, resourceId: number, allocationId: string | number) {
  return notFound(`${type.name} ${resourceId} has no booking with id ${allocationId}`, {
    resourceType: type.name,
    resourceId: String(resourceId),
    allocationId: String(allocationId),
  });
}

export function requireId(type: ResourceType, text: string): number {
  const id = parseId(text);
  if (id === undefined) throw resourceNotFound(type, text);
  return id;
}
