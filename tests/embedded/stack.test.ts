import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { eventually, isRunning, type RunningStack, startStack } from './launcher.js';

const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-stack-'));
const services = domainServices();
let stack: RunningStack | undefined;

afterAll(async () => {
  await stack?.stop();
});

describe('the embedded stack (npm start)', () => {
  it('starts every service and the gateway, and reports ready', async () => {
    stack = await startStack(dataDir);
    console.info(
      `embedded stack ready in ${stack.readyMs} ms with ${services.join(', ') || 'no domain services'}`,
    );
    expect([...stack.pids.keys()].sort()).toEqual([...services, 'gateway'].sort());
    const health = await fetch(`${stack.url}/healthz`);
    expect(health.status).toBe(200);
    const docs = await fetch(`${stack.url}/docs/`);
    expect(docs.status).toBe(200);
  });

  it('documents every running service in the merged OpenAPI', async () => {
    if (!stack) throw new Error('stack not started');
    const document = await (await fetch(`${stack.url}/openapi.json`)).json();
    expect(document.tags.map((tag: { name: string }) => tag.name).sort()).toEqual([...services].sort());
  });

  it('gives each service its own data directory', () => {
    for (const name of services) expect(existsSync(join(dataDir, name))).toBe(true);
  });

  it('restarts a service that dies; the gateway answers 503 meanwhile', async () => {
    if (!stack) throw new Error('stack not started');
    const name = services.at(-1) as string;
    const pid = stack.pids.get(name) as number;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (isRunning(pid) ? undefined : true));
    const tags = async () =>
      ((await (await fetch(`${stack?.url}/openapi.json`)).json()).tags as Array<{ name: string }>).map(
        (t) => t.name,
      );
    expect(await tags()).not.toContain(name);
    await eventually(async () => {
      const line = stack?.output.find((l) => l.includes(`${name} exited`) && l.includes('restarting'));
      return line;
    });
    const revived = await eventually(async () => {
      const restarted = stack?.pids.get(name);
      if (!restarted || restarted === pid) return undefined;
      return (await tags()).includes(name) ? restarted : undefined;
    });
    expect(isRunning(revived)).toBe(true);
  });

  it('stops every process on SIGTERM, exiting 0', async () => {
    if (!stack) throw new Error('stack not started');
    const pids = [...stack.pids.values()];
    expect(await stack.stop()).toBe(0);
    stack = undefined;
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it('starts again on the same data', async () => {
    const before = readdirSync(dataDir).sort();
    stack = await startStack(dataDir);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect(readdirSync(dataDir).sort()).toEqual([...before, 'flotilla.pid'].sort());
  });

  it('refuses a second stack on a data directory in use', async () => {
    await expect(startStack(dataDir)).rejects.toThrow(/is in use by another Flotilla/);
  });
});
