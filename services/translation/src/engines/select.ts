import { access } from 'node:fs/promises';
import { BergamotEngine, type BergamotOptions, modelDir } from './bergamot-engine.js';
import { DictionaryEngine } from './dictionary-engine.js';
import { DICTIONARY_MISSING_HINT, dictionaryPath } from './dictionary-path.js';
import { dictionaryCacheDir, dictionaryCachePath } from './dictionary-fetch.js';
import { type EngineStatus, EngineUnavailableError, type TranslationEngine } from './types.js';

export type EngineChoice = 'auto' | 'bergamot' | 'dictionary';

/** Stands in when no engine can run; its status says how to fix that. */
export class UnavailableEngine implements TranslationEngine {
  readonly name = 'unavailable';
  readonly kind = 'none';
  readonly #reason: string;
  constructor(reason: string) {
    this.#reason = reason;
  }
  status(): EngineStatus {
    return { ready: false, reason: this.#reason };
  }
  async translateBatch(): Promise<string[]> {
    throw new EngineUnavailableError(this.#reason);
  }
  async close(): Promise<void> {}
}

export function engineChoice(env: NodeJS.ProcessEnv = process.env): EngineChoice {
  const value = (env.TRANSLATION_ENGINE ?? 'auto').trim().toLowerCase() || 'auto';
  if (value === 'auto' || value === 'bergamot' || value === 'dictionary') return value;
  throw new Error(`TRANSLATION_ENGINE must be auto, bergamot or dictionary, not "${env.TRANSLATION_ENGINE}"`);
}

export interface SelectOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly bergamot?: Omit<BergamotOptions, 'modelDir'>;
}

/**
 * Picks the engine: `auto` tries the neural model (when its directory exists), then the
 * dictionary (the configured file, else the first start's download), then returns an UnavailableEngine whose reason names both fixes. An explicit
 * choice never falls back: asking for bergamot and not getting it is an error to show.
 */
export async function selectEngine(options: SelectOptions = {}): Promise<TranslationEngine> {
  const env = options.env ?? process.env;
  const choice = engineChoice(env);
  const reasons: string[] = [];
  const tryBergamot = async (): Promise<TranslationEngine | undefined> => {
    try {
      return await BergamotEngine.load({ ...options.bergamot, modelDir: modelDir(env) });
    } catch (error) {
      reasons.push(`neural: ${(error as Error).message}`);
      return undefined;
    }
  };
  const tryDictionary = async (): Promise<TranslationEngine | undefined> => {
    try {
      return await DictionaryEngine.load(await dictionaryFile(env), undefined, { cacheDir: dictionaryCacheDir(env) });
    } catch (error) {
      reasons.push(`dictionary: ${(error as Error).message}`);
      return undefined;
    }
  };
  if (choice === 'bergamot') return (await tryBergamot()) ?? new UnavailableEngine(explain(reasons));
  if (choice === 'dictionary') return (await tryDictionary()) ?? new UnavailableEngine(explain(reasons));
  if (await exists(modelDir(env))) {
    const neural = await tryBergamot();
    if (neural) return neural;
  } else {
    reasons.push(`neural: no model in ${modelDir(env)}`);
  }
  return (await tryDictionary()) ?? new UnavailableEngine(explain(reasons));
}

function explain(reasons: string[]): string {
  return `translation unavailable (${reasons.join('; ')}). To fix: ${DICTIONARY_MISSING_HINT}, or run \`npm run model:fetch\` to install the neural model`;
}

/** The configured dictionary (Debian's by default), else one the first start downloaded. */
async function dictionaryFile(env: NodeJS.ProcessEnv): Promise<string> {
  const configured = dictionaryPath(env);
  if (await exists(configured)) return configured;
  const cached = dictionaryCachePath(env);
  return (await exists(cached)) ? cached : configured;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
