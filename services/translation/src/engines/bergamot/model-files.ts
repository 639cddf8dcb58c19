import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INSTALL_RECORD, type InstallRecord, installedName, type ModelManifest } from '../model-manifest.js';
import { EngineUnavailableError } from '../types.js';

export const FETCH_HINT =
  'run `npm run model:fetch` (or set TRANSLATION_MODEL_DIR to a directory holding the model)';

/** The three buffers Bergamot needs, read and checksum-verified. */
export interface ModelBuffers {
  readonly model: Buffer;
  readonly shortlist: Buffer;
  readonly vocab: Buffer;
}

function roleOf(name: string): keyof ModelBuffers | undefined {
  if (name.startsWith('model.')) return 'model';
  if (name.startsWith('lex.')) return 'shortlist';
  if (name.startsWith('vocab.')) return 'vocab';
  return undefined;
}

async function readInstallRecord(dir: string): Promise<InstallRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, INSTALL_RECORD), 'utf8')) as InstallRecord;
  } catch {
    return undefined;
  }
}

/**
 * Reads the model files from `dir`, failing with the file's name when one is missing or
 * its sha256 differs from the manifest's (or from model-fetch's record when the manifest
 * only knows the gzip checksum).
 */
export async function readModelFiles(dir: string, manifest: ModelManifest): Promise<ModelBuffers> {
  const record = await readInstallRecord(dir);
  const found: Partial<Record<keyof ModelBuffers, Buffer>> = {};
  for (const entry of manifest.files) {
    const name = installedName(entry);
    const role = roleOf(name);
    if (!role) continue;
    const path = join(dir, name);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch {
      throw new EngineUnavailableError(`model file ${path} is missing: ${FETCH_HINT}`);
    }
    const expected = entry.sha256 ?? record?.files[name]?.sha256;
    if (expected) {
      const actual = createHash('sha256').update(data).digest('hex');
      if (actual !== expected) {
        throw new EngineUnavailableError(
          `model file ${path} is corrupt (sha256 ${actual}, expected ${expected}): delete it and ${FETCH_HINT}`,
        );
      }
    }
    found[role] = data;
  }
  const { model, shortlist, vocab } = found;
  if (!model || !shortlist || !vocab) {
    throw new EngineUnavailableError(
      `model manifest ${manifest.name} must list a model.*, a lex.* and a vocab.* file`,
    );
  }
  return { model, shortlist, vocab };
}
