import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { type Generated, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DatabaseUnavailableError, DataDirInUseError, openDatabase, toProblem } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing.js';

function migrationsDir() {
  const dir = mkdtempSync(join(tmpdir(), 'kit-migrations-'));
  writeFileSync(
    join(dir, '001_things.sql'),
    'create table things (id int generated always as identity primary key, name text not null);',
  );
  // A second statement in the same file: migrations may hold several.
  writeFileSync(
    join(dir, '002_counter.sql'),
    "create table counter (n int not null); insert into counter values (0);\nalter table things add column tag text default 'x';",
  );
  return dir;
}

describe.each(testDatabaseKinds())('openDatabase on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('applies migrations once, records them, and runs queries', async () => {
    const target = await createTestDatabase(kind);
    cleanups.push(target.drop);
    const dir = migrationsDir();
    const dataDir = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'kit-pglite-')) : undefined;
    const first = await openDatabase<{ things: { id: Generated<number>; name: string } }>({
      name: 'demo',
      url: target.url,
      dataDir,
      migrationsDir: dir,
    });
    await first.db.insertInto('things').values({ name: 'kept' }).execute();
    await first.close();

    // Reopening the same data applies nothing again and keeps the rows.
    const second = await openDatabase<{ things: { id: Generated<number>; name: string } }>({
      name: 'demo',
      url: target.url,
      dataDir,
      migrationsDir: dir,
    });
    const rows = await second.db.selectFrom('things').select('name').execute();
    expect(rows).toEqual([{ name: 'kept' }]);
    const versions = await sql<{
      version: string;
    }>`select version from schema_migrations order by version`.execute(second.db);
    expect(versions.rows.map((r) => r.version)).toEqual(['001_things.sql', '002_counter.sql']);
    await second.ping();
    await second.close();
  });

  it('fails clearly on a broken migration and leaves it unrecorded', async () => {
    const target = await createTestDatabase(kind);
    cleanups.push(target.drop);
    const dir = mkdtempSync(join(tmpdir(), 'kit-bad-'));
    writeFileSync(join(dir, '001_bad.sql'), 'create table ok (id int); create tabel oops;');
    await expect(openDatabase({ name: 'demo', url: target.url, migrationsDir: dir })).rejects.toThrow(
      /migration 001_bad.sql failed/,
    );
  });

  if (kind === 'postgresql') {
    it('applies each migration exactly once when several replicas start together', async () => {
      const target = await createTestDatabase(kind);
      cleanups.push(target.drop);
      const dir = migrationsDir();
      // The counter migration would fail (duplicate table) if run twice, so all opening proves once-only.
      const replicas = await Promise.all(
        Array.from({ length: 6 }, () => openDatabase({ name: 'demo', url: target.url, migrationsDir: dir })),
      );
      const first = replicas[0];
      if (!first) throw new Error('no replica');
      const counted = await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(
        first.db,
      );
      expect(counted.rows[0]?.n).toBe(2);
      const rows = await sql<{ n: number }>`select count(*)::int as n from counter`.execute(first.db);
      expect(rows.rows[0]?.n).toBe(1);
      await Promise.all(replicas.map((replica) => replica.close()));
    });

    it('fails fast while the server is unreachable, and lets requests through again when it returns', async () => {
      const target = await createTestDatabase(kind);
      cleanups.push(target.drop);
      const server = new URL(String(target.url));
      // A TCP relay standing in for the network: forwarding, or a black hole (a killed server's
      // address: connections are accepted by nobody and answered never).
      let mode: 'forward' | 'blackhole' = 'forward';
      const sockets = new Set<Socket>();
      const relay = createNetServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => {});
        if (mode === 'blackhole') return;
        const upstream = connect(Number(server.port), server.hostname);
        upstream.on('error', () => client.destroy());
        client.pipe(upstream).pipe(client);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      const viaRelay = new URL(server);
      viaRelay.host = `127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const database = await openDatabase({ name: 'demo', url: viaRelay.toString() });
      try {
        await database.ping();
        mode = 'blackhole';
        for (const socket of sockets) socket.destroy();
        // The first requests find the server gone (a lost connection, a connect timeout); once a
        // connection could not be made, the ones after it are refused without trying.
        const errors: unknown[] = [];
        for (let i = 0; i < 4; i += 1) errors.push(await sql`select 1`.execute(database.db).catch((e: unknown) => e));
        expect(errors.every((error) => error instanceof Error)).toBe(true);
        expect(errors.filter((error) => !(error instanceof DatabaseUnavailableError)).length).toBeLessThanOrEqual(2);
        expect(errors.at(-1)).toBeInstanceOf(DatabaseUnavailableError);
        await expect(database.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError);
        expect(toProblem(new DatabaseUnavailableError('gone'), 'r').status).toBe(503);
        mode = 'forward';
        await vi.waitFor(() => database.ping(), { timeout: 10_000, interval: 100 });
        expect((await sql<{ n: number }>`select 1 as n`.execute(database.db)).rows).toEqual([{ n: 1 }]);
      } finally {
        await database.close();
        for (const socket of sockets) socket.destroy();
        relay.close();
      }
    });

    it('survives the server dropping a connection that is checked out between queries', async () => {
      const target = await createTestDatabase(kind);
      cleanups.push(target.drop);
      const lost: Error[] = [];
      const database = await openDatabase({ name: 'demo', url: target.url, onPoolError: (e) => lost.push(e) });
      // A transaction holds its connection between statements: kill its backend from outside.
      const result = database.db.connection().execute(async (connection) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection);
        const admin = new pg.Client({ connectionString: target.url });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
        await admin.end();
        // Without a listener the client's 'error' event would take the whole process down here.
        await new Promise((resolve) => setTimeout(resolve, 200));
        return sql`select 1`.execute(connection);
      });
      await expect(result).rejects.toThrow();
      expect(lost.length).toBeGreaterThan(0);
      // The pool recovers: the next query gets a fresh connection.
      await database.ping();
      await database.close();
    });
  }
});

describe('a PGlite data directory', () => {
  it('runs with a small buffer cache, which its WebAssembly memory would otherwise keep for good', async () => {
    const { db, close } = await openDatabase({ name: 'demo' });
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(db);
    expect(rows[0]?.shared_buffers).toBe('16MB');
    await close();
  });

  it('is held by one process at a time, private to its user, and freed on close', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kit-lock-'));
    const dataDir = join(parent, 'service');
    const first = await openDatabase({ name: 'demo', dataDir });
    await expect(openDatabase({ name: 'demo', dataDir })).rejects.toThrow(DataDirInUseError);
    await expect(openDatabase({ name: 'demo', dataDir })).rejects.toThrow(
      `the database directory ${dataDir} is in use by process ${process.pid}`,
    );
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(statSync(join(file.parentPath, file.name)).mode & 0o077).toBe(0);
    await first.close();
    const again = await openDatabase({ name: 'demo', dataDir });
    await again.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('takes over the lock of a process that was killed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kit-lock-'));
    const dataDir = join(parent, 'service');
    // A pid that is certainly not running: a child that has already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(`${dataDir}.lock`, String(dead));
    const database = await openDatabase({ name: 'demo', dataDir });
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(String(process.pid));
    await database.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    rmSync(parent, { recursive: true, force: true });
  });
});
