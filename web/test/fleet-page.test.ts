import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { FleetEventHandlers } from '../src/api/fleet';
import { addDays } from '../src/lib/time';
import { windowOf } from '../src/lib/timeline';
import FleetPage from '../src/pages/FleetPage.vue';
import { session } from '../src/session';
import { allocation, answer, type Call, resource, serveBy, user } from './fixtures';

/** The page's subscriptions to fleet's events: the stream itself is fleet.ts's, tested there. */
const subscriptions: Array<{ type: string; handlers: FleetEventHandlers; closed: boolean }> = [];
vi.mock('../src/api/fleet', async (original) => ({
  ...(await original<typeof import('../src/api/fleet')>()),
  subscribeFleetEvents: (type: string, handlers: FleetEventHandlers) => {
    const subscription = { type, handlers, closed: false };
    subscriptions.push(subscription);
    return () => {
      subscription.closed = true;
    };
  },
}));

afterEach(() => {
  vi.unstubAllGlobals();
  subscriptions.length = 0;
});

const herbie = resource({ id: 7, name: 'Herbie' });
// Wednesday 10:00–12:00 of the week on screen (the page opens on this week).
const wednesday = addDays(windowOf('week', new Date()).start, 2);
const at = (hours: number) => new Date(wednesday.getTime() + hours * 3_600_000).toISOString();
const ada = allocation({ id: 1, resourceId: 7, start: at(10), end: at(12), holder: 'Ada' });

async function openPage(bookings: () => ReturnType<typeof allocation>[]) {
  session.user = user({ roles: ['operator'] });
  const { calls } = serveBy((call: Call) => {
    if (call.url.pathname === '/api/cars') return answer('/api/{type}', 'get', 200, { items: [herbie], nextCursor: null });
    if (call.url.pathname === '/api/cars/7/allocations')
      return answer('/api/{type}/{id}/allocations', 'get', 200, { items: bookings(), nextCursor: null });
    throw new Error(`unexpected ${call.method} ${call.url.pathname}`);
  });
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/fleet/:type', component: FleetPage }],
  });
  await router.push('/fleet/cars');
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] } });
  await flushPromises();
  const reads = () => calls.filter((c) => c.url.pathname === '/api/cars/7/allocations').length;
  return { wrapper, reads };
}
const holders = (wrapper: ReturnType<typeof mount>) => wrapper.findAll('button.bar .bar-holder').map((b) => b.text());

describe('FleetPage, live', () => {
  it('applies others’ bookings and cancellations in the window, and reads it again once live and after a reconnect', async () => {
    let stored = [ada];
    const { wrapper, reads } = await openPage(() => stored);
    expect(subscriptions.map((s) => s.type)).toEqual(['cars']);
    const live = subscriptions[0]?.handlers;
    // Only later changes come as events: the first `ready` reads the window once more.
    expect(reads()).toBe(1);
    live?.ready?.();
    await flushPromises();
    expect(reads()).toBe(2);
    expect(holders(wrapper)).toEqual(['Ada']);

    const bob = allocation({ id: 2, resourceId: 7, start: at(14), end: at(15), holder: 'Bob' });
    live?.allocationCreated?.(bob);
    live?.allocationCreated?.(bob); // delivered twice (own booking, then the event): drawn once
    // Next month's booking is not in this window.
    live?.allocationCreated?.(allocation({ id: 3, resourceId: 7, start: at(24 * 40), end: at(24 * 40 + 1), holder: 'Cy' }));
    await flushPromises();
    expect(holders(wrapper)).toEqual(['Ada', 'Bob']);
    live?.allocationDeleted?.({ id: 1, resourceId: 7 });
    await flushPromises();
    expect(holders(wrapper)).toEqual(['Bob']);

    // Cut and back: what changed meanwhile is read, not guessed.
    stored = [bob, allocation({ id: 4, resourceId: 7, start: at(16), end: at(17), holder: 'Dee' })];
    live?.ready?.();
    await flushPromises();
    expect(reads()).toBe(3);
    expect(holders(wrapper)).toEqual(['Bob', 'Dee']);
    expect(wrapper.get('.live-state').text()).toBe('Live');

    wrapper.unmount();
    expect(subscriptions[0]?.closed).toBe(true);
  });

  it('adds and drops resources others add or remove', async () => {
    const { wrapper } = await openPage(() => []);
    const live = subscriptions[0]?.handlers;
    live?.resourceCreated?.(resource({ id: 8, name: 'KITT' }));
    await flushPromises();
    expect(wrapper.findAll('.resource-name').map((n) => n.text())).toEqual(['Herbie', 'KITT']);
    live?.resourceDeleted?.({ id: 7 });
    await flushPromises();
    expect(wrapper.findAll('.resource-name').map((n) => n.text())).toEqual(['KITT']);
  });
});
