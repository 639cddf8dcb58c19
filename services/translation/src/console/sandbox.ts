/**
 * The SQL console on embedded PGlite. The service's own PGlite runs on the main thread and
 * cannot interrupt a statement, so console queries never run there: they run in a worker thread
 * holding its own in-memory PGlite (the service's schema, the reader role, and a copy of
 * `translations` brought up to date before each query), which the watchdog terminates at the
 * deadline or memory bound. The next query starts a fresh one.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ConsoleBackend, ConsoleSession } from './executor.js';
import { type CopyState, syncCopy } from './sandbox-copy.js';
import type { SandboxStart } from './sandbox-protocol.js';
import { SandboxThread } from './sandbox-thread.js';

export interface SandboxOptions {
  migrationsDir: string;
  /** An unused sandbox is stopped after this long, giving its ~300 MB back. */
  idleMs?: number;
  startTimeoutMs?: number;
}

/**
 * WebAssembly memory never shrinks: a thread whose query grew the process by more than this is
 * replaced, so one big query does not keep its memory.
 */
const RECYCLE_GROWTH_BYTES = 64 * 1024 * 1024;

export function pgliteSandbox(db: Kysely<DB>, options: SandboxOptions): ConsoleBackend {
  return new ConsoleSandbox(db, options);
}

class ConsoleSandbox implements ConsoleBackend {
  readonly kind = 'pglite';
  readonly switchRole = true;
  readonly #db: Kysely<DB>;
  readonly #options: Required<SandboxOptions>;
  #thread: SandboxThread | undefined;
  #copy: CopyState | undefined;
  #template: Blob | undefined;
  #runtime: Promise<Pick<SandboxStart, 'wasmModule' | 'fsBundle'>> | undefined;
  /** One query at a time: the sandbox is one PGlite, which runs one statement at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #idle: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(db: Kysely<DB>, options: SandboxOptions) {
    this.#db = db;
    this.#options = { idleMs: 120_000, startTimeoutMs: 60_000, ...options };
  }

  session<T>(work: (session: ConsoleSession) => Promise<T>): Promise<T> {
    return this.#enqueue(() => this.#session(work));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#enqueue(() => this.#stop());
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const turn = this.#queue.then(task);
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #session<T>(work: (session: ConsoleSession) => Promise<T>): Promise<T> {
    if (this.#closed) throw new HttpProblem(503, 'the SQL console is shutting down');
    clearTimeout(this.#idle);
    const thread = await this.#ready();
    const before = process.memoryUsage.rss();
    try {
      return await work({
        run: (text) => thread.call({ op: 'query', text }),
        kill: (problem) => void thread.terminate(problem),
      });
    } finally {
      if (!thread.alive || process.memoryUsage.rss() - before > RECYCLE_GROWTH_BYTES) await this.#stop();
      else {
        this.#idle = setTimeout(() => void this.#enqueue(() => this.#stop()), this.#options.idleMs);
        this.#idle.unref();
      }
    }
  }

  /** A started thread whose copy is up to date; the first start also makes the schema template. */
  async #ready(): Promise<SandboxThread> {
    try {
      if (!this.#thread?.alive) {
        this.#copy = undefined;
        const start = {
          template: this.#template,
          migrationsDir: this.#options.migrationsDir,
          ...(await this.#loadRuntime()),
        };
        const { thread, template } = await SandboxThread.start(start, this.#options.startTimeoutMs);
        this.#thread = thread;
        this.#template = template;
      }
      this.#copy = await syncCopy(this.#db, this.#thread, this.#copy);
      return this.#thread;
    } catch (error) {
      await this.#stop();
      throw new HttpProblem(503, `the SQL console's sandbox is unavailable: ${(error as Error).message}`);
    }
  }

  #loadRuntime(): Promise<Pick<SandboxStart, 'wasmModule' | 'fsBundle'>> {
    this.#runtime ??= (async () => {
      const require = createRequire(import.meta.url);
      const [wasm, bundle] = await Promise.all([
        readFile(require.resolve('@electric-sql/pglite/pglite.wasm')),
        readFile(require.resolve('@electric-sql/pglite/pglite.data')),
      ]);
      return { wasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([bundle]) };
    })();
    this.#runtime.catch(() => {
      this.#runtime = undefined;
    });
    return this.#runtime;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#idle);
    const thread = this.#thread;
    this.#thread = undefined;
    this.#copy = undefined;
    await thread?.terminate();
  }
}
