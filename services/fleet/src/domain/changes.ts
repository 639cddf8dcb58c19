import { HttpProblem, type ListenHandlers, type Listening } from '@flotilla/kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { findAllocation } from '../db/allocations.js';
import { findResource } from '../db/resources.js';
import type { DB } from '../db/schema.js';
import type { ResourceType } from '../resource-types.js';
import { type AllocationView, allocationView, type ResourceView, resourceView } from './views.js';

/** The channel migration 004's triggers announce every change on. */
export const CHANGES_CHANNEL = 'fleet_changes';

/** One change as a subscriber of its type receives it. */
export type FleetEvent =
  | { event: 'allocation.created'; data: AllocationView }
  | { event: 'allocation.deleted'; data: { id: number; resourceId: number } }
  | { event: 'resource.created'; data: ResourceView }
  | { event: 'resource.deleted'; data: { id: number } };

/** What the triggers send: the change and its ids, never the row (NOTIFY payloads are small). */
interface Notice {
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

  /** Cuts every subscriber and stops listening (the service is closing). */
  async close(): Promise<void> {
    this.closed = true;
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
      const notice = JSON.parse(payload) as Notice;
      const audience = [...this.subscribers].filter((s) => s.type === notice.type);
      if (audience.length === 0) return;
      const event = await this.eventOf(notice);
      // Created and already deleted again: its `deleted` follows.
      if (!event) return;
      for (const subscriber of audience) subscriber.send(event);
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
