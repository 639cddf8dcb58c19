import { access } from 'node:fs/promises';
import { loadEnglishFrequency } from './dictionary/english-frequency.js';
import { Glosser } from './dictionary/gloss.js';
import { type LexiconStats, loadLexicon } from './dictionary/lexicon.js';
import { loadCachedLexicon } from './dictionary/lexicon-cache.js';
import { ALL_RULES, type DictionaryRules } from './dictionary/rules.js';
import { DICTIONARY_MISSING_HINT, dictionaryPath } from './dictionary-path.js';
import {
  type EngineStatus,
  EngineUnavailableError,
  type TranslationEngine,
  throwIfAborted,
} from './types.js';

/** The offline fallback: a word-by-word gloss over the Ding German–English dictionary. */
export class DictionaryEngine implements TranslationEngine {
  readonly name = 'dictionary';
  readonly kind = 'fallback';
  readonly stats: LexiconStats;
  readonly #glosser: Glosser;
  readonly #path: string;

  private constructor(glosser: Glosser, stats: LexiconStats, path: string) {
    this.#glosser = glosser;
    this.stats = stats;
    this.#path = path;
  }

  /**
   * `rules` is for measuring them (bench/fallback.ts); the service uses them all. With `cacheDir`
   * the lexicon comes from a compiled file there (compiled in a child process when missing), else
   * it is ranked in this process.
   */
  static async load(
    path: string = dictionaryPath(),
    rules: DictionaryRules = ALL_RULES,
    options: { readonly cacheDir?: string } = {},
  ): Promise<DictionaryEngine> {
    try {
      await access(path);
    } catch {
      throw new EngineUnavailableError(`dictionary file ${path} not found: ${DICTIONARY_MISSING_HINT}`);
    }
    const { lexicon, stats } = options.cacheDir
      ? await loadCachedLexicon(path, { commonSense: rules.commonSense, cacheDir: options.cacheDir })
      : await loadLexicon(path, rules.commonSense ? await loadEnglishFrequency() : undefined);
    if (lexicon.size === 0) {
      throw new EngineUnavailableError(
        `dictionary file ${path} holds no Ding entries (expected "German :: English" lines)`,
      );
    }
    return new DictionaryEngine(new Glosser(lexicon, rules), stats, path);
  }

  status(): EngineStatus {
    return {
      ready: true,
      reason: `dictionary fallback (word-by-word gloss, not a real translation) from ${this.#path}, ${this.stats.keys} entries`,
    };
  }

  async translateBatch(sentences: string[], signal?: AbortSignal): Promise<string[]> {
    throwIfAborted(signal);
    return sentences.map((s) => this.#glosser.glossSentence(s));
  }

  async close(): Promise<void> {}
}
