/**
 * Runs one console query that the guard (guard.ts) accepted, inside the database's own limits:
 * a READ ONLY transaction that is always rolled back, a statement timeout, a read-only role, and
 * a cursor from which at most `maxRows + 1` rows are fetched (the extra one only says that more
 * exist). The query text goes into the cursor declaration unchanged, so its meaning (ORDER BY,
 * WITH, duplicate column names) is exactly what the user wrote.
 */
import { HttpProblem } from '@flotilla/kit';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { refused } from './guard.js';

export const CONSOLE_ROLE = 'translation_console_reader';

export interface ConsoleColumn {
  name: string;
  /** PostgreSQL type OID, when the backend reports it. */
  type: number | undefined;
}

export interface ConsoleResult {
  columns: ConsoleColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  ms: number;
}

export interface ConsoleLimits {
  maxRows: number;
  timeoutMs: number;
  /** Serialised size of the rows returned; beyond it the rest is cut off as truncated. */
  maxBytes: number;
  /**
   * Planner cost above which the query is refused before it runs. PGlite cannot interrupt a
   * statement (no timers in WebAssembly), so there this estimate stands in for the timeout.
   */
  maxCost: number | undefined;
}

export const DEFAULT_LIMITS: ConsoleLimits = {
  maxRows: 1000,
  timeoutMs: 2000,
  maxBytes: 8 * 1024 * 1024,
  maxCost: undefined,
};

interface Answer {
  columns: ConsoleColumn[];
  rows: unknown[][];
}

/** One database session for the length of a console query. */
export interface ConsoleBackend {
  readonly kind: 'postgresql' | 'pglite';
  /** Whether to SET LOCAL ROLE to the reader role (PGlite runs as a superuser otherwise). */
  readonly switchRole: boolean;
  session<T>(work: (run: (text: string) => Promise<Answer>) => Promise<T>): Promise<T>;
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
      let broken = false;
      try {
        return await work(async (text) => {
          // The extended protocol refuses more than one statement: a second wall behind the parser.
          const config: pg.QueryConfig & { queryMode: 'extended' } = { text, queryMode: 'extended' };
          const result = await client.query<unknown[]>({ ...config, rowMode: 'array' });
          return {
            columns: (result.fields ?? []).map((field) => ({ name: field.name, type: field.dataTypeID })),
            rows: result.rows,
          };
        });
      } catch (error) {
        broken = !(error instanceof pg.DatabaseError);
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The service's own PGlite database. It has one connection, so a console query waits for
 * others and holds them back while it runs (hence the cost limit). Rows come back as objects
 * through Kysely: column order is kept, but columns of the same name collapse into one and an
 * empty result names no columns.
 */
export function pgliteConsole<DB>(db: Kysely<DB>): ConsoleBackend {
  return {
    kind: 'pglite',
    switchRole: true,
    session(work) {
      return db.connection().execute((connection) =>
        work(async (text) => {
          const result = await sql.raw<Record<string, unknown>>(text).execute(connection);
          const names = result.rows[0] ? Object.keys(result.rows[0]) : [];
          return {
            columns: names.map((name) => ({ name, type: undefined })),
            rows: result.rows.map((row) => names.map((name) => row[name])),
          };
        }),
      );
    },
    close: async () => {},
  };
}

/** Runs an already-checked query. Always rolls back; maps database refusals to 4xx problems. */
export async function executeConsoleQuery(
  backend: ConsoleBackend,
  query: string,
  limits: ConsoleLimits = DEFAULT_LIMITS,
): Promise<ConsoleResult> {
  const started = performance.now();
  return backend.session(async (run) => {
    await run('begin transaction isolation level repeatable read read only');
    try {
      await run(`set local statement_timeout = ${Math.max(1, Math.round(limits.timeoutMs))}`);
      // Idle-in-transaction sessions must not outlive a client that went away.
      await run(`set local idle_in_transaction_session_timeout = ${Math.max(1000, limits.timeoutMs * 5)}`);
      if (backend.switchRole) await run(`set local role ${CONSOLE_ROLE}`);
      if (limits.maxCost !== undefined) {
        const cost = await estimatedCost(run, query);
        if (cost > limits.maxCost) {
          throw refused(
            422,
            'too-costly',
            `the planner estimates this query at cost ${Math.round(cost)}, above the console's limit of ${limits.maxCost}; add a WHERE clause or avoid cross joins`,
          );
        }
      }
      await run(`declare console_rows no scroll cursor for ${query}`);
      const fetched = await run(`fetch forward ${limits.maxRows + 1} from console_rows`);
      let truncated = fetched.rows.length > limits.maxRows;
      const rows: unknown[][] = [];
      let bytes = 0;
      for (const row of fetched.rows.slice(0, limits.maxRows)) {
        const values = row.map(jsonValue);
        bytes += JSON.stringify(values).length;
        if (bytes > limits.maxBytes) {
          truncated = true;
          break;
        }
        rows.push(values);
      }
      return {
        columns: fetched.columns,
        rows,
        rowCount: rows.length,
        truncated,
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      throw toConsoleProblem(error, limits);
    } finally {
      // Nothing a console query did survives it, whatever happened.
      await run('rollback').catch(() => {});
    }
  });
}

async function estimatedCost(run: (text: string) => Promise<Answer>, query: string): Promise<number> {
  const plan = await run(`explain (format json) ${query}`);
  let value: unknown = plan.rows[0]?.[0];
  if (typeof value === 'string') value = JSON.parse(value);
  const top = Array.isArray(value) ? (value[0] as { Plan?: { 'Total Cost'?: unknown } }) : undefined;
  const cost = Number(top?.Plan?.['Total Cost']);
  return Number.isFinite(cost) ? cost : Number.POSITIVE_INFINITY;
}

/** Values as JSON can carry them: bytes as PostgreSQL's hex text, dates as ISO strings. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function toConsoleProblem(error: unknown, limits: ConsoleLimits): unknown {
  if (error instanceof HttpProblem) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) {
    return new HttpProblem(503, `the SQL console's database failed: ${message}`);
  }
  if (code === '57014') {
    return refused(
      422,
      'timeout',
      `the query ran longer than the console's statement timeout (${limits.timeoutMs} ms) and was cancelled`,
    );
  }
  if (code === '42501' || code === '25006')
    return refused(403, 'permission-denied', `refused by the database: ${message}`);
  if (code.startsWith('08') || code.startsWith('57P') || code === '53300') {
    return new HttpProblem(503, `the SQL console's database is unavailable: ${message}`);
  }
  return refused(400, 'query-error', `the query failed: ${message} (SQLSTATE ${code})`);
}
