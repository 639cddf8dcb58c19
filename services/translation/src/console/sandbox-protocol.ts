/** Messages between the console sandbox (sandbox.ts) and its worker thread (sandbox-worker.ts). */

export interface SandboxStart {
  /** A gzipped PGlite data directory with the service's schema; absent: the worker makes one. */
  template: Blob | undefined;
  migrationsDir: string;
  /** Compiled once by the host, so a respawn does not compile 9 MB of WebAssembly again. */
  wasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

/** One translations row as text, exactly as the service's database holds it (search excluded). */
export interface CopiedRow {
  id: string;
  text_de: string;
  text_en: string;
  engine: string;
  chars: number;
  ms: number;
  owner_id: string | null;
  owner: string | null;
  created_at: string;
}

export type SandboxRequest =
  | { id: number; op: 'query'; text: string }
  | { id: number; op: 'insert'; rows: CopiedRow[] }
  /** Deletes every row whose id is not listed. */
  | { id: number; op: 'retain'; ids: string[] };

export interface SandboxColumn {
  name: string;
  type: number;
}

export type SandboxReply =
  | { op: 'ready'; template: Blob }
  | { op: 'answer'; id: number; columns: SandboxColumn[]; rows: unknown[][] }
  /** `code` is the SQLSTATE when PostgreSQL raised the error. */
  | { op: 'failure'; id: number; code: string | undefined; message: string };
