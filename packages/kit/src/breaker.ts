import type pg from 'pg';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './errors.js';
import { sqlState } from './sqlstate.js';

/**
 * Fails fast while the database is down. Without it every request waits for a connection attempt
 * of its own (up to the connect timeout: a killed server's address answers nothing), and a burst
 * of them piles up behind the pool. Once a connection cannot be made, new connections are refused
 * at once while a single probe retries in the background every `probeMs`; its first success lets
 * requests through again. A lost connection trips it at once when it was cut off (see
 * connectionLost), and otherwise only starts a probe.
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

  /**
   * A connection was lost. Closed by the server with a reason (an administrator, an idle timeout:
   * the error carries a SQLSTATE), the server is still there: a probe makes sure. Cut off without
   * one (a reset: the server or its host died), it is gone: refuse at once, and probe until back.
   */
  connectionLost(error: unknown): void {
    if (this.#down || this.#ended) return;
    if (sqlState(error) === undefined) this.trip(error);
    else if (!this.#probe) this.#scheduleProbe(0);
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
