/**
 * Downloads the neural model into TRANSLATION_MODEL_DIR (default ./data/translation-model),
 * verifying every checksum, with a progress bar on stderr (TRANSLATION_MODEL_URL: a mirror, with
 * `{file}`). Exits 1 with a clear message when the download host cannot be reached; the dictionary
 * fallback keeps working, and running it again resumes the files that were cut off.
 */
import { SingleBar } from 'cli-progress';
import { modelDir } from '../engines/bergamot-engine.js';
import { fetchModel } from '../engines/model-fetch.js';
import { readManifest } from '../engines/model-manifest.js';

const manifest = await readManifest();
const destDir = modelDir();
const bar = new SingleBar({
  stream: process.stderr,
  format: '{file} [{bar}] {percentage}% | {value_mb}/{total_mb} MB',
  hideCursor: true,
});
let current = '';
process.stderr.write(`fetching ${manifest.name} into ${destDir}\n`);
try {
  await fetchModel({
    manifest,
    destDir,
    ...(process.env.TRANSLATION_MODEL_URL ? { urlTemplate: process.env.TRANSLATION_MODEL_URL } : {}),
    connectTimeoutMs: Number(process.env.MODEL_FETCH_TIMEOUT_MS) || 10_000,
    onProgress: ({ file, receivedBytes, totalBytes }) => {
      const payload = {
        file,
        value_mb: (receivedBytes / 1e6).toFixed(1),
        total_mb: (totalBytes / 1e6).toFixed(1),
      };
      if (file !== current) {
        if (current) bar.stop();
        current = file;
        bar.start(totalBytes, 0, payload);
      }
      bar.update(receivedBytes, payload);
    },
  });
  bar.stop();
  process.stderr.write(`model installed in ${destDir}\n`);
} catch (error) {
  bar.stop();
  process.stderr.write(`model:fetch failed: ${(error as Error).message}\n`);
  process.exit(1);
}
