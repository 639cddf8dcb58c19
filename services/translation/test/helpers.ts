import { access } from 'node:fs/promises';
import { inject } from 'vitest';
import { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { DEFAULT_DICTIONARY_PATH } from '../src/engines/dictionary-path.js';
import { ALL_RULES } from '../src/engines/dictionary/rules.js';

let shared: Promise<DictionaryEngine> | undefined;

/** The real Ding dictionary, loaded once per test file; fails loudly when not installed. */
export function realDictionary(): Promise<DictionaryEngine> {
  shared ??= (async () => {
    const path = process.env.DICTIONARY_PATH || DEFAULT_DICTIONARY_PATH;
    try {
      await access(path);
    } catch {
      throw new Error(`these tests need the Ding dictionary at ${path}: apt-get install -y trans-de-en`);
    }
    // Read from the lexicon global-setup.ts compiled, as the service reads its cache.
    const cacheDir = inject('lexiconCacheDir');
    return DictionaryEngine.load(path, ALL_RULES, cacheDir ? { cacheDir } : {});
  })();
  return shared;
}
