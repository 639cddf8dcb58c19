import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, sql } from 'kysely';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { ConnectionBreaker } from './breaker.js';
import { instrumentPool } from './metrics.js';
import { forkModule } from './worker.js';
import { BASELINE_WASM_FLAGS, pgliteStartParams } from './pglite-settings.js';

export interface DatabaseOptions {
  /** PostgreSQL server URL; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data directory; absent means in memory (tests). */
  dataDir?: string | undefined;
  /** Folder of `NNN_name.sql` files applied in order at open. */
  migrationsDir?: string | undefined;
  /** Name used for the advisory lock and in logs. */
  name: string;
  /** PGlite contrib extensions to load (PostgreSQL servers have them installed). */
  extensions?: string[];
  poolMax?: number;
  onPoolError?: (error: Error) => void;
  /** Where the pool's wait histogram and gauges are registered (createService passes its own). */
  metrics?: Registry;
}

export interface Database<DB> {
  db: Kysely<DB>;
  /** Where the data lives, for logs: `postgresql` or `pglite:<dir>`. */
  kind: string;
  /** Resolves when a trivial query answers within the timeout. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * LISTENs on a channel (`pg_notify` in a transaction arrives once it commits, from any process
   * on the same database). On PostgreSQL over a connection of its own, outside the pool; PGlite
   * is one process, so through the instance itself. Rejects when it cannot connect.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listening>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  notify(payload: string): void;
  /**
   * The listening connection was lost (PostgreSQL only): notifications may have been missed
   * since; listen again. Not called after `close()`.
   */
  lost(error: Error): void;
}

export interface Listening {
  close(): Promise<void>;
}

// Channels are written into LISTEN as identifiers: plain lower-case names only.
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a Kysely database over a pg Pool: a real server, or PGlite behind the same pg API. */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  let pool: pg.Pool;
  let breaker: ConnectionBreaker | undefined;
  let pglite: PGlite | undefined;
  let releaseLock = () => {};
  let kind: string;
  if (options.url) {
    pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      // A reachable server accepts in milliseconds; the breaker keeps requests from each waiting.
      connectionTimeoutMillis: 1_000,
      // Without it a stuck server would hold a request forever.
      query_timeout: 60_000,
    });
    breaker = new ConnectionBreaker(pool);
    kind = 'postgresql';
  } else {
    if (options.dataDir) releaseLock = lockDataDir(options.dataDir);
    try {
      pglite = await openPglite(options.dataDir, options.extensions ?? []);
    } catch (error) {
      releaseLock();
      throw error;
    }
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
    kind = `pglite:${options.dataDir ?? 'memory'}`;
  }
  // A client losing its server must not crash the process, idle (the pool's 'error') or checked
  // out between queries (the client's own 'error', which has no other listener then); the next
  // query reports it.
  const lost = (error: Error) => {
    breaker?.connectionLost(error);
    options.onPoolError?.(error);
  };
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));

  try {
    if (options.migrationsDir) await migrate(pool, options.name, options.migrationsDir);
  } catch (error) {
    await pool.end().catch(() => {});
    await pglite?.close().catch(() => {});
    releaseLock();
    throw error;
  }

  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: timedCheckouts(breaker ?? (pool as PostgresPool), pool, options.metrics) }),
  });
  const listeners = new Set<Listening>();
  const url = options.url;
  return {
    db,
    kind,
    async listen(channel, handlers) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${JSON.stringify(channel)}`);
      const listening = pglite
        ? await listenEmbedded(pglite, channel, handlers)
        : await listenOnServer(url as string, channel, handlers);
      const tracked: Listening = {
        async close() {
          listeners.delete(tracked);
          await listening.close();
        },
      };
      listeners.add(tracked);
      return tracked;
    },
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        // Through the breaker like every request, so readiness fails fast while the server is down.
        await Promise.race([sql`select 1`.execute(db), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([...listeners].map((listening) => listening.close().catch(() => {})));
      await db.destroy();
      await pglite?.close();
      releaseLock();
    },
  };
}

async function listenEmbedded(pglite: PGlite, channel: string, handlers: ListenHandlers): Promise<Listening> {
  const unlisten = await pglite.listen(channel, (payload) => handlers.notify(payload));
  return { close: () => unlisten() };
}

/** A client of its own, so that listening takes no connection from the pool requests share. */
async function listenOnServer(url: string, channel: string, handlers: ListenHandlers): Promise<Listening> {
  // keepAlive: a server that vanished without closing the socket is noticed, not waited on forever.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000, keepAlive: true });
  let closed = false;
  const gone = (error: Error) => {
    if (closed) return;
    closed = true;
    client.end().catch(() => {});
    handlers.lost(error);
  };
  client.on('error', gone);
  client.on('end', () => gone(new Error('the listening connection closed')));
  client.on('notification', (message) => {
    if (message.channel === channel) handlers.notify(message.payload ?? '');
  });
  try {
    await client.connect();
    await client.query(`listen ${channel}`);
  } catch (error) {
    closed = true;
    await client.end().catch(() => {});
    throw error;
  }
  return {
    async close() {
      if (closed) return;
      closed = true;
      await client.end();
    },
  };
}

/**
 * Every checkout Kysely makes (one per query or transaction), timed into db_pool_wait_seconds:
 * how long requests queue for a connection, the pool's saturation. Without a registry, the pool as is.
 */
function timedCheckouts(source: PostgresPool, pool: pg.Pool, registry: Registry | undefined): PostgresPool {
  if (!registry) return source;
  const observe = instrumentPool(registry, () => ({
    totalCount: pool.totalCount,
    idleCount: pool.idleCount,
    waitingCount: pool.waitingCount,
    max: pool.options.max ?? 10,
  }));
  return {
    async connect() {
      const began = process.hrtime.bigint();
      try {
        return await source.connect();
      } finally {
        observe(Number(process.hrtime.bigint() - began) / 1e9);
      }
    },
    end: () => source.end(),
  };
}

/** A PGlite directory is for one process at a time; a second one would corrupt it. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the database directory ${dataDir} is in use by process ${pid} (a running Flotilla service?)`);
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `<dir>.lock` (beside the directory: PGlite wants the directory to itself), holding this
 * process's pid. A lock whose process is gone (killed) is taken over. Returns the release.
 */
function lockDataDir(dataDir: string): () => void {
  const path = `${dataDir.replace(/\/+$/, '')}.lock`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      const release = () => {
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(path, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new DataDirInUseError(dataDir, holder);
    }
    unlinkSync(path); // stale: its process is gone
  }
  throw new Error(`could not lock ${dataDir}`);
}

async function openPglite(dataDir: string | undefined, extensions: string[]): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const loaded: Record<string, unknown> = {};
  for (const name of extensions) {
    const module = (await import(`@electric-sql/pglite/contrib/${name}`)) as Record<string, unknown>;
    loaded[name] = module[name];
  }
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await initialiseInChild(dataDir);
  const pglite = await PGlite.create(dataDir ?? 'memory://', {
    extensions: loaded as never,
    startParams: pgliteStartParams(PGlite.defaultStartParams),
  });
  if (dataDir) makePrivate(dataDir);
  return pglite;
}

/** initdb in a child process (pglite-init.ts), whose memory goes with it. */
async function initialiseInChild(dataDir: string): Promise<void> {
  const child = forkModule(import.meta.url, 'pglite-init', [dataDir], BASELINE_WASM_FLAGS);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    const why = stderr.trim().split('\n').at(-1) || (signal ? `initdb was killed by ${signal}` : `initdb exited with ${code}`);
    throw new Error(`could not create the database in ${dataDir}: ${why}`);
  }
}

/** PGlite writes its initial files world-readable (0666 less the umask): this user's alone. */
function makePrivate(path: string): void {
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) makePrivate(child);
    else if (entry.isFile()) chmodSync(child, 0o600);
  }
}

/**
 * Applies every migration file not yet recorded, in name order, each in its own transaction.
 * An advisory lock makes concurrent starters (replicas, restarts) apply each file exactly once.
 */
export async function migrate(pool: pg.Pool, name: string, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`flotilla:migrations:${name}`]);
    try {
      await client.query(
        `create table if not exists schema_migrations (
           version text primary key,
           applied_at timestamptz not null default now()
         )`,
      );
      const done = new Set(
        (await client.query<{ version: string }>('select version from schema_migrations')).rows.map(
          (row) => row.version,
        ),
      );
      for (const file of files) {
        if (done.has(file)) continue;
        const text = await readFile(join(dir, file), 'utf8');
        await client.query('begin');
        try {
          await client.query(text);
          await client.query('insert into schema_migrations (version) values ($1)', [file]);
          await client.query('commit');
        } catch (error) {
          await client.query('rollback');
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(file);
      }
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [`flotilla:migrations:${name}`]);
    }
  } finally {
    client.release();
  }
  return applied;
}
