import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { eventually, isRunning, listeningSockets, type RunningStack, signIn, startStack } from './launcher.js';

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
  rmSync(dataDir, { recursive: true, force: true });
});

function running(): RunningStack {
  if (!stack) throw new Error('stack not started');
  return stack;
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

  it('gives each service its own data directory, private to this user', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of services) {
      expect(existsSync(join(dataDir, name))).toBe(true);
      expect(statSync(join(dataDir, name)).mode & 0o777).toBe(0o700);
      const files = readdirSync(join(dataDir, name), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(statSync(join(file.parentPath, file.name)).mode & 0o077).toBe(0);
    }
    // The first start's shared new database was copied for the services and removed.
    expect(readdirSync(dataDir)).not.toContain('.new-database');
  });

  it('keeps the translator\'s compiled lexicon in the stack\'s data directory, private to this user', () => {
    const dir = join(dataDir, 'translation-dictionary');
    const lexicons = readdirSync(dir).filter((name) => /^lexicon-ranked-[0-9a-f]{32}\.bin$/u.test(name));
    expect(lexicons).toHaveLength(1);
    expect(statSync(join(dir, lexicons[0] ?? '')).mode & 0o077).toBe(0);
  });

  it('listens on one TCP port, the gateway’s; each service only on sockets in a private directory', async () => {
    const gateway = listeningSockets(running().pids.get('gateway') as number);
    expect(gateway.tcpPorts).toEqual([Number(new URL(running().url).port)]);
    // The gateway's metrics are on a socket beside the services', not on its port.
    expect(gateway.unixPaths.map((path) => path.slice(path.lastIndexOf('/') + 1))).toEqual(['gateway-metrics.sock']);
    expect((await fetch(`${running().url}/metrics`)).status).toBe(404);
    const paths: string[] = [...gateway.unixPaths];
    for (const name of services) {
      const sockets = listeningSockets(running().pids.get(name) as number);
      expect({ name, tcp: sockets.tcpPorts }).toEqual({ name, tcp: [] });
      // Its API's socket and its metrics' socket.
      expect(sockets.unixPaths.map((path) => path.slice(path.lastIndexOf('/') + 1)).sort()).toEqual([
        `${name}-metrics.sock`,
        `${name}.sock`,
      ]);
      paths.push(...sockets.unixPaths);
    }
    const dirs = new Set(paths.map((path) => path.slice(0, path.lastIndexOf('/'))));
    expect(dirs.size).toBe(1);
    const [dir] = [...dirs];
    expect(statSync(String(dir)).mode & 0o777).toBe(0o700);
    expect(statSync(String(dir)).uid).toBe(process.getuid?.());
  });

  // Another local account, tried for real where the test can become one (CI runs as root).
  it.runIf(process.getuid?.() === 0)(
    'another local user can neither call a service nor bind its address while it restarts',
    async () => {
      const pid = running().pids.get('users') as number;
      const socket = listeningSockets(pid).unixPaths.find((path) => path.endsWith('/users.sock'));
      process.kill(pid, 'SIGKILL');
      await eventually(async () => (isRunning(pid) ? undefined : true));
      // As `nobody` (uid 65534), during users' restart backoff: connect to it, or take its place.
      const attempt = spawnSync(
        process.execPath,
        [
          '-e',
          `const net = require('node:net');
           const path = process.argv[1];
           const tries = [
             new Promise((done) => net.connect(path).on('connect', () => done('connected')).on('error', (e) => done(e.code))),
             new Promise((done) => net.createServer().listen(path + '.impostor', () => done('bound')).on('error', (e) => done(e.code))),
           ];
           Promise.all(tries).then((codes) => { console.log(codes.join(' ')); process.exit(0); });`,
          String(socket),
        ],
        { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 },
      );
      expect(attempt.stdout.trim()).toBe('EACCES EACCES');
      await eventually(async () => running().output.find((line) => /users exited .* restarting/.test(line)));
      // Back: a wrong login is answered by users itself again (401, not the gateway's 503).
      await eventually(async () => {
        const login = await fetch(`${running().url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'nobody-here', password: 'wrong' }),
        });
        return login.status === 401 ? true : undefined;
      });
      const replacement = await eventually(async () => {
        const next = running().pids.get('users');
        return next !== pid ? next : undefined;
      });
      expect(listeningSockets(replacement as number).unixPaths).toContain(socket);
    },
  );

  it('signs in through the gateway, creates a car and books it across services', async () => {
    const headers = await signIn(running().url, ADMIN_PASSWORD);
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
    const headers = await signIn(running().url, ADMIN_PASSWORD);
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
    // The launcher's pid file and each running service's lock beside its directory.
    const locks = services.map((name) => `${name}.lock`);
    expect(readdirSync(dataDir).sort()).toEqual([...before, 'flotilla.pid', ...locks].sort());
    const headers = await signIn(running().url, ADMIN_PASSWORD);
    const allocations = await fetch(`${running().url}/api/cars/${carId}/allocations`, { headers });
    expect(allocations.status).toBe(200);
    expect(((await allocations.json()) as Page).items).toHaveLength(1);
  });

  it('refuses a second stack on a data directory in use', async () => {
    await expect(startStack(dataDir)).rejects.toThrow(/is in use by another Flotilla/);
  });
});
