import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { eventually, isRunning, type RunningStack, startStack } from './launcher.js';

const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-stack-'));
const services = domainServices();
const ADMIN_PASSWORD = 'embedded-stack-test-password';
let stack: RunningStack | undefined;
let carId: number | undefined;

interface Page {
  items: { id: number }[];
}

afterAll(async () => {
  await stack?.stop();
});

function running(): RunningStack {
  if (!stack) throw new Error('stack not started');
  return stack;
}

async function signIn(): Promise<Record<string, string>> {
  const response = await fetch(`${running().url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(response.status).toBe(200);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
}

describe('the embedded stack (npm start)', () => {
  it('starts every service and the gateway, and reports ready', async () => {
    stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });
    console.info(`embedded stack ready in ${stack.readyMs} ms with ${services.join(', ')}`);
    expect([...stack.pids.keys()].sort()).toEqual([...services, 'gateway'].sort());
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.url}/docs/`)).status).toBe(200);
  });

  it('documents every running service in the merged OpenAPI', async () => {
    const document = (await (await fetch(`${running().url}/openapi.json`)).json()) as { tags: { name: string }[] };
    expect(document.tags.map((tag) => tag.name).sort()).toEqual([...services].sort());
  });

  it('gives each service its own data directory', () => {
    for (const name of services) expect(existsSync(join(dataDir, name))).toBe(true);
  });

  it('signs in through the gateway, creates a car and books it across services', async () => {
    const headers = await signIn();
    const car = await fetch(`${running().url}/api/cars`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Embedded Golf' }),
    });
    expect(car.status).toBe(201);
    carId = ((await car.json()) as { id: number }).id;
    const period = { start: '2030-05-01T09:00:00Z', end: '2030-05-01T12:00:00Z' };
    const booked = await fetch(`${running().url}/api/cars/${carId}/allocations`, {
      method: 'POST',
      headers,
      body: JSON.stringify(period),
    });
    expect(booked.status).toBe(201);
    const clash = await fetch(`${running().url}/api/cars/${carId}/allocations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ start: '2030-05-01T11:00:00Z', end: '2030-05-01T13:00:00Z' }),
    });
    expect(clash.status).toBe(409);
  });

  it('restarts a service that dies; the gateway answers 503 until it is back', async () => {
    const headers = await signIn();
    const pid = running().pids.get('fleet') as number;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (isRunning(pid) ? undefined : true));
    const down = await fetch(`${running().url}/api/cars`, { headers });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { service: string }).service).toBe('fleet');
    await eventually(async () => running().output.find((line) => /fleet exited .* restarting/.test(line)));
    const back = await eventually(async () => {
      const response = await fetch(`${running().url}/api/cars`, { headers });
      return response.status === 200 ? response : undefined;
    });
    expect(((await back.json()) as Page).items.map((item) => item.id)).toContain(carId);
    expect(running().pids.get('fleet')).not.toBe(pid);
  });

  it('stops every process on SIGTERM, exiting 0', async () => {
    const pids = [...running().pids.values()];
    expect(await running().stop()).toBe(0);
    stack = undefined;
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it('starts again on the same data, keeping what was stored', async () => {
    const before = readdirSync(dataDir).sort();
    stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });
    expect(readdirSync(dataDir).sort()).toEqual([...before, 'flotilla.pid'].sort());
    const headers = await signIn();
    const allocations = await fetch(`${running().url}/api/cars/${carId}/allocations`, { headers });
    expect(allocations.status).toBe(200);
    expect(((await allocations.json()) as Page).items).toHaveLength(1);
  });

  it('refuses a second stack on a data directory in use', async () => {
    await expect(startStack(dataDir)).rejects.toThrow(/is in use by another Flotilla/);
  });
});
