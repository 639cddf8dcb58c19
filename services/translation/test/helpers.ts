import { access } from 'node:fs/promises';
import { DEFAULT_DICTIONARY_PATH, DictionaryEngine } from '../src/engines/dictionary-engine.js';

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
    return DictionaryEngine.load(path);
  })();
  return shared;
}
