import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeLexicon, encodeLexicon } from '../src/engines/dictionary/compact-lexicon.js';
import { buildLexicon } from '../src/engines/dictionary/lexicon.js';
import { loadCachedLexicon } from '../src/engines/dictionary/lexicon-cache.js';
import { encodeTable, SortedTable } from '../src/engines/dictionary/sorted-table.js';

describe('SortedTable', () => {
  // Keys of any script (umlauts, ß, CJK, emoji) are found; absent keys are not.
  const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
  it('finds every key it was given and no other', () => {
    fc.assert(
      fc.property(fc.dictionary(text, text, { maxKeys: 60 }), text, (record, probe) => {
        const entries = Object.entries(record);
        const table = new SortedTable(encodeTable(entries));
        expect(table.size).toBe(entries.length);
        for (const [key, value] of entries) expect(table.get(key)).toBe(value);
        expect(table.get(probe)).toBe(Object.hasOwn(record, probe) ? record[probe] : undefined);
        expect(table.has(probe)).toBe(Object.hasOwn(record, probe));
      }),
    );
  });

  it('reads a table at an unaligned offset', () => {
    const bytes = encodeTable([['straße', 'street'], ['haus', 'house']]);
    const shifted = Buffer.concat([Buffer.from([1]), bytes]).subarray(1);
    expect(new SortedTable(shifted).get('straße')).toBe('street');
  });
});

describe('decodeLexicon', () => {
  const tables = {
    lower: [['groß', 'big']] as const,
    upper: [['haus', 'house']] as const,
    verbLemmas: [['fing', 'fangen']] as const,
    phraseStarts: [['guten', 2]] as const,
  };

  it('reads what encodeLexicon wrote', () => {
    const { lexicon, lines } = decodeLexicon(encodeLexicon(tables, 7));
    expect(lines).toBe(7);
    expect(lexicon.lookup('groß', false)).toBe('big');
    expect(lexicon.lookup('haus', false)).toBe('house');
    expect(lexicon.hasNoun('haus')).toBe(true);
    expect(lexicon.verbLemma('fing')).toBe('fangen');
    expect(lexicon.maxPhraseWords('guten')).toBe(2);
    expect(lexicon.maxPhraseWords('haus')).toBe(1);
  });

  it('refuses bytes that are not a whole lexicon', () => {
    const bytes = encodeLexicon(tables, 7);
    expect(() => decodeLexicon(Buffer.from('de-en dictionary text'))).toThrow(/not a compiled lexicon/);
    for (const cut of [24, 40, bytes.length - 3]) {
      expect(() => decodeLexicon(bytes.subarray(0, cut))).toThrow(/truncated|not a lexicon table/);
    }
  });
});

const DING = [
  '# a small Ding file',
  'groß; umfangreich {adj} :: big; extensive',
  'Haus {n} | Häuser {pl} :: house | houses',
  'Guten Morgen! :: Good morning!',
  'gehen {vi} | gehend | ging :: to go | going | went',
].join('\n');

describe('loadCachedLexicon', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lexicon-cache-'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  const bins = async (cacheDir: string) => (await readdir(cacheDir)).filter((f) => f.endsWith('.bin'));

  it('compiles once in a child process, then reads the file, with the glosses ranked in process', async () => {
    const dictionary = join(dir, 'de-en');
    await writeFile(dictionary, DING);
    const cacheDir = join(dir, 'cache');
    const first = await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    expect(first.stats).toMatchObject({ compiled: true, lines: 4, keys: buildLexicon(DING).lexicon.size });
    const [file] = await bins(cacheDir);
    expect(file).toMatch(/^lexicon-plain-[0-9a-f]{32}\.bin$/u);
    expect((await stat(join(cacheDir, file ?? ''))).mode & 0o777).toBe(0o600);

    const again = await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    expect(again.stats.compiled).toBe(false);
    const inProcess = buildLexicon(DING).lexicon;
    for (const phrase of ['groß', 'haus', 'häuser', 'guten morgen', 'ging', 'klein']) {
      expect(again.lexicon.lookup(phrase, false)).toBe(inProcess.lookup(phrase, false));
    }
    expect(again.lexicon.lookup('häuser', true)).toBe('houses');
    expect(again.lexicon.maxPhraseWords('guten')).toBe(2);
  });

  it('compiles again for a changed dictionary and removes the stale file', async () => {
    const dictionary = join(dir, 'changing');
    const cacheDir = join(dir, 'changing-cache');
    await writeFile(dictionary, DING);
    await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    const before = await bins(cacheDir);
    await writeFile(dictionary, `${DING}\nklein {adj} :: small`);
    const after = await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    expect(after.stats.compiled).toBe(true);
    expect(after.lexicon.lookup('klein', false)).toBe('small');
    const now = await bins(cacheDir);
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(before);
  });

  it('compiles a damaged file again instead of serving it', async () => {
    const dictionary = join(dir, 'damaged');
    const cacheDir = join(dir, 'damaged-cache');
    await writeFile(dictionary, DING);
    await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    const [file] = await bins(cacheDir);
    const path = join(cacheDir, file ?? '');
    const bytes = await readFile(path);
    await chmod(path, 0o600);
    await writeFile(path, bytes.subarray(0, bytes.length >> 1));
    const loaded = await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    expect(loaded.stats.compiled).toBe(true);
    expect(loaded.lexicon.lookup('groß', false)).toBe('big');
    expect((await readFile(path)).length).toBe(bytes.length);
  });

  it('works, leaving nothing behind, when the cache directory cannot be made', async () => {
    const dictionary = join(dir, 'unwritable');
    await writeFile(dictionary, DING);
    const scratch = await mkdtemp(join(dir, 'tmp-'));
    vi.stubEnv('TMPDIR', scratch);
    // A path under a regular file cannot be a directory, for root too.
    const loaded = await loadCachedLexicon(dictionary, { commonSense: false, cacheDir: join(dictionary, 'cache') });
    vi.unstubAllEnvs();
    expect(loaded.stats.compiled).toBe(true);
    expect(loaded.lexicon.lookup('haus', false)).toBe('house');
    // (tsx, which runs the child from source in tests, keeps its own cache there.)
    expect((await readdir(scratch)).filter((f) => !f.startsWith('tsx-'))).toEqual([]);
  });

  it('keeps the frequency-ranked and the plain lexicon apart', async () => {
    const dictionary = join(dir, 'flavours');
    const cacheDir = join(dir, 'flavours-cache');
    await writeFile(dictionary, DING);
    await loadCachedLexicon(dictionary, { commonSense: false, cacheDir });
    await loadCachedLexicon(dictionary, { commonSense: true, cacheDir });
    expect((await bins(cacheDir)).map((f) => f.split('-')[1]).sort()).toEqual(['plain', 'ranked']);
    expect((await loadCachedLexicon(dictionary, { commonSense: false, cacheDir })).stats.compiled).toBe(false);
  });
});
