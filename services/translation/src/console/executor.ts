/**
 * Runs one console query that the guard (guard.ts) accepted, inside the database's own limits:
 * a READ ONLY transaction that is always rolled back, a statement timeout and bounded work_mem,
 * a read-only role, and a cursor read a few rows at a time up to `maxRows + 1` rows (the extra
 * one only says that more exist) or `maxBytes`. A watchdog ends the session when it outlives the
 * timeout or its memory bound. The query text goes into the cursor declaration unchanged, so its
 * meaning (ORDER BY, WITH, duplicate column names) is exactly what the user wrote.
 */
import { HttpProblem, isDatabaseUnavailable, SQLSTATE, sqlState } from '@flotilla/kit';
import pg from 'pg';
import { refused } from './guard.js';
import { type ConsoleLimits, DEFAULT_LIMITS } from './limits.js';
import { timeoutProblem, watchSession } from './watchdog.js';

export const CONSOLE_ROLE = 'translation_console_reader';

export interface ConsoleColumn {
  name: string;
  /** PostgreSQL type OID. */
  type: number | undefined;
}

export interface ConsoleResult {
  columns: ConsoleColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  ms: number;
}

export interface Answer {
  columns: ConsoleColumn[];
  rows: unknown[][];
}

/** One database session for the length of a console query. */
export interface ConsoleSession {
  run(text: string): Promise<Answer>;
  /**
   * Ends the session now (connection dropped, sandbox terminated) and for good: runs pending or
   * later reject with `problem`.
   */
  kill(problem: HttpProblem): void;
}

export interface ConsoleBackend {
  readonly kind: 'postgresql' | 'pglite';
  /** Whether the session is a superuser that switches to the reader role itself (the PGlite sandbox). */
  readonly switchRole: boolean;
  session<T>(work: (session: ConsoleSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PostgreSQL server, logged in as the console's own read-only role (CONSOLE_DATABASE_URL). */
export function postgresConsole(url: string): ConsoleBackend {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  // A console connection dropped by the server must not crash the service.
  pool.on('error', () => {});
  return {
    kind: 'postgresql',
    switchRole: false,
    async session(work) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw new HttpProblem(503, `the SQL console cannot reach its database: ${(error as Error).message}`);
      }
      let killed: HttpProblem | undefined;
      let onKill: (problem: HttpProblem) => void = () => {};
      const dead = new Promise<never>((_, reject) => {
        onKill = reject;
      });
      dead.catch(() => {});
      // A connection that failed other than by the server refusing a statement is not reused.
      let broken = false;
      try {
        return await work({
          run: async (text) => {
            if (killed) throw killed;
            // The extended protocol refuses more than one statement: a second wall behind the parser.
            const config: pg.QueryConfig & { queryMode: 'extended' } = { text, queryMode: 'extended' };
            const query = client.query<unknown[]>({ ...config, rowMode: 'array' }).catch((error: unknown) => {
              broken ||= !(error instanceof pg.DatabaseError);
              throw error;
            });
            const result = await Promise.race([query, dead]);
            return {
              columns: (result.fields ?? []).map((field) => ({ name: field.name, type: field.dataTypeID })),
              rows: result.rows,
            };
          },
          kill: (problem) => {
            if (killed) return;
            killed = problem;
            onKill(problem);
            // Destroys the connection: the server cancels the statement when it notices.
            client.release(problem);
          },
        });
      } finally {
        if (!killed) client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** Runs an already-checked query. Always rolls back; maps database refusals to 4xx problems. */
export async function executeConsoleQuery(
  backend: ConsoleBackend,
  query: string,
  limits: ConsoleLimits = DEFAULT_LIMITS,
  running?: { inc(): void; dec(): void },
): Promise<ConsoleResult> {
  const started = performance.now();
  return backend.session(async (session) => {
    const stopWatching = watchSession((problem) => session.kill(problem), limits);
    running?.inc();
    const { run } = session;
    try {
      await run('begin transaction isolation level repeatable read read only');
      await run(`set local statement_timeout = ${Math.max(1, Math.round(limits.timeoutMs))}`);
      // Idle-in-transaction sessions must not outlive a client that went away.
      await run(`set local idle_in_transaction_session_timeout = ${Math.max(1000, limits.timeoutMs * 5)}`);
      await run(`set local work_mem = '${limits.workMem}'`);
      if (backend.switchRole) {
        await run(`set local temp_file_limit = '${limits.tempFileLimit}'`);
        await run(`set local role ${CONSOLE_ROLE}`);
      }
      await run(`declare console_rows no scroll cursor for ${query}`);
      const fetched = await fetchRows(run, limits);
      return { ...fetched, rowCount: fetched.rows.length, ms: Math.round(performance.now() - started) };
    } catch (error) {
      throw toConsoleProblem(error, limits);
    } finally {
      // Nothing a console query did survives it, whatever happened. A session whose rollback
      // failed (seen on PostgreSQL after a FETCH broke temp_file_limit) is never reused.
      await run('rollback').catch(() =>
        session.kill(new HttpProblem(503, 'the console session could not roll back and was closed')),
      );
      stopWatching();
      running?.dec();
    }
  });
}

/**
 * Fetches in growing batches, so a result of huge rows stops at `maxBytes` having read one batch
 * past it, not `maxRows` of them.
 */
async function fetchRows(
  run: ConsoleSession['run'],
  limits: ConsoleLimits,
): Promise<{ columns: ConsoleColumn[]; rows: unknown[][]; truncated: boolean }> {
  const rows: unknown[][] = [];
  let bytes = 0;
  let batch = 1;
  for (;;) {
    const fetched = await run(`fetch forward ${batch} from console_rows`);
    const cut = (truncated: boolean) => ({ columns: fetched.columns, rows, truncated });
    for (const row of fetched.rows) {
      if (rows.length === limits.maxRows) return cut(true);
      const values = row.map(jsonValue);
      bytes += JSON.stringify(values).length;
      if (bytes > limits.maxBytes) return cut(true);
      rows.push(values);
    }
    if (fetched.rows.length < batch) return cut(false);
    const fitting = Math.floor((limits.maxBytes - bytes) / (bytes / rows.length));
    batch = Math.max(1, Math.min(rows.length, fitting, limits.maxRows + 1 - rows.length));
  }
}

/** Values as JSON can carry them: bytes as PostgreSQL's hex text, dates as ISO strings. */
function jsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * SQLSTATEs only the console acts on, by PostgreSQL's condition names (appendix A of its manual);
 * the ones every service shares are kit's SQLSTATE.
 */
export const CONSOLE_SQLSTATE = {
  readOnlySqlTransaction: '25006',
  diskFull: '53100',
  outOfMemory: '53200',
  configurationLimitExceeded: '53400',
  programLimitExceeded: '54000',
  statementTooComplex: '54001',
} as const;

/** Out of memory, temp_file_limit, a value beyond PostgreSQL's 1 GB, disk full. */
const TOO_LARGE: ReadonlySet<string> = new Set([
  CONSOLE_SQLSTATE.outOfMemory,
  CONSOLE_SQLSTATE.configurationLimitExceeded,
  CONSOLE_SQLSTATE.diskFull,
  CONSOLE_SQLSTATE.programLimitExceeded,
]);

function toConsoleProblem(error: unknown, limits: ConsoleLimits): unknown {
  if (error instanceof HttpProblem) return error;
  const state = sqlState(error);
  const message = (error as Error).message;
  if (state === undefined) return new HttpProblem(503, `the SQL console's database failed: ${message}`);
  if (state === SQLSTATE.queryCanceled) return timeoutProblem(limits);
  if (state === SQLSTATE.insufficientPrivilege || state === CONSOLE_SQLSTATE.readOnlySqlTransaction)
    return refused(403, 'permission-denied', `refused by the database: ${message}`);
  if (TOO_LARGE.has(state)) {
    return refused(422, 'too-large', `the query needs more than the console allows: ${message} (SQLSTATE ${state})`);
  }
  if (state === CONSOLE_SQLSTATE.statementTooComplex)
    return refused(400, 'too-complex', `the query is nested too deeply: ${message}`);
  // Connection lost, server shutting down, too many connections: kit's "database unavailable".
  if (isDatabaseUnavailable(error)) return new HttpProblem(503, `the SQL console's database is unavailable: ${message}`);
  return refused(400, 'query-error', `the query failed: ${message} (SQLSTATE ${state})`);
}
