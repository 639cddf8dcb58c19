import { HttpProblem, type ReadinessCheck } from '@flotilla/kit';
import { UnavailableEngine } from '../engines/select.js';
import type { TranslationEngine } from '../engines/types.js';

/** What `GET /translate/engine` and `/readyz` tell about the engine. */
export interface EngineInfo {
  name: TranslationEngine['name'] | 'loading';
  kind: TranslationEngine['kind'] | 'loading';
  ready: boolean;
  reason: string;
}

/**
 * Holds the engine while it loads in the background. Loading takes seconds (the dictionary is
 * 3–6 s and ~240 MB; the neural model starts a WASM worker), so the service listens at once and
 * answers 503 to translation requests until it is done, instead of holding up its start.
 */
export class EngineHolder {
  #engine: TranslationEngine | undefined;
  #loading: Promise<void> | undefined;
  #closed = false;
  readonly #load: () => Promise<TranslationEngine>;
  readonly #required: boolean;

  /**
   * `required`: the engine was chosen explicitly (TRANSLATION_ENGINE=bergamot|dictionary), so
   * running without it is a fault readiness must show, not the documented fallback.
   */
  constructor(load: () => Promise<TranslationEngine>, options: { required?: boolean } = {}) {
    this.#load = load;
    this.#required = options.required ?? false;
  }

  /** Starts loading; resolves when loading ended either way (tests and the benchmark wait on it). */
  start(): Promise<void> {
    this.#loading ??= this.#load()
      .catch((error: unknown) => new UnavailableEngine(`engine failed to load: ${(error as Error).message}`))
      .then(async (engine) => {
        // Closed while loading (shutdown, or a test that was quick): free it at once.
        if (this.#closed) await engine.close();
        else this.#engine = engine;
      });
    return this.#loading;
  }

  info(): EngineInfo {
    const engine = this.#engine;
    if (!engine) return { name: 'loading', kind: 'loading', ready: false, reason: 'engine loading' };
    const status = engine.status();
    return { name: engine.name, kind: engine.kind, ready: status.ready, reason: status.reason };
  }

  /** The engine to translate with, or a 503 problem saying why there is none (and the fix). */
  current(): TranslationEngine {
    const engine = this.#engine;
    if (!engine) {
      throw new HttpProblem(503, 'the translation engine is still loading; retry in a few seconds', {
        retryAfter: 5,
      });
    }
    const status = engine.status();
    if (!status.ready) throw new HttpProblem(503, status.reason, { engine: engine.name });
    return engine;
  }

  /**
   * Ready once the engine can translate. One exception: when `auto` selection found no engine at
   * all, the service is ready without one (history and the console work, and a stack's start must
   * not wait for a model that cannot come) and the check's name says why and how to fix it. Not
   * ready: still loading, an explicitly chosen engine that failed, or an engine that loaded and
   * then stopped (a crashed Bergamot worker): this replica cannot translate but another could.
   */
  readinessCheck(): ReadinessCheck {
    const current = () => this.info();
    return {
      get name() {
        const info = current();
        if (info.name === 'loading') return 'engine (loading)';
        if (!info.ready) return `engine: unavailable — ${info.reason}`;
        return `engine: ${info.kind === 'neural' ? 'neural' : 'fallback'}/${info.name}`;
      },
      check: async () => {
        const engine = this.#engine;
        if (!engine) throw new Error('engine loading: translation answers 503 until it is done');
        const status = engine.status();
        if (status.ready || (engine instanceof UnavailableEngine && !this.#required)) return;
        throw new Error(
          engine instanceof UnavailableEngine
            ? `the configured translation engine could not be loaded: ${status.reason}`
            : `the ${engine.name} engine stopped: ${status.reason}`,
        );
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const engine = this.#engine;
    this.#engine = undefined;
    await engine?.close();
  }
}
