/**
 * Compiles the real Ding dictionary's lexicon once, as the service's first start does, for every
 * test file that loads it (helpers.ts `realDictionary`): ranking it takes ~7 s of CPU, and each
 * file doing so at once on a two-core CI machine took most of a minute. Without the dictionary
 * nothing is compiled, and the tests that need it fail with the apt-get hint.
 */
import { execFileSync } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { dictionaryPath } from '../src/engines/dictionary-path.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the real dictionary's compiled lexicon is; empty when the dictionary is missing. */
    lexiconCacheDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dictionary = dictionaryPath();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-test-lexicon-'));
  const present = await access(dictionary).then(
    () => true,
    () => false,
  );
  if (present) {
    // The image's build step, run as Node runs it (Vitest's module runner cannot fork a TS child).
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/cli/lexicon-compile.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, DICTIONARY_PATH: dictionary, DICTIONARY_CACHE_DIR: dir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  project.provide('lexiconCacheDir', present ? dir : '');
  return () => rm(dir, { recursive: true, force: true });
}
