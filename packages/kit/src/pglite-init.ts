// A child process that creates a new PGlite data directory (initdb) and exits. Run by
// database.ts on a first start: initdb's WebAssembly instances, a second PGlite and its own
// buffers stay in a process's memory long after they are done (a service held 0.7–0.8 GB RSS
// after its first start against ~0.2 GB after a restart). A worker thread was not enough: its
// native allocations stay in glibc's per-thread arenas (339 against 164 MiB after opening the
// new database); a process's memory goes when it exits.
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from './pglite-settings.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: pglite-init <data directory>');
const db = await PGlite.create(dataDir, { startParams: pgliteStartParams(PGlite.defaultStartParams) });
await db.close();
