export { BergamotEngine, type BergamotOptions, modelDir } from './bergamot-engine.js';
export { DictionaryEngine } from './dictionary-engine.js';
export { DEFAULT_DICTIONARY_PATH, dictionaryPath } from './dictionary-path.js';
export {
  type FetchOptions,
  type FetchProgress,
  fetchModel,
  ModelFetchError,
  modelInstalled,
} from './model-fetch.js';
export { type ManifestFile, type ModelManifest, readManifest } from './model-manifest.js';
export { batches, type Piece, reassemble, type Segmented, segmentText } from './segment.js';
export { type EngineChoice, engineChoice, selectEngine, UnavailableEngine } from './select.js';
export { type TranslateProgress, type TranslateTextOptions, translateText } from './translate-text.js';
export { type EngineStatus, EngineUnavailableError, type TranslationEngine } from './types.js';
