import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  /** What went wrong, without the URL (the message has both). */
  readonly reason: string;
  /** A checksum mismatch: the bytes arrived but are wrong, so retrying the same URL will not help. */
  readonly permanent: boolean;
  constructor(url: string, reason: string, options: { permanent?: boolean } = {}) {
    super(`cannot download ${url}: ${reason}`);
    this.reason = reason;
    this.permanent = options.permanent ?? false;
  }
}

export interface DownloadOptions {
  readonly url: string;
  /**
   * The partial file. It is kept when the transfer breaks, so the next attempt asks for the rest
   * (HTTP Range) instead of starting again; the caller verifies it and renames it into place.
   */
  readonly partPath: string;
  /** The size when the caller knows it (a manifest): a part of this size is complete already. */
  readonly expectedBytes?: number;
  /** Deadline for the server to answer (connect + headers); offline fails after this. */
  readonly connectTimeoutMs?: number;
  /** Deadline without a single byte arriving mid-download. */
  readonly stallTimeoutMs?: number;
  readonly onProgress?: (receivedBytes: number, totalBytes: number | null) => void;
  readonly signal?: AbortSignal;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * Downloads `url` into `partPath`, resuming a partial file with a Range request. A server that
 * ignores the range (200) restarts it from the first byte; one that says the range is past the end
 * (416) gets a fresh download. Resolves with the file's size once the body has arrived whole.
 */
export async function downloadResumable(options: DownloadOptions): Promise<number> {
  const { url, partPath } = options;
  let have = await sizeOf(partPath);
  if (options.expectedBytes !== undefined && have === options.expectedBytes) return have;
  if (options.expectedBytes !== undefined && have > options.expectedBytes) {
    await rm(partPath, { force: true });
    have = 0;
  }
  let response = await request(url, have, options);
  if (response.status === 416) {
    await response.body?.cancel();
    await rm(partPath, { force: true });
    have = 0;
    response = await request(url, 0, options);
  }
  if (!(response.ok && response.body)) {
    await response.body?.cancel();
    throw new DownloadError(url, `HTTP ${response.status}`);
  }
  // 206 continues the part; 200 (a server without ranges, or a fresh start) replaces it.
  const resuming = response.status === 206 && have > 0 && rangeStart(response) === have;
  if (!resuming) have = 0;
  const length = Number(response.headers.get('content-length'));
  const total = length > 0 ? have + length : (options.expectedBytes ?? null);

  let received = have;
  let stallTimer: NodeJS.Timeout | undefined;
  const stall = new AbortController();
  const stallMs = options.stallTimeoutMs ?? 30_000;
  const reader = response.body.getReader();
  const stop = (): void => void reader.cancel().catch(() => {});
  const armStall = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stall.abort(new Error(`no byte for ${stallMs} ms`));
      stop();
    }, stallMs);
  };
  options.signal?.addEventListener('abort', stop);
  // Each chunk is written before the next is read, so what arrived before a cut is on disk to resume.
  const file = await open(partPath, resuming ? 'a' : 'w');
  try {
    armStall();
    options.onProgress?.(received, total);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      armStall();
      await file.write(value);
      received += value.length;
      options.onProgress?.(received, total);
    }
    if (stall.signal.aborted) throw stall.signal.reason;
    if (options.signal?.aborted) throw options.signal.reason;
  } catch (error) {
    // The part stays: the next attempt resumes from what arrived.
    const reason = stall.signal.aborted ? (stall.signal.reason as Error).message : causeOf(error);
    throw new DownloadError(url, `the transfer broke off after ${received} bytes (${reason}); the next attempt resumes`);
  } finally {
    clearTimeout(stallTimer);
    options.signal?.removeEventListener('abort', stop);
    await file.close();
  }
  if (total !== null && received !== total) {
    throw new DownloadError(url, `the transfer ended after ${received} of ${total} bytes; the next attempt resumes`);
  }
  return received;
}

async function request(url: string, from: number, options: DownloadOptions): Promise<Response> {
  const connectMs = options.connectTimeoutMs ?? 10_000;
  const connect = new AbortController();
  const timer = setTimeout(
    () => connect.abort(new Error(`no answer within ${connectMs} ms`)),
    connectMs,
  );
  const signals = options.signal ? [connect.signal, options.signal] : [connect.signal];
  try {
    return await fetch(url, {
      signal: AbortSignal.any(signals),
      // identity: a byte range of a transfer-compressed body would not resume it.
      headers: { 'accept-encoding': 'identity', ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
    });
  } catch (error) {
    const reason = connect.signal.aborted ? (connect.signal.reason as Error).message : causeOf(error);
    throw new DownloadError(url, `${reason} (offline?)`);
  } finally {
    clearTimeout(timer);
  }
}

function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-/u.exec(response.headers.get('content-range') ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
