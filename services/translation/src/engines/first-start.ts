import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';

/** A download under way, as `GET /translate/engine` tells it. */
export interface DownloadState {
  readonly what: string;
  readonly receivedBytes: number;
  /** null while the server has not said how big it is. */
  readonly totalBytes: number | null;
}

/** Something the first start fetches when it is missing: the neural model, the dictionary. */
export interface Provision {
  /** As shown in the log and on the Translate page: `neural model`, `dictionary`. */
  readonly what: string;
  /** Where it comes from and goes to, for the log. */
  readonly describe: string;
  /** Whether its files are in place already; then nothing is fetched. */
  present(): Promise<boolean>;
  /** Downloads, verifies and installs it; throws with `permanent` when retrying cannot help. */
  fetch(onProgress: (receivedBytes: number, totalBytes: number | null) => void, signal: AbortSignal): Promise<void>;
}

export interface RetryPolicy {
  /** Wait before the second attempt; doubled after each failed round. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Rounds in all, the first included; then it gives up until the next start. */
  readonly attempts: number;
}

/** 30 s, 1, 2, 4, 8, 10, 10 min: about 36 minutes of trying, then until the next start. */
export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 30_000, maxDelayMs: 600_000, attempts: 8 };

type Log = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

export interface FirstStartOptions {
  readonly log: Log;
  /** Called after each install, before the next download: the engine holder switches engines. */
  readonly onInstalled: (what: string) => Promise<void>;
  readonly retry?: RetryPolicy;
}

/**
 * The first start's downloads: what is missing is fetched in the background, one at a time in the
 * order given, with progress in the log and in `download()`. Offline, each round that fails is
 * retried after a doubling delay, a bounded number of times; a checksum mismatch is not retried
 * (the same URL would give the same bytes) and says how to override it.
 */
export class FirstStartFetch {
  readonly #items: readonly Provision[];
  readonly #options: FirstStartOptions;
  readonly #abort = new AbortController();
  /** Items whose download was refused for good (a checksum mismatch). */
  readonly #permanent = new Set<Provision>();
  #download: DownloadState | null = null;
  #running: Promise<void> | undefined;

  constructor(items: readonly Provision[], options: FirstStartOptions) {
    this.#items = items;
    this.#options = options;
  }

  download(): DownloadState | null {
    return this.#download;
  }

  /** Starts once; resolves when everything is in place, given up, or closed (tests wait on it). */
  start(): Promise<void> {
    this.#running ??= this.#run().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#options.log.error({ err: error }, 'first-start download failed');
    });
    return this.#running;
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error('the service is stopping'));
    await this.#running;
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    const retry = this.#options.retry ?? DEFAULT_RETRY;
    let pending: Provision[] = [];
    for (const item of this.#items) if (!(await item.present())) pending.push(item);
    let delay = retry.firstDelayMs;
    for (let round = 1; pending.length > 0 && !this.#abort.signal.aborted; round++) {
      const failed: Provision[] = [];
      for (const item of pending) {
        if (this.#abort.signal.aborted) return;
        if (!(await this.#fetchOne(item))) failed.push(item);
      }
      pending = failed.filter((item) => !this.#permanent.has(item));
      if (pending.length === 0) break;
      if (round >= retry.attempts) {
        log.warn(
          { what: pending.map((item) => item.what) },
          `gave up downloading the ${pending.map((item) => item.what).join(' and ')} after ${round} attempts; the next start tries again`,
        );
        return;
      }
      log.info(`retrying the download of the ${pending.map((item) => item.what).join(' and ')} in ${Math.round(delay / 1000)} s`);
      try {
        await sleep(delay, undefined, { signal: this.#abort.signal });
      } catch {
        return;
      }
      delay = Math.min(delay * 2, retry.maxDelayMs);
    }
  }

  /** One attempt: true when installed (and the engines told). */
  async #fetchOne(item: Provision): Promise<boolean> {
    const { log } = this.#options;
    log.info(`downloading the ${item.what} in the background: ${item.describe}`);
    let logged = -1;
    this.#download = { what: item.what, receivedBytes: 0, totalBytes: null };
    try {
      await item.fetch((receivedBytes, totalBytes) => {
        this.#download = { what: item.what, receivedBytes, totalBytes };
        // A line per tenth of the file (per 5 MB while its size is unknown).
        const step = totalBytes ? Math.floor((receivedBytes / totalBytes) * 10) : Math.floor(receivedBytes / 5e6);
        if (step > logged) {
          logged = step;
          const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
          log.info(
            { what: item.what, receivedBytes, totalBytes },
            totalBytes
              ? `downloading the ${item.what}: ${step * 10}% (${mb(receivedBytes)} of ${mb(totalBytes)} MB)`
              : `downloading the ${item.what}: ${mb(receivedBytes)} MB`,
          );
        }
      }, this.#abort.signal);
    } catch (error) {
      this.#download = null;
      if (this.#abort.signal.aborted) return false;
      const permanent = (error as { permanent?: boolean }).permanent === true;
      if (permanent) this.#permanent.add(item);
      log.warn(
        { what: item.what, err: (error as Error).message },
        `the ${item.what} could not be downloaded${permanent ? ' (not retried)' : ''}: ${(error as Error).message}`,
      );
      return false;
    }
    this.#download = null;
    log.info({ what: item.what }, `the ${item.what} is downloaded and verified; switching engines`);
    await this.#options.onInstalled(item.what);
    return true;
  }
}
