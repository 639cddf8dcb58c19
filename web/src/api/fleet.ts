import { allPages, client, data, errorOf, type Operation, type RequestBody, type ResponseBody } from './client';
import { RESOURCE_TYPES, type ResourceType } from './contract';
import { ApiError, isProblem, networkProblem } from './problem';
import { readDeclaredEvents } from './sse';

export { RESOURCE_TYPES, type ResourceType };

export type Resource = ResponseBody<Operation<'/api/{type}/{id}', 'get'>, 200>;
export type Allocation = ResponseBody<Operation<'/api/{type}/{id}/allocations/{aid}', 'get'>, 200>;
export type NewAllocation = RequestBody<Operation<'/api/{type}/{id}/allocations', 'post'>>;

/** 422 of a booking: `reason: 'past'` (send `allowPast: true` to book it anyway), or a reused Idempotency-Key. */
export type BookingRefused = ResponseBody<Operation<'/api/{type}/{id}/allocations', 'post'>, 422>;

/** 409 of a booking: the period asked for and the bookings in its way. */
export type BookingConflict = ResponseBody<Operation<'/api/{type}/{id}/allocations', 'post'>, 409>;
/** 400 of a booking that is not whole slots: the nearest period of whole slots (`covering`). */
export type NotWholeSlots = ResponseBody<Operation<'/api/{type}/{id}/allocations', 'post'>, 400>;
/** 409 of deleting a resource whose bookings have not all ended (retry with `force`). */
export type UnendedBookings = ResponseBody<Operation<'/api/{type}/{id}', 'delete'>, 409>;

export class BookingConflictError extends ApiError<BookingConflict> {
  override readonly name = 'BookingConflictError';
}
export class UnendedBookingsError extends ApiError<UnendedBookings> {
  override readonly name = 'UnendedBookingsError';
}

/** What the web shows for each resource type; keyed by the contract's values, so none is missing. */
export interface ResourceTypeInfo {
  type: ResourceType;
  label: string;
  /** As the API's `Resource.type` names one. */
  singular: Resource['type'];
  /** Interval types are bookable only in whole slots of `slotMinutes`. */
  slotMinutes: number | undefined;
}

const INFO: Record<ResourceType, Omit<ResourceTypeInfo, 'type'>> = {
  cars: { label: 'Cars', singular: 'car', slotMinutes: undefined },
  lorries: { label: 'Lorries', singular: 'lorry', slotMinutes: undefined },
  trucks: { label: 'Trucks', singular: 'truck', slotMinutes: undefined },
  // fleet's rule; the 400 of a booking off the slots says it too (`slotMinutes`).
  runways: { label: 'Runways', singular: 'runway', slotMinutes: 15 },
};

export const RESOURCE_TYPE_INFO: readonly ResourceTypeInfo[] = RESOURCE_TYPES.map((type) => ({ type, ...INFO[type] }));

export const resourceType = (path: string | undefined) => RESOURCE_TYPE_INFO.find((info) => info.type === path);

/** The form fields of a booking, by the path the API names them with. */
export const BOOKING_FIELDS = {
  resourceId: 'path.id',
  start: 'body.start',
  end: 'body.end',
  holder: 'body.holder',
  note: 'body.note',
} as const;

/** randomUUID exists only in secure contexts (https, localhost); plain http elsewhere has not it. */
function idempotencyKey(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every resource of the type: a fleet is small, so the page follows the cursor to the end (bounded). */
export const listResources = (type: ResourceType) =>
  allPages((cursor) => data(client.GET('/api/{type}', { params: { path: { type }, query: { limit: 200, cursor } } })));

export const createResource = (type: ResourceType, name: string) =>
  data(
    client.POST('/api/{type}', {
      params: { path: { type }, header: { 'idempotency-key': idempotencyKey() } },
      body: { name },
    }),
  );

/** Deletes a resource; without `force`, bookings that have not ended refuse it as UnendedBookingsError. */
export async function deleteResource(type: ResourceType, id: Resource['id'], force = false): Promise<void> {
  const { error, response } = await client.DELETE('/api/{type}/{id}', {
    params: { path: { type, id: String(id) }, query: force ? { force: true } : {} },
  });
  if (response.ok) return;
  if (response.status === 409 && isProblem(error)) throw new UnendedBookingsError(error as UnendedBookings);
  throw errorOf(response, error);
}

/** A resource's bookings overlapping [from, to), every page of them. */
export const listAllocations = (type: ResourceType, id: Resource['id'], from: Date, to: Date) =>
  allPages((cursor) =>
    data(
      client.GET('/api/{type}/{id}/allocations', {
        params: {
          path: { type, id: String(id) },
          query: { from: from.toISOString(), to: to.toISOString(), limit: 200, cursor },
        },
      }),
    ),
  );

/** Books a resource; an overlap is refused as BookingConflictError with the bookings in the way. */
export async function createAllocation(
  type: ResourceType,
  id: Resource['id'],
  allocation: NewAllocation,
): Promise<Allocation> {
  const { data: booked, error, response } = await client.POST('/api/{type}/{id}/allocations', {
    params: { path: { type, id: String(id) }, header: { 'idempotency-key': idempotencyKey() } },
    body: allocation,
  });
  if (booked) return booked;
  if (response.status === 409 && isProblem(error)) throw new BookingConflictError(error as BookingConflict);
  throw errorOf(response, error);
}

/** The nearest period of whole slots, when a 400 of a booking gave one. */
export function coveringPeriod(error: unknown): NonNullable<NotWholeSlots['covering']> | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  return (error.problem as NotWholeSlots).covering;
}

export const deleteAllocation = (type: ResourceType, id: Resource['id'], allocationId: Allocation['id']) =>
  data(
    client.DELETE('/api/{type}/{id}/allocations/{aid}', {
      params: { path: { type, id: String(id), aid: String(allocationId) } },
    }),
  );

/** The resources free for the whole period, every page of them. */
export const findAvailable = (type: ResourceType, from: Date, to: Date) =>
  allPages((cursor) =>
    data(
      client.GET('/api/{type}/available', {
        params: { path: { type }, query: { from: from.toISOString(), to: to.toISOString(), limit: 200, cursor } },
      }),
    ),
  );

/** One event of `GET /api/{type}/events`: `ready`, then the type's changes as they commit. */
export type FleetEvent = ResponseBody<Operation<'/api/{type}/events', 'get'>, 200>;
type EventData<E extends FleetEvent['event']> = Extract<FleetEvent, { event: E }>['data'];
export type AllocationDeleted = EventData<'allocation.deleted'>;
export type ResourceDeleted = EventData<'resource.deleted'>;

export interface FleetEventHandlers {
  /**
   * The subscription is live: every change from now on arrives. Called again after each
   * reconnect, when changes may have been missed in between: read the state again then.
   */
  ready?(): void;
  allocationCreated?(allocation: Allocation): void;
  allocationDeleted?(deleted: AllocationDeleted): void;
  resourceCreated?(resource: Resource): void;
  resourceDeleted?(deleted: ResourceDeleted): void;
  /**
   * The stream failed or was cut. It reconnects by itself, except after a 401 the session refresh
   * could not fix, a 403 or a 404, which retrying cannot change.
   */
  error?(problem: ApiError): void;
}

/** Waits before reconnecting: 1 s, 2 s, 4 s … 30 s (or the server's Retry-After), with jitter; reset by each `ready`. */
const reconnectDelay = (failures: number, retryAfter: number | undefined) =>
  Math.max(retryAfter ? retryAfter * 1000 : 0, Math.min(30_000, 1000 * 2 ** failures)) * (0.8 + Math.random() * 0.4);

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const streamCut = () =>
  new ApiError({ type: 'about:blank', title: 'Live updates interrupted', status: 0, detail: 'The live updates stopped; reconnecting.' });

/**
 * Follows the type's changes, made by anyone through any replica, until the returned function is
 * called. Read with fetch through the API client (EventSource cannot send the session's refresh),
 * so the session cookie and its refresh apply as to every call.
 */
export function subscribeFleetEvents(type: ResourceType, handlers: FleetEventHandlers): () => void {
  const stop = new AbortController();
  const follow = async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      try {
        const { data: body, error, response } = await client.GET('/api/{type}/events', {
          params: { path: { type } },
          headers: { Accept: 'text/event-stream' },
          parseAs: 'stream',
          signal: stop.signal,
        });
        if (!response.ok) throw errorOf(response, error);
        if (!body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) throw streamCut();
        for await (const event of readDeclaredEvents<FleetEvent>(body)) {
          switch (event.event) {
            case 'ready':
              failures = 0;
              handlers.ready?.();
              break;
            case 'allocation.created':
              handlers.allocationCreated?.(event.data);
              break;
            case 'allocation.deleted':
              handlers.allocationDeleted?.(event.data);
              break;
            case 'resource.created':
              handlers.resourceCreated?.(event.data);
              break;
            case 'resource.deleted':
              handlers.resourceDeleted?.(event.data);
              break;
          }
        }
        throw streamCut();
      } catch (cause) {
        if (stop.signal.aborted) return;
        const problem = cause instanceof ApiError ? cause : new ApiError(networkProblem(cause));
        handlers.error?.(problem);
        if ([401, 403, 404].includes(problem.status)) return;
        await pause(reconnectDelay(failures, problem.retryAfter), stop.signal);
        failures += 1;
      }
    }
  };
  void follow();
  return () => stop.abort();
}
