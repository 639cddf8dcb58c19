import type { AddressInfo } from 'node:net';
import type { ServiceApp } from '@flotilla/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildFleet } from '../../fleet/src/app.js';
import { loadFleetConfig } from '../../fleet/src/config.js';
import { type EventFeed, openFeed } from '../../fleet/test/harness.js';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { closedPort, startUpstream, tokenFor } from './upstream.js';

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

// The real fleet service (embedded PGlite) behind the real gateway; a stand-in for users signs
// the tokens both verify.
describe('fleet event streams through the gateway', () => {
  let users: Awaited<ReturnType<typeof startUpstream>>;
  let fleet: ServiceApp;
  let gateway: ServiceApp;
  let base: string;
  let viewer: string;
  let operator: { authorization: string };
  const feeds: EventFeed[] = [];

  const startGateway = async (fleetUrl: string) => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const app = await buildApp(
      loadGatewayConfig({
        PORT: '0',
        LOG_LEVEL: 'silent',
        USERS_URL: users.url,
        FLEET_URL: fleetUrl,
        TRANSLATION_URL: down,
        STATS_URL: down,
        WEB_DIR: '/nonexistent',
      }),
    );
    return { app, url: await listen(app) };
  };
  const subscribe = async (url = base) => {
    const feed = await openFeed(url, '/api/cars/events', viewer);
    feeds.push(feed);
    expect(feed.status).toBe(200);
    expect((await feed.next())?.event).toBe('ready');
    return feed;
  };

  beforeAll(async () => {
    users = await startUpstream();
    viewer = await tokenFor(['viewer']);
    operator = { authorization: `Bearer ${await tokenFor(['operator'])}` };
    fleet = await buildFleet({ ...loadFleetConfig({ LOG_LEVEL: 'silent', USERS_URL: users.url }) });
    ({ app: gateway, url: base } = await startGateway(await listen(fleet)));
  });
  afterAll(async () => {
    for (const feed of feeds) feed.close();
    await gateway?.close();
    await fleet?.close();
    await users?.close();
  });

  it('delivers a booking made through the gateway to a viewer subscribed through it, event by event', async () => {
    const feed = await subscribe();
    expect(feed.headers.get('content-type')).toContain('text/event-stream');
    const car = await fetch(`${base}/api/cars`, {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'through the gateway' }),
    });
    const created = (await car.json()) as { id: number };
    expect(await feed.next()).toEqual({ event: 'resource.created', data: created, id: undefined });
    const booking = await fetch(`${base}/api/cars/${created.id}/allocations`, {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ start: '2033-01-01T10:00:00Z', end: '2033-01-01T11:00:00Z', holder: 'ada' }),
    });
    expect(booking.status).toBe(201);
    expect(await feed.next()).toEqual({ event: 'allocation.created', data: await booking.json(), id: undefined });
  });

  it('refuses an anonymous subscriber with 401 problem+json', async () => {
    const anonymous = await openFeed(base, '/api/cars/events', undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
  });

  it('keeps ordinary requests answered while more streams are open than the upstream pool has connections', async () => {
    await Promise.all(Array.from({ length: 70 }, () => subscribe()));
    const list = await fetch(`${base}/api/cars?limit=1`, { headers: operator });
    expect(list.status).toBe(200);
  });

  it('lets go of the upstream stream when its client leaves, whatever it sent as Accept', async () => {
    const fleetUrl = `http://127.0.0.1:${(fleet.server.address() as AddressInfo).port}`;
    const openStreams = async () => {
      const metrics = await (await fetch(`${fleetUrl}/metrics`)).text();
      return Number(/^fleet_event_streams(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
    };
    const before = await openStreams();
    // More than the pool's 64 connections, each left as soon as it is ready (as a closed tab does).
    for (let i = 0; i < 80; i += 1) {
      const abort = new AbortController();
      const response = await fetch(`${base}/api/cars/events`, { headers: { authorization: `Bearer ${viewer}` }, signal: abort.signal });
      expect(response.status).toBe(200);
      await response.body?.getReader().read();
      abort.abort();
    }
    const list = await fetch(`${base}/api/cars?limit=1`, { headers: operator, signal: AbortSignal.timeout(5_000) });
    expect(list.status).toBe(200);
    for (let waited = 0; (await openStreams()) > before && waited < 5_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await openStreams()).toBe(before);
  });

  it('ends open streams when the gateway closes, instead of waiting on them', async () => {
    const own = await startGateway(`http://127.0.0.1:${(fleet.server.address() as AddressInfo).port}`);
    const feed = await subscribe(own.url);
    await own.app.close();
    expect(await feed.next()).toBeUndefined();
  });
});
