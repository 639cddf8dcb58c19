/**
 * How every embedded PostgreSQL (PGlite) in Flotilla starts: the services' databases and the SQL
 * console's sandboxes. PostgreSQL's default buffer cache, 128 MB, lives in PGlite's WebAssembly
 * memory, which never shrinks: each instance held ~130 MiB more than it needed (measured: a
 * reopened database 276 → 165 MiB RSS, 322 → 188 MiB after 200 k inserts). Its data files are read
 * through the OS page cache anyway, so a small cache costs little. Imports nothing, so a worker
 * thread can use it without loading the rest of kit.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** PGlite's own start parameters plus Flotilla's settings. */
export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
}

/**
 * Node flags for a process whose WebAssembly is PGlite's alone (the embedded services, initdb):
 * V8's baseline compiler only. Optimising PGlite's ~10 MB of WebAssembly costs each process ~3 s
 * of CPU while it starts and ~100 MB that stays (compiled code and the compiler threads' malloc
 * arenas), for queries ~25 % faster once warm (measured in issue 15's closing note). Given at the
 * process's start: V8's flags must not change once it runs.
 */
export const BASELINE_WASM_FLAGS: readonly string[] = ['--liftoff-only'];
