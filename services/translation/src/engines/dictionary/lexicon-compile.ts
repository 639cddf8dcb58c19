// A child process that ranks the Ding dictionary into a compiled lexicon file and exits. Run by
// lexicon-cache.ts when no file matches the dictionary: ranking takes 10–20 s of CPU and ~600 MB
// of transient memory (the text, every candidate and rival sense, the English frequency list),
// which goes with the process instead of staying in the service's heap and malloc arenas.
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { loadEnglishFrequency } from './english-frequency.js';
import { buildLexicon } from './lexicon.js';

const [dictionary, out, ranking] = process.argv.slice(2);
if (!dictionary || !out || (ranking !== 'ranked' && ranking !== 'plain')) {
  throw new Error('usage: lexicon-compile <dictionary> <output file> ranked|plain');
}
const frequency = ranking === 'ranked' ? await loadEnglishFrequency() : undefined;
const { bytes } = buildLexicon(await readFile(dictionary, 'utf8'), frequency);
// Written beside its name and renamed: a reader never sees half a file.
const partial = `${out}.${randomUUID()}.part`;
try {
  await writeFile(partial, bytes, { mode: 0o600 });
  await rename(partial, out);
} finally {
  await rm(partial, { force: true });
}
