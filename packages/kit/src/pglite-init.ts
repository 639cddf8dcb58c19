// A worker thread that creates a new PGlite data directory (initdb) and exits. Run by
// database.ts on a first start: initdb's WebAssembly instances, a second PGlite and its own
// buffers, stay in a process's memory long after they are done (a service held 0.7–0.8 GB RSS
// after its first start against ~0.2 GB after a restart); in a worker they go when it ends.
import { workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from './pglite-settings.js';

const { dataDir } = workerData as { dataDir: string };
const db = await PGlite.create(dataDir, { startParams: pgliteStartParams(PGlite.defaultStartParams) });
await db.close();
