import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DownloadError, downloadResumable, sha256File } from './download.js';
import type { Provision } from './first-start.js';
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
  /** A checksum mismatch: retrying the same files will not help. */
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean } = {}) {
    super(message);
    this.permanent = options.permanent ?? false;
  }
}

/** Where downloads wait, inside `destDir` so a mounted volume is enough; kept across a cut to resume. */
export const STAGING_DIR = '.download';

/**
 * Downloads every file of the manifest into a staging directory, verifies the gzip and
 * decompressed sha256, then moves the decompressed files into `destDir`. A broken transfer leaves
 * its part in the staging directory, so the next call resumes it (HTTP Range); a checksum mismatch
 * empties the staging directory. Files already in place are only replaced once all are verified,
 * and a directory made here for nothing is removed (it would make `auto` look for a model).
 */
export async function fetchModel(options: FetchOptions): Promise<InstallRecord> {
  const { manifest, destDir } = options;
  const created = await mkdir(destDir, { recursive: true });
  const staging = join(destDir, STAGING_DIR);
  await mkdir(staging, { recursive: true });
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
    await rm(staging, { recursive: true, force: true });
    return record;
  } catch (error) {
    const resumable = error instanceof ModelFetchError && !error.permanent && (await hasParts(staging));
    if (!resumable) {
      await rm(staging, { recursive: true, force: true });
      if (created) await rm(created, { recursive: true, force: true });
      // Left empty by an earlier attempt: gone too (a mount point stays, rmdir refusing it).
      else await rmdir(destDir).catch(() => {});
    }
    throw error;
  }
}

async function hasParts(staging: string): Promise<boolean> {
  try {
    return (await readdir(staging)).some((name) => name.endsWith('.part'));
  } catch {
    return false;
  }
}

async function fetchOne(
  entry: ManifestFile,
  staging: string,
  options: FetchOptions,
): Promise<{ sha256: string; bytes: number }> {
  const url = (options.urlTemplate ?? options.manifest.urlTemplate).replace('{file}', entry.file);
  const partPath = join(staging, `${entry.file}.part`);
  try {
    await downloadResumable({
      url,
      partPath,
      expectedBytes: entry.gzBytes,
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (receivedBytes, totalBytes) =>
        options.onProgress?.({ file: entry.file, receivedBytes, totalBytes: totalBytes ?? entry.gzBytes }),
    });
  } catch (error) {
    const reason = error instanceof DownloadError ? error.reason : (error as Error).message;
    throw new ModelFetchError(
      `cannot download ${entry.file} from ${url}: ${reason.replace(/\(offline\?\)$/u, '(offline? the dictionary fallback still works)')}`,
    );
  }

  const gzSha = await sha256File(partPath);
  if (gzSha !== entry.gzSha256) {
    throw new ModelFetchError(
      `checksum mismatch for ${entry.file}: sha256 ${gzSha}, expected ${entry.gzSha256}`,
      { permanent: true },
    );
  }

  const outPath = join(staging, installedName(entry));
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      createReadStream(partPath),
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
    throw new ModelFetchError(`cannot decompress ${entry.file}: ${(error as Error).message}`, { permanent: true });
  }
  const sha256 = hash.digest('hex');
  if (entry.sha256 && sha256 !== entry.sha256) {
    throw new ModelFetchError(
      `checksum mismatch for ${installedName(entry)}: sha256 ${sha256}, expected ${entry.sha256}`,
      { permanent: true },
    );
  }
  // The verified part stays until the whole set is in place: a later cut need not fetch it again.
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

/**
 * The neural model as a first-start download: present when every file it installs is in `dir`
 * (fetched, baked into an image or copied there by hand); progress counts all files as one.
 */
export function modelProvision(options: {
  manifest: ModelManifest;
  dir: string;
  urlTemplate?: string;
  connectTimeoutMs?: number;
}): Provision {
  const { manifest, dir } = options;
  const total = manifest.files.reduce((sum, file) => sum + file.gzBytes, 0);
  return {
    what: 'neural model',
    describe: `${manifest.name}, ${manifest.files.length} files, ${(total / 1e6).toFixed(1)} MB, from ${new URL((options.urlTemplate ?? manifest.urlTemplate).replace('{file}', '')).host} into ${dir}`,
    async present() {
      try {
        await Promise.all(manifest.files.map((file) => access(join(dir, installedName(file)))));
        return true;
      } catch {
        return false;
      }
    },
    async fetch(onProgress, signal) {
      const before = new Map(manifest.files.map((file, i) => [file.file, manifest.files.slice(0, i).reduce((sum, f) => sum + f.gzBytes, 0)]));
      await fetchModel({
        manifest,
        destDir: dir,
        signal,
        ...(options.urlTemplate ? { urlTemplate: options.urlTemplate } : {}),
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        onProgress: ({ file, receivedBytes }) => onProgress((before.get(file) ?? 0) + receivedBytes, total),
      });
    },
  };
}
