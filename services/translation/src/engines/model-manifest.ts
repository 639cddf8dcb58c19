import { readFile } from 'node:fs/promises';

/** One model file as published: gzip-compressed, with checksums of both forms where known. */
export interface ManifestFile {
  readonly file: string;
  readonly gzBytes: number;
  readonly gzSha256: string;
  readonly bytes?: number;
  readonly sha256?: string;
}

export interface ModelManifest {
  readonly name: string;
  /** Download URL with `{file}` standing for the file name. */
  readonly urlTemplate: string;
  readonly files: readonly ManifestFile[];
  readonly modelConfig?: Readonly<Record<string, unknown>>;
}

/** The manifest shipped with the service (copied from the project's model notes). */
export const DEFAULT_MANIFEST_PATH = new URL('../../model-manifest.json', import.meta.url);

export async function readManifest(path: string | URL = DEFAULT_MANIFEST_PATH): Promise<ModelManifest> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  return validateManifest(raw, String(path));
}

function validateManifest(raw: unknown, where: string): ModelManifest {
  const fail = (what: string): never => {
    throw new Error(`invalid model manifest ${where}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not a JSON object');
  const m = raw as Record<string, unknown>;
  if (typeof m.name !== 'string') fail('"name" must be a string');
  if (typeof m.urlTemplate !== 'string' || !m.urlTemplate.includes('{file}'))
    fail('"urlTemplate" must contain {file}');
  if (!Array.isArray(m.files) || m.files.length === 0) fail('"files" must be a non-empty array');
  for (const f of m.files as unknown[]) {
    const file = f as Record<string, unknown>;
    if (typeof file.file !== 'string' || !/^[\w.-]+\.gz$/u.test(file.file))
      fail(`bad file name ${String(file.file)}`);
    if (typeof file.gzSha256 !== 'string' || !/^[0-9a-f]{64}$/u.test(file.gzSha256))
      fail(`bad gzSha256 for ${String(file.file)}`);
    if (typeof file.gzBytes !== 'number') fail(`bad gzBytes for ${String(file.file)}`);
    if (
      file.sha256 !== undefined &&
      (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/u.test(file.sha256))
    ) {
      fail(`bad sha256 for ${String(file.file)}`);
    }
  }
  return raw as ModelManifest;
}

/** Name of a file once decompressed into the model directory. */
export function installedName(file: ManifestFile): string {
  return file.file.replace(/\.gz$/u, '');
}

/**
 * Written by model-fetch next to the files: the sha256 of each decompressed file, so
 * that files whose manifest gives only the gzip checksum can be verified at load time.
 */
export const INSTALL_RECORD = 'installed.json';

export interface InstallRecord {
  readonly manifest: string;
  readonly files: Record<string, { sha256: string; bytes: number }>;
}
