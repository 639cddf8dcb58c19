import type pg from 'pg';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './errors.js';

/**
 * Fails fast while the database is down. Without it every request waits for a connection attempt
 * of its own (up to the connect timeout: a killed server's address answers nothing), and a burst
 * of them piles up behind the pool. Once a connection cannot be made, new connections are refused
 * at once while a single probe retries in the background every `probeMs`; its first success lets
 * requests through again. A lost connection alone proves nothing (an administrator or an idle
 * timeout may have closed it): it only starts a probe at once, which trips if it cannot connect.
 */
export class ConnectionBreaker {
  #down: DatabaseUnavailableError | undefined;
  #probe: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly probeMs = 250,
  ) {}

  get isOpen(): boolean {
    return this.#down !== undefined;
  }

  async connect(): Promise<pg.PoolClient> {
    if (this.#down) throw this.#down;
    try {
      return await this.pool.connect();
    } catch (error) {
      this.trip(error);
      throw error;
    }
  }

  /** A connection was lost: find out at once whether the server is still there. */
  connectionLost(): void {
    if (this.#down || this.#ended || this.#probe) return;
    this.#scheduleProbe(0);
  }

  private trip(error: unknown): void {
    if (this.#down || this.#ended || !isDatabaseUnavailable(error)) return;
    this.#down = new DatabaseUnavailableError((error as Error).message, { cause: error });
    if (!this.#probe) this.#scheduleProbe(this.probeMs);
  }

  #scheduleProbe(delayMs: number): void {
    this.#probe = setTimeout(async () => {
      try {
        (await this.pool.connect()).release();
        this.#down = undefined;
        this.#probe = undefined;
      } catch (error) {
        this.#probe = undefined;
        this.trip(error);
        if (this.#down && !this.#ended && !this.#probe) this.#scheduleProbe(this.probeMs);
      }
    }, delayMs);
    this.#probe.unref();
  }

  async end(): Promise<void> {
    this.#ended = true;
    clearTimeout(this.#probe);
    await this.pool.end();
  }
}
