import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import {
  INSTALL_RECORD,
  type InstallRecord,
  installedName,
  type ManifestFile,
  type ModelManifest,
} from './model-manifest.js';

export interface FetchProgress {
  readonly file: string;
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

export interface FetchOptions {
  readonly manifest: ModelManifest;
  readonly destDir: string;
  /** Overrides the manifest's URL template (tests, mirrors); must contain `{file}`. */
  readonly urlTemplate?: string;
  /** Deadline for the server to answer (connect + headers); offline fails after this. */
  readonly connectTimeoutMs?: number;
  /** Deadline without a single byte arriving mid-download. */
  readonly stallTimeoutMs?: number;
  readonly onProgress?: (progress: FetchProgress) => void;
  readonly signal?: AbortSignal;
}

export class ModelFetchError extends Error {
  override readonly name = 'ModelFetchError';
}

/**
 * Downloads every file of the manifest into a staging directory, verifies the gzip and
 * decompressed sha256, then moves the decompressed files into `destDir`. Nothing is left
 * behind on failure; files already in place are only replaced once all are verified.
 */
export async function fetchModel(options: FetchOptions): Promise<InstallRecord> {
  const { manifest, destDir } = options;
  const created = await mkdir(destDir, { recursive: true });
  const staging = join(destDir, `.fetch-${randomUUID()}`);
  await mkdir(staging);
  try {
    const record: InstallRecord = { manifest: manifest.name, files: {} };
    for (const entry of manifest.files) {
      record.files[installedName(entry)] = await fetchOne(entry, staging, options);
    }
    for (const entry of manifest.files) {
      await rename(join(staging, installedName(entry)), join(destDir, installedName(entry)));
    }
    // Written last, atomically: its presence means the set is complete.
    const recordTmp = join(staging, INSTALL_RECORD);
    await writeFile(recordTmp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(recordTmp, join(destDir, INSTALL_RECORD));
    return record;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // A directory we created for nothing would make `auto` think a model is installed.
    if (created) await rm(created, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function fetchOne(
  entry: ManifestFile,
  staging: string,
  options: FetchOptions,
): Promise<{ sha256: string; bytes: number }> {
  const url = (options.urlTemplate ?? options.manifest.urlTemplate).replace('{file}', entry.file);
  const gzPath = join(staging, entry.file);
  const connect = new AbortController();
  const connectTimer = setTimeout(
    () =>
      connect.abort(
        new ModelFetchError(`no answer from ${url} within ${options.connectTimeoutMs ?? 10_000} ms`),
      ),
    options.connectTimeoutMs ?? 10_000,
  );
  const signals = options.signal ? [connect.signal, options.signal] : [connect.signal];
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = connect.signal.aborted
      ? (connect.signal.reason as Error).message
      : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new ModelFetchError(
      `cannot download ${entry.file} from ${url}: ${reason} (offline? the dictionary fallback still works)`,
    );
  } finally {
    clearTimeout(connectTimer);
  }
  if (!response.ok || !response.body) {
    throw new ModelFetchError(`cannot download ${entry.file} from ${url}: HTTP ${response.status}`);
  }

  // Stream to disk while hashing, with a stall timer instead of a total deadline.
  const gzHash = createHash('sha256');
  let received = 0;
  const total = Number(response.headers.get('content-length')) || entry.gzBytes;
  let stallTimer: NodeJS.Timeout | undefined;
  const stall = new AbortController();
  const armStall = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => stall.abort(new ModelFetchError(`download of ${entry.file} stalled`)),
      options.stallTimeoutMs ?? 30_000,
    );
  };
  armStall();
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      armStall();
      received += chunk.length;
      gzHash.update(chunk);
      options.onProgress?.({ file: entry.file, receivedBytes: received, totalBytes: total });
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      meter,
      createWriteStream(gzPath),
      { signal: AbortSignal.any(options.signal ? [stall.signal, options.signal] : [stall.signal]) },
    );
  } catch (error) {
    throw new ModelFetchError(`download of ${entry.file} from ${url} failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(stallTimer);
  }

  const gzSha = gzHash.digest('hex');
  if (gzSha !== entry.gzSha256) {
    throw new ModelFetchError(
      `checksum mismatch for ${entry.file}: sha256 ${gzSha}, expected ${entry.gzSha256}`,
    );
  }

  const outPath = join(staging, installedName(entry));
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      createReadStream(gzPath),
      createGunzip(),
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          bytes += chunk.length;
          callback(null, chunk);
        },
      }),
      createWriteStream(outPath),
    );
  } catch (error) {
    throw new ModelFetchError(`cannot decompress ${entry.file}: ${(error as Error).message}`);
  }
  const sha256 = hash.digest('hex');
  if (entry.sha256 && sha256 !== entry.sha256) {
    throw new ModelFetchError(
      `checksum mismatch for ${installedName(entry)}: sha256 ${sha256}, expected ${entry.sha256}`,
    );
  }
  await rm(gzPath);
  return { sha256, bytes };
}

/** Whether `dir` holds a complete install (every file plus model-fetch's record). */
export async function modelInstalled(dir: string, manifest: ModelManifest): Promise<boolean> {
  try {
    const record = JSON.parse(await readFile(join(dir, INSTALL_RECORD), 'utf8')) as InstallRecord;
    return manifest.files.every((f) => record.files[installedName(f)] !== undefined);
  } catch {
    return false;
  }
}
