import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FleetEvent, subscribeFleetEvents } from '../src/api/fleet';
import type { ApiError } from '../src/api/problem';
import { type Allocation, answer, eventStream, type Resource, serve } from './fixtures';

const car: Resource = { id: 7, type: 'car', name: 'Golf', attributes: {}, createdAt: '2032-01-01T00:00:00.000Z' };
const booking: Allocation = {
  id: 3,
  resourceId: 7,
  start: '2032-01-02T10:00:00.000Z',
  end: '2032-01-02T11:00:00.000Z',
  holder: 'ada',
  note: null,
  createdAt: '2032-01-01T00:00:00.000Z',
};

/** A stream that says `ready` and then stays open, as a live subscription does. */
const openStream = () =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('retry: 2000\n\nevent: ready\ndata: {}\n\n'));
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } },
  );

/** Records what the handlers were called with, in order. */
function recorder() {
  const seen: Array<[string, unknown?]> = [];
  return {
    seen,
    handlers: {
      ready: () => seen.push(['ready']),
      allocationCreated: (a: Allocation) => seen.push(['allocationCreated', a]),
      allocationDeleted: (e: { id: number; resourceId: number }) => seen.push(['allocationDeleted', e]),
      resourceCreated: (r: Resource) => seen.push(['resourceCreated', r]),
      resourceDeleted: (e: { id: number }) => seen.push(['resourceDeleted', e]),
      error: (problem: ApiError) => seen.push(['error', problem.status]),
    },
  };
}

describe('subscribeFleetEvents', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('hands each event to its handler in order, and reconnects after a cut, ready again', async () => {
    const events: FleetEvent[] = [
      { event: 'ready', data: {} },
      { event: 'resource.created', data: car },
      { event: 'allocation.created', data: booking },
      { event: 'allocation.deleted', data: { id: 3, resourceId: 7 } },
      { event: 'resource.deleted', data: { id: 7 } },
    ];
    // The first stream ends (a cut: fleet restarted); the second stays open.
    const calls = serve(eventStream(events, 3), openStream);
    const { seen, handlers } = recorder();
    const unsubscribe = subscribeFleetEvents('cars', handlers);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([
      ['ready'],
      ['resourceCreated', car],
      ['allocationCreated', booking],
      ['allocationDeleted', { id: 3, resourceId: 7 }],
      ['resourceDeleted', { id: 7 }],
      ['error', 0],
    ]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(seen.slice(6)).toEqual([['ready']]);
    expect(calls.map((c) => [c.url.pathname, c.headers.get('accept'), c.credentials])).toEqual([
      ['/api/cars/events', 'text/event-stream', 'same-origin'],
      ['/api/cars/events', 'text/event-stream', 'same-origin'],
    ]);
    unsubscribe();
  });

  it('backs off while the service is unavailable, and stops for good on a 403', async () => {
    const unavailable = answer('/api/{type}/events', 'get', 503, {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'live updates are unavailable',
    });
    const forbidden = answer('/api/{type}/events', 'get', 403, {
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'no',
    });
    const calls = serve(unavailable, forbidden);
    const { seen, handlers } = recorder();
    subscribeFleetEvents('runways', handlers);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([['error', 503]]);
    // Not at once: the first retry waits about a second.
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen).toEqual([['error', 503], ['error', 403]]);
    expect(calls).toHaveLength(2);
  });

  it('stops reading and reconnecting once unsubscribed', async () => {
    const calls = serve(eventStream([{ event: 'ready', data: {} }]));
    const { seen, handlers } = recorder();
    const unsubscribe = subscribeFleetEvents('lorries', handlers);
    await vi.advanceTimersByTimeAsync(0);
    unsubscribe();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(seen[0]).toEqual(['ready']);
  });
});
