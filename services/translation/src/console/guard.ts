/**
 * The SQL console's first safety layer: PostgreSQL's own parser (libpg-query, compiled to WASM)
 * decides what the text is, so comments, quoting, dollar-quoting and nesting cannot hide a
 * second statement or a write. Allowed: exactly one plain query (SELECT, VALUES, TABLE, set
 * operations, CTEs of queries) over the `translations` table, calling no function on the
 * denylist. The database layers (read-only role, READ ONLY transaction, statement timeout)
 * stand behind this one; this one makes the refusals clear and covers PGlite, which runs as a
 * superuser and cannot time a statement out.
 */
import { HttpProblem } from '@flotilla/kit';
import { loadModule, parse } from 'libpg-query';

/** Why a query was refused; clients and tests can tell the layers apart by it. */
export type RefusalReason =
  | 'syntax'
  | 'empty'
  | 'multiple-statements'
  | 'not-a-query'
  | 'select-into'
  | 'locking-clause'
  | 'data-modifying-cte'
  | 'function-denied'
  | 'relation-denied'
  | 'too-complex'
  | 'parameter'
  | 'timeout'
  | 'too-large'
  | 'permission-denied'
  | 'query-error';

export function refused(status: 400 | 403 | 422, reason: RefusalReason, detail: string): HttpProblem {
  return new HttpProblem(status, detail, { reason });
}

/** The tables the console may read. */
export const ALLOWED_RELATIONS: ReadonlySet<string> = new Set(['translations']);

/**
 * Functions that sleep, touch files or large objects, reach other servers, change settings or
 * sessions, take locks that outlive the query, write sequences, or run SQL given as text (which
 * would bypass this parser's relation check: query_to_xml, ts_stat...).
 */
const DENIED_FUNCTIONS: ReadonlySet<string> = new Set([
  'set_config',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_notify',
  'pg_switch_wal',
  'pg_stat_file',
  'pg_current_logfile',
  'pg_export_snapshot',
  'pg_import_system_collations',
  'pg_log_backend_memory_contexts',
  'nextval',
  'setval',
  'loread',
  'lowrite',
  'ts_stat',
  'ts_rewrite',
  'txid_current',
  'pg_current_xact_id',
]);
const DENIED_PREFIXES = [
  'pg_sleep',
  'pg_read_',
  'pg_ls_',
  'pg_file_',
  'lo_',
  'dblink',
  'pg_advisory',
  'pg_try_advisory',
  'pg_create_',
  'pg_drop_',
  'pg_replication_',
  'pg_logical_',
  'pg_backup_',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_wal_',
  'pg_stat_reset',
  'query_to_xml',
  'cursor_to_xml',
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
];

export function isDeniedFunction(name: string): boolean {
  const lower = name.toLowerCase();
  return DENIED_FUNCTIONS.has(lower) || DENIED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

let loaded: Promise<void> | undefined;

/** Throws a 4xx HttpProblem naming the rule the query breaks; returns when it may run. */
export async function checkConsoleQuery(query: string): Promise<void> {
  if (query.trim() === '') throw refused(400, 'empty', 'the query is empty: send one SELECT');
  loaded ??= loadModule();
  await loaded;
  let tree: { stmts?: Array<{ stmt?: unknown }> };
  try {
    tree = await parse(query);
  } catch (error) {
    // The parser's own stack (bison's "memory exhausted") or JavaScript's ran out: nesting, not syntax.
    const message = (error as Error).message;
    if (error instanceof RangeError || /memory exhausted/.test(message)) throw tooComplex(message);
    throw refused(400, 'syntax', `not valid SQL: ${message}`);
  }
  if (nestsDeeperThan(tree, MAX_NESTING)) throw tooComplex('its parse tree nests too deeply');
  const statements = tree.stmts ?? [];
  if (statements.length === 0) throw refused(400, 'empty', 'the query is empty: send one SELECT');
  if (statements.length > 1) {
    throw refused(
      400,
      'multiple-statements',
      `exactly one statement is allowed, the text holds ${statements.length}`,
    );
  }
  const statement = statements[0]?.stmt;
  const kind = isNode(statement) ? Object.keys(statement)[0] : undefined;
  if (!isNode(statement) || kind !== 'SelectStmt') {
    throw refused(
      403,
      'not-a-query',
      `only queries (SELECT) may run in the SQL console; this is ${describeStatement(kind)}`,
    );
  }
  checkSelect(statement.SelectStmt, new Set());
}

/**
 * The checks below walk the parse tree recursively, one call per level: a left-deep chain of 4,000
 * UNIONs would overflow the stack. Real queries nest a few dozen levels; 1,000 admits several
 * hundred UNIONs or nested expressions.
 */
export const MAX_NESTING = 1000;

function tooComplex(why: string): HttpProblem {
  return refused(
    400,
    'too-complex',
    `the query is too complex for the SQL console (${why}; at most ${MAX_NESTING} levels of its parse tree): use fewer UNIONs or nested expressions`,
  );
}

/** Whether objects and arrays in the tree nest more than `limit` levels, found without recursion. */
function nestsDeeperThan(tree: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[tree, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (!isNode(value)) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}

function describeStatement(kind: string | undefined): string {
  if (!kind) return 'not a statement';
  const words = kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return `a ${words} statement`;
}

/** Checks one SELECT (or set operation) with the CTE names visible around it. */
function checkSelect(select: unknown, scope: ReadonlySet<string>): void {
  if (!isNode(select)) return;
  if (select.intoClause) {
    throw refused(403, 'select-into', 'SELECT INTO creates a table; the SQL console only reads');
  }
  if (select.lockingClause) {
    throw refused(403, 'locking-clause', 'FOR UPDATE/SHARE locks rows; the SQL console only reads');
  }
  let inner = scope;
  const withClause = select.withClause;
  if (isNode(withClause)) {
    const ctes = (Array.isArray(withClause.ctes) ? withClause.ctes : [])
      .map((item) => (isNode(item) && isNode(item.CommonTableExpr) ? item.CommonTableExpr : undefined))
      .filter((cte): cte is Node => cte !== undefined);
    const names = ctes.map((cte) => String(cte.ctename ?? ''));
    inner = new Set([...scope, ...names]);
    ctes.forEach((cte, index) => {
      const body = cte.ctequery;
      const bodyKind = isNode(body) ? Object.keys(body)[0] : undefined;
      if (bodyKind !== 'SelectStmt') {
        throw refused(
          403,
          'data-modifying-cte',
          `WITH ${names[index]} holds ${describeStatement(bodyKind)}; the SQL console only reads`,
        );
      }
      // A plain CTE sees only the ones before it; WITH RECURSIVE sees them all (and itself).
      const visible = withClause.recursive ? inner : new Set([...scope, ...names.slice(0, index)]);
      walk(cte, visible);
    });
  }
  for (const [key, value] of Object.entries(select)) {
    if (key === 'withClause') continue;
    if (key === 'larg' || key === 'rarg') checkSelect(value, inner);
    else walk(value, inner);
  }
}

function walk(value: unknown, scope: ReadonlySet<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, scope);
    return;
  }
  if (!isNode(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'SelectStmt') checkSelect(child, scope);
    else if (key === 'RangeVar') checkRelation(child, scope);
    else if (key === 'ParamRef') {
      throw refused(
        400,
        'parameter',
        `the query has a parameter ($${isNode(child) ? String(child.number ?? '') : ''}), and the SQL console has no values to bind: write the value in the query`,
      );
    }
    else if (key === 'FuncCall') {
      checkFunction(child);
      walk(child, scope);
    } else if (key.endsWith('Stmt')) {
      throw refused(
        403,
        'not-a-query',
        `${describeStatement(key)} inside the query; the SQL console only reads`,
      );
    } else walk(child, scope);
  }
}

function checkRelation(range: unknown, scope: ReadonlySet<string>): void {
  if (!isNode(range)) return;
  const name = String(range.relname ?? '');
  const schema = typeof range.schemaname === 'string' ? range.schemaname : undefined;
  const qualified = [range.catalogname, schema, name].filter((part) => typeof part === 'string').join('.');
  if (range.catalogname === undefined && schema === undefined && scope.has(name)) return;
  if (
    range.catalogname === undefined &&
    (schema === undefined || schema === 'public') &&
    ALLOWED_RELATIONS.has(name)
  ) {
    return;
  }
  throw refused(
    403,
    'relation-denied',
    `the SQL console may read only ${[...ALLOWED_RELATIONS].join(', ')}; "${qualified}" is not allowed`,
  );
}

function checkFunction(call: unknown): void {
  if (!isNode(call) || !Array.isArray(call.funcname)) return;
  const parts = call.funcname.map((part) =>
    isNode(part) && isNode(part.String) ? String(part.String.sval ?? '') : '',
  );
  const name = parts.at(-1) ?? '';
  const schema = parts.length > 1 ? parts.at(-2) : undefined;
  if (schema !== undefined && schema.toLowerCase() !== 'pg_catalog') {
    throw refused(
      403,
      'function-denied',
      `function ${parts.join('.')} is outside pg_catalog; not allowed in the SQL console`,
    );
  }
  if (isDeniedFunction(name)) {
    throw refused(403, 'function-denied', `function ${name}() is not allowed in the SQL console`);
  }
}
