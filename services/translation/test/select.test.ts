import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DICTIONARY_PATH } from '../src/engines/dictionary-path.js';
import { engineChoice, selectEngine } from '../src/engines/select.js';
import { realDictionary } from './helpers.js';

let empty: string;
beforeAll(async () => {
  await realDictionary(); // fails with the apt-get hint when trans-de-en is missing
  empty = await mkdtemp(join(tmpdir(), 'select-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

const dictionary = process.env.DICTIONARY_PATH || DEFAULT_DICTIONARY_PATH;
/** The compiled lexicon goes here, not into the working directory's ./data. */
const cache = () => join(empty, 'dictionary-cache');

describe('engineChoice', () => {
  it('reads TRANSLATION_ENGINE, defaulting to auto', () => {
    expect(engineChoice({})).toBe('auto');
    expect(engineChoice({ TRANSLATION_ENGINE: 'Dictionary' })).toBe('dictionary');
    expect(() => engineChoice({ TRANSLATION_ENGINE: 'google' })).toThrow(/auto, bergamot or dictionary/);
  });
});

describe('selectEngine', () => {
  it('falls back to the dictionary when no neural model is installed', async () => {
    const engine = await selectEngine({
      env: { TRANSLATION_MODEL_DIR: join(empty, 'no-model'), DICTIONARY_PATH: dictionary, DICTIONARY_CACHE_DIR: cache() },
    });
    expect(engine.name).toBe('dictionary');
    expect(engine.status().ready).toBe(true);
    // The first load compiles the lexicon in a child process: ~20 s, more on a busy machine.
  }, 120_000);

  it('falls back to the dictionary when the model directory holds no usable model', async () => {
    const engine = await selectEngine({
      env: { TRANSLATION_MODEL_DIR: empty, DICTIONARY_PATH: dictionary, DICTIONARY_CACHE_DIR: cache() },
    });
    expect(engine.name).toBe('dictionary');
  });

  it('is unavailable, with both fixes in the message, when nothing is installed', async () => {
    const engine = await selectEngine({
      env: { TRANSLATION_MODEL_DIR: join(empty, 'no-model'), DICTIONARY_PATH: join(empty, 'no-dict') },
    });
    expect(engine.name).toBe('unavailable');
    const { ready, reason } = engine.status();
    expect(ready).toBe(false);
    expect(reason).toMatch(/trans-de-en/);
    expect(reason).toMatch(/npm run model:fetch/);
    await expect(engine.translateBatch(['Hallo'])).rejects.toThrow(/trans-de-en/);
  });

  it('does not fall back when an engine is chosen explicitly', async () => {
    const engine = await selectEngine({
      env: { TRANSLATION_ENGINE: 'bergamot', TRANSLATION_MODEL_DIR: empty, DICTIONARY_PATH: dictionary },
    });
    expect(engine.name).toBe('unavailable');
    expect(engine.status().reason).toMatch(/model file .* is missing/);
  });
});
