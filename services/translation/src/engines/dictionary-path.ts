// Where the dictionary is, apart from the engine: the launcher reads it before any service starts,
// and importing the engine would load @flotilla/kit's whole index (Fastify, OpenTelemetry …,
// ~68 MB) into the launcher.

/** Where Debian's `trans-de-en` package installs the Ding dictionary. */
export const DEFAULT_DICTIONARY_PATH = '/usr/share/trans/de-en';

export function dictionaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DICTIONARY_PATH || DEFAULT_DICTIONARY_PATH;
}

export const DICTIONARY_MISSING_HINT =
  'install the Debian package trans-de-en (apt-get install trans-de-en) or set DICTIONARY_PATH';
