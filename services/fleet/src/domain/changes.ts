import { HttpProblem, type ListenHandlers, type Listening } from '@flotilla/kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { findAllocation } from '../db/allocations.js';
import { notify } from '../db/changes.js';
import { findResource } from '../db/resources.js';
import type { DB } from '../db/schema.js';
import type { ResourceType } from '../resource-types.js';
import { type AllocationView, allocationView, type ResourceView, resourceView } from './views.js';

/** The channel every replica announces its committed changes on. */
export const CHANGES_CHANNEL = 'fleet_changes';

/**
 * Changes are announced in batches, one NOTIFY per this many milliseconds at most: PostgreSQL
 * serialises the commits of notifying transactions on one lock held through their WAL flush, so
 * a NOTIFY in each booking's own transaction capped bookings at the disk's flush rate.
 */
const ANNOUNCE_EVERY_MS = 20;
/** NOTIFY payloads are at most 8000 bytes. */
const PAYLOAD_BYTES = 7900;

/** One change as a subscriber of its type receives it. */
export type FleetEvent =
  | { event: 'allocation.created'; data: AllocationView }
  | { event: 'allocation.deleted'; data: { id: number; resourceId: number } }
  | { event: 'resource.created'; data: ResourceView }
  | { event: 'resource.deleted'; data: { id: number } };

/** What is announced: the change and its ids, never the row (NOTIFY payloads are small). */
export interface Notice {
  event: FleetEvent['event'];
  type: string;
  id: number;
  resourceId?: number;
}

interface Subscriber {
  type: string;
  send(event: FleetEvent): void;
  /** The feed was lost: changes may have been missed, so the subscriber must start over. */
  cut(): void;
}

type Listen = (channel: string, handlers: ListenHandlers) => Promise<Listening>;

/**
 * Fleet's changes, from every replica, to this process's subscribers: one LISTEN per process
 * (started by the first subscriber, kept while the service runs), fanned out here by type.
 * Changes are handled one at a time, in the order they committed, so a booking's `created`
 * never reaches a subscriber after its `deleted`.
 */
export class FleetChanges {
  private readonly subscribers = new Set<Subscriber>();
  private listening: Promise<Listening> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private pending: Notice[] = [];
  private announcing: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly listen: Listen,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Resolves once changes committed from now on will be delivered; a 503 when the database
   * cannot be listened on. Subscribe in the same synchronous step after it resolves.
   */
  async live(): Promise<void> {
    if (this.closed) throw new HttpProblem(503, 'the fleet service is shutting down; reconnect', { retryAfter: 1 });
    this.listening ??= this.listen(CHANGES_CHANNEL, {
      notify: (payload) => {
        this.queue = this.queue.then(() => this.deliver(payload));
      },
      lost: (error) => this.lost(error),
    });
    try {
      await this.listening;
    } catch (error) {
      this.listening = undefined;
      this.log.warn({ err: error }, 'cannot listen for fleet changes');
      throw new HttpProblem(503, 'live updates are unavailable: the database cannot be reached; retry shortly', {
        retryAfter: 5,
      });
    }
  }

  /** Delivers changes to resources of `type` (and their bookings) until the returned function is called. */
  subscribe(type: ResourceType, send: Subscriber['send'], cut: Subscriber['cut']): () => void {
    const subscriber: Subscriber = { type: type.name, send, cut };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Tells every replica's subscribers (this one's too, through the same channel) of a change this
   * process has committed. Called after the commit, so a change rolled back is never announced; a
   * process that dies within ANNOUNCE_EVERY_MS of a commit takes that change's announcement with
   * it, and the pages that missed it see it when they next load.
   */
  announce(notice: Notice): void {
    this.pending.push(notice);
    this.announcing ??= setTimeout(() => void this.flush(), ANNOUNCE_EVERY_MS);
  }

  private async flush(): Promise<void> {
    clearTimeout(this.announcing);
    this.announcing = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const payload of payloads(batch)) {
      try {
        await notify(this.db, CHANGES_CHANNEL, payload);
      } catch (error) {
        // The database is unreachable: so is every listener's connection, and their subscribers are
        // cut and start over, reading what was committed.
        this.log.warn({ err: error }, 'could not announce fleet changes');
      }
    }
  }

  /** Cuts every subscriber and stops listening (the service is closing). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.cutAll();
    const listening = this.listening;
    this.listening = undefined;
    await listening?.then((l) => l.close()).catch(() => {});
  }

  private lost(error: Error): void {
    this.log.warn({ err: error }, 'lost the fleet changes feed; subscribers must reconnect');
    this.listening = undefined;
    this.cutAll();
  }

  private cutAll(): void {
    const cut = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of cut) subscriber.cut();
  }

  private async deliver(payload: string): Promise<void> {
    try {
      for (const notice of JSON.parse(payload) as Notice[]) {
        const audience = [...this.subscribers].filter((s) => s.type === notice.type);
        if (audience.length === 0) continue;
        const event = await this.eventOf(notice);
        // Created and already deleted again: its `deleted` follows.
        if (!event) continue;
        for (const subscriber of audience) subscriber.send(event);
      }
    } catch (error) {
      // One change that cannot be read must not stop the rest; subscribers start over.
      this.log.error({ err: error, payload }, 'could not deliver a fleet change');
      this.cutAll();
    }
  }

  private async eventOf(notice: Notice): Promise<FleetEvent | undefined> {
    switch (notice.event) {
      case 'allocation.created': {
        const row = await findAllocation(this.db, notice.resourceId ?? 0, notice.id);
        return row && { event: notice.event, data: allocationView(row) };
      }
      case 'allocation.deleted':
        return { event: notice.event, data: { id: notice.id, resourceId: notice.resourceId ?? 0 } };
      case 'resource.created': {
        const row = await findResource(this.db, notice.type, notice.id);
        return row && { event: notice.event, data: resourceView(row) };
      }
      case 'resource.deleted':
        return { event: notice.event, data: { id: notice.id } };
    }
  }
}

/** The batch as JSON arrays of notices, each small enough for one NOTIFY. */
function payloads(batch: readonly Notice[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const notice of batch) {
    const json = JSON.stringify(notice);
    if (current.length > 0 && bytes + json.length + 1 > PAYLOAD_BYTES) {
      out.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += json.length + 1;
  }
  if (current.length > 0) out.push(`[${current.join(',')}]`);
  return out;
}
