import { HttpProblem, type ReadinessCheck } from '@flotilla/kit';
import type { DownloadState } from '../engines/first-start.js';
import { UnavailableEngine } from '../engines/select.js';
import type { EngineWorkerStatus, TranslationEngine } from '../engines/types.js';

/** What `GET /translate/engine` and `/readyz` tell about the engine. */
export interface EngineInfo {
  name: TranslationEngine['name'] | 'loading';
  kind: TranslationEngine['kind'] | 'loading';
  ready: boolean;
  reason: string;
  /** The first start's download under way (the model or the dictionary), if any. */
  download: DownloadState | null;
  /** The engine's worker threads and their memory, when it runs them (Bergamot). */
  workers?: EngineWorkerStatus[];
}

/** An engine taken for one translation; `release` when done, so a replaced engine can be closed. */
export interface EngineLease {
  readonly engine: TranslationEngine;
  release(): void;
}

/**
 * Holds the engine while it loads in the background. Loading takes seconds (the dictionary is
 * 3–6 s and ~240 MB; the neural model starts a WASM worker), so the service listens at once and
 * answers 503 to translation requests until it is done, instead of holding up its start. When the
 * first start has downloaded a better engine, `reselect` switches to it without a restart.
 */
export class EngineHolder {
  #engine: TranslationEngine | undefined;
  #loading: Promise<void> | undefined;
  #switching: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Translations under way per engine, so a replaced engine is closed only after them. */
  readonly #leases = new Map<TranslationEngine, number>();
  readonly #retired = new Set<TranslationEngine>();
  readonly #load: () => Promise<TranslationEngine>;
  readonly #required: boolean;
  readonly #download: () => DownloadState | null;

  /**
   * `required`: the engine was chosen explicitly (TRANSLATION_ENGINE=bergamot|dictionary), so
   * running without it is a fault readiness must show, not the documented fallback.
   * `download`: what the first start is downloading now, for `info()`.
   */
  constructor(
    load: () => Promise<TranslationEngine>,
    options: { required?: boolean; download?: () => DownloadState | null } = {},
  ) {
    this.#load = load;
    this.#required = options.required ?? false;
    this.#download = options.download ?? (() => null);
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

  /**
   * Selects the engine again (after a download installed files) and switches to the result when it
   * can translate, or when the current one cannot. Nothing is done while the neural engine runs.
   * Translations under way finish in the engine they started with; it is closed after them.
   * Resolves with whether it switched.
   */
  reselect(): Promise<boolean> {
    const next = this.#switching.then(async () => {
      await this.start();
      const current = this.#engine;
      if (this.#closed || (current?.kind === 'neural' && current.status().ready)) return false;
      const candidate = await this.#load().catch(
        (error: unknown) => new UnavailableEngine(`engine failed to load: ${(error as Error).message}`),
      );
      if (this.#closed || (current?.status().ready && !candidate.status().ready)) {
        await candidate.close();
        return false;
      }
      this.#engine = candidate;
      if (current) this.#retire(current);
      return true;
    });
    this.#switching = next.catch(() => undefined);
    return next;
  }

  info(): EngineInfo {
    const engine = this.#engine;
    const download = this.#download();
    if (!engine) return { name: 'loading', kind: 'loading', ready: false, reason: 'engine loading', download };
    const status = engine.status();
    return {
      name: engine.name,
      kind: engine.kind,
      ready: status.ready,
      reason: status.reason,
      download,
      ...(status.workers ? { workers: status.workers } : {}),
    };
  }

  /** The engine for one translation (see `current`), held until `release`. */
  lease(): EngineLease {
    const engine = this.current();
    this.#leases.set(engine, (this.#leases.get(engine) ?? 0) + 1);
    let released = false;
    return {
      engine,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#leases.get(engine) ?? 1) - 1;
        if (left > 0) {
          this.#leases.set(engine, left);
          return;
        }
        this.#leases.delete(engine);
        if (this.#retired.delete(engine)) void engine.close();
      },
    };
  }

  #retire(engine: TranslationEngine): void {
    if (this.#leases.has(engine)) this.#retired.add(engine);
    else void engine.close();
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
    const engines = [this.#engine, ...this.#retired];
    this.#engine = undefined;
    this.#retired.clear();
    await Promise.all(engines.map((engine) => engine?.close()));
  }
}
