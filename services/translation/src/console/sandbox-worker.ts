/**
 * The console sandbox's worker thread: an in-memory PGlite holding the service's schema and a
 * copy of its translations, which runs the console's statements one at a time. It has no limits
 * of its own; the host terminates the whole thread when a query outlives its deadline or its
 * memory bound, which is the only way to stop WebAssembly that PostgreSQL cannot interrupt.
 */
import { readdir, readFile } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from '@flotilla/kit/pglite-settings';
import type { SandboxReply, SandboxRequest, SandboxStart } from './sandbox-protocol.js';

const port = parentPort;
if (!port) throw new Error('sandbox-worker.ts runs as a worker thread only');
// On a busy machine a query burning a core must not slow the service's main thread: on Linux the
// nice value is per thread, so this lowers only the sandbox's (elsewhere it would be the process's).
if (process.platform === 'linux') setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
const start = workerData as SandboxStart;
const post = (reply: SandboxReply) => port.postMessage(reply);

const options = {
  pgliteWasmModule: start.wasmModule,
  fsBundle: start.fsBundle,
  startParams: pgliteStartParams(PGlite.defaultStartParams),
};
let template = start.template;
let db: PGlite;
if (template) {
  db = await PGlite.create('memory://', { ...options, loadDataDir: template });
} else {
  // The first start of a service: the same migrations as the service's own database (they also
  // create the reader role and its grant), then a snapshot that later respawns load in ~0.5 s.
  db = await PGlite.create('memory://', options);
  const files = (await readdir(start.migrationsDir)).filter((file) => file.endsWith('.sql')).sort();
  for (const file of files) await db.exec(await readFile(join(start.migrationsDir, file), 'utf8'));
  // A copy thrown away with its thread needs no crash safety and no databases to copy from: an
  // unlogged table writes no WAL and without template0/1 the data directory is 14 MB smaller, all
  // held in memory (measured with 37k rows: ~45 MB less).
  // One statement a call: several in one are a transaction, which DROP DATABASE refuses.
  for (const statement of [
    'alter table translations set unlogged',
    "update pg_database set datistemplate = false where datname in ('template0', 'template1')",
    'drop database template0',
    'drop database template1',
    'checkpoint',
  ])
    await db.exec(statement);
  template = await db.dumpDataDir('gzip');
}
post({ op: 'ready', template });

const COPY_COLUMNS = 'id, text_de, text_en, engine, chars, ms, owner_id, owner, created_at';

async function answer(request: SandboxRequest): Promise<SandboxReply> {
  if (request.op === 'insert') {
    await db.query(
      `insert into translations (${COPY_COLUMNS}) overriding system value
       select ${COPY_COLUMNS} from json_to_recordset($1::json) as r(id bigint, text_de text, text_en text,
         engine text, chars integer, ms integer, owner_id bigint, owner text, created_at timestamptz)`,
      [JSON.stringify(request.rows)],
    );
    return { op: 'answer', id: request.id, columns: [], rows: [] };
  }
  if (request.op === 'retain') {
    await db.query(
      'delete from translations where id <> all (array(select json_array_elements_text($1::json)::bigint))',
      [JSON.stringify(request.ids)],
    );
    return { op: 'answer', id: request.id, columns: [], rows: [] };
  }
  // One statement per call: the extended protocol PGlite's query() uses refuses a second one.
  const result = await db.query<unknown[]>(request.text, [], { rowMode: 'array' });
  return {
    op: 'answer',
    id: request.id,
    columns: result.fields.map((field) => ({ name: field.name, type: field.dataTypeID })),
    rows: result.rows,
  };
}

// Requests are answered in order, one at a time, as PGlite would run them anyway.
let queue = Promise.resolve();
port.on('message', (request: SandboxRequest) => {
  queue = queue.then(async () => {
    try {
      post(await answer(request));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      post({
        op: 'failure',
        id: request.id,
        code: typeof code === 'string' ? code : undefined,
        message: (error as Error).message,
      });
    }
  });
});
