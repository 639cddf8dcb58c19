import type { Worker } from 'node:worker_threads';
import { startWorker } from '@flotilla/kit';
import type { CopiedRow, SandboxColumn, SandboxReply, SandboxStart } from './sandbox-protocol.js';

/** A statement the sandbox's PostgreSQL refused; `code` is its SQLSTATE. */
export class SandboxQueryError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SandboxQueryError';
  }
}

interface Pending {
  resolve(answer: { columns: SandboxColumn[]; rows: unknown[][] }): void;
  reject(error: Error): void;
}

type Request =
  | { op: 'query'; text: string }
  | { op: 'insert'; rows: CopiedRow[] }
  | { op: 'retain'; ids: string[] };

/** One started sandbox worker thread: sends it requests, and can be terminated at any moment. */
export class SandboxThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: SandboxReply) => {
      if (reply.op === 'ready') return;
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.op === 'answer') pending?.resolve(reply);
      else pending?.reject(new SandboxQueryError(reply.message, reply.code));
    });
    worker.on('error', (error) => this.#stop(new Error(`the console sandbox failed: ${error.message}`)));
    worker.on('exit', (code) => this.#stop(new Error(`the console sandbox stopped (exit code ${code})`)));
  }

  /** Starts a worker and waits until its database is open; resolves with the schema template. */
  static async start(
    data: SandboxStart,
    timeoutMs: number,
  ): Promise<{ thread: SandboxThread; template: Blob }> {
    const thread = new SandboxThread(spawn(data));
    const worker = thread.#worker;
    let timer: NodeJS.Timeout | undefined;
    try {
      const template = await new Promise<Blob>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the console sandbox did not start within ${timeoutMs} ms`)),
          timeoutMs,
        );
        worker.on('message', (reply: SandboxReply) => {
          if (reply.op === 'ready') resolve(reply.template);
        });
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new Error(`the console sandbox exited while starting (code ${code})`)),
        );
      });
      return { thread, template };
    } catch (error) {
      await thread.terminate();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get alive(): boolean {
    return this.#stopped === undefined;
  }

  call(request: Request): Promise<{ columns: SandboxColumn[]; rows: unknown[][] }> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...request });
    });
  }

  /** Stops the thread at once, mid-query if need be; pending calls reject with `reason`. */
  async terminate(reason = new Error('the console sandbox was stopped')): Promise<void> {
    this.#stop(reason);
    await this.#worker.terminate();
  }

  #stop(reason: Error): void {
    this.#stopped ??= reason;
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }
}

/** The worker runs dist/console/sandbox-worker.js (sandbox-worker.ts from source). */
function spawn(data: SandboxStart): Worker {
  return startWorker(import.meta.url, 'sandbox-worker', { workerData: data });
}
