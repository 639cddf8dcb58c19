import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DownloadError, downloadResumable } from './download.js';
import type { Provision } from './first-start.js';

/**
 * The Ding German–English dictionary (GPL-2.0-or-later), the file Debian's trans-de-en packages.
 * The sha256 is of the decompressed text, so the upstream gzip and a plain-text mirror both match.
 * It was taken from Debian's copy (trans-de-en 1.9-6, /usr/share/trans/de-en): it has not been
 * checked against upstream's gzip, which this project's machines cannot reach, and upstream's
 * unversioned file may since have moved on (then the download is refused; set DICTIONARY_URL and
 * DICTIONARY_SHA256 to a copy you trust).
 */
export const DICTIONARY_SOURCE = {
  url: 'https://ftp.tu-chemnitz.de/pub/Local/urz/ding/de-en/de-en.txt.gz',
  sha256: '34052c6021d09eadfee7a893a789204265954df70fe9c36d38fa00058d79d326',
  version: 'Ding 1.9 (as Debian trans-de-en 1.9-6 ships it)',
} as const;

/**
 * Where a downloaded dictionary and the compiled lexicons are kept: DICTIONARY_CACHE_DIR, else
 * ./data/translation-dictionary.
 */
export function dictionaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DICTIONARY_CACHE_DIR || join(process.cwd(), 'data', 'translation-dictionary');
}

/** Where a downloaded dictionary is kept. */
export function dictionaryCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dictionaryCacheDir(env), 'de-en');
}

export interface DictionaryFetchOptions {
  readonly url: string;
  /** sha256 of the decompressed text. */
  readonly sha256: string;
  /** The file to install; its parts wait beside it. */
  readonly dest: string;
  readonly connectTimeoutMs?: number;
  readonly stallTimeoutMs?: number;
  readonly onProgress?: (receivedBytes: number, totalBytes: number | null) => void;
  readonly signal?: AbortSignal;
}

/**
 * Downloads the dictionary (gzip or plain text), resuming a broken transfer, decompresses it while
 * hashing, and renames it to `dest` only when the sha256 matches: `dest` is whole or absent.
 */
export async function fetchDictionary(options: DictionaryFetchOptions): Promise<{ bytes: number }> {
  const { dest } = options;
  await mkdir(dirname(dest), { recursive: true });
  const partPath = `${dest}.download.part`;
  await downloadResumable({
    url: options.url,
    partPath,
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const tmp = join(dirname(dest), `.de-en-${randomUUID()}.tmp`);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      createReadStream(partPath),
      (await isGzip(partPath)) ? createGunzip() : new PassThrough(),
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          bytes += chunk.length;
          callback(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== options.sha256) {
      throw new DownloadError(
        options.url,
        `checksum mismatch: sha256 of the text ${sha256}, expected ${options.sha256} (set DICTIONARY_SHA256 if this copy is the one you want)`,
        { permanent: true },
      );
    }
    await rename(tmp, dest);
    await rm(partPath, { force: true });
    return { bytes };
  } catch (error) {
    await rm(tmp, { force: true });
    // Wrong bytes (or not gzip after all) are not resumed: the next attempt starts afresh.
    await rm(partPath, { force: true });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(options.url, `cannot unpack it: ${(error as Error).message}`, { permanent: true });
  }
}

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await file.close();
  }
}

/**
 * The dictionary as a first-start download: present when the configured file (Debian's by
 * default) or an earlier download is there; fetched into `cachePath` otherwise.
 */
export function dictionaryProvision(options: {
  configuredPath: string;
  cachePath: string;
  url: string;
  sha256: string;
  connectTimeoutMs?: number;
}): Provision {
  return {
    what: 'dictionary',
    describe: `the Ding German–English dictionary (GPL-2.0-or-later) from ${options.url} into ${options.cachePath}, as ${options.configuredPath} is absent`,
    async present() {
      for (const path of [options.configuredPath, options.cachePath]) {
        try {
          await access(path);
          return true;
        } catch {
          // not this one
        }
      }
      return false;
    },
    async fetch(onProgress, signal) {
      await fetchDictionary({
        url: options.url,
        sha256: options.sha256,
        dest: options.cachePath,
        onProgress,
        signal,
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      });
    },
  };
}
