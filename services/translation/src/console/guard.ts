/**
 * The SQL console's first safety layer: PostgreSQL's own parser (libpg-query, compiled to WASM)
 * decides what the text is, so comments, quoting, dollar-quoting and nesting cannot hide a
 * second statement or a write. Allowed: exactly one plain query (SELECT, VALUES, TABLE, set
 * operations, CTEs of queries) over the `translations` table, calling no function on the
 * denylist. The database layers (read-only role, READ ONLY transaction, statement timeout)
 * stand behind this one; this one makes the refusals clear and covers PGlite, which runs as a
 * superuser and cannot time a statement out.
 */
import { fieldPath, HttpProblem } from '@flotilla/kit';
import { loadModule, parse } from 'libpg-query';

/** Why a query was refused; clients and tests can tell the layers apart by it. */
export const REFUSAL_REASONS = [
  'syntax',
  'empty',
  'multiple-statements',
  'not-a-query',
  'select-into',
  'locking-clause',
  'data-modifying-cte',
  'function-denied',
  'relation-denied',
  'too-complex',
  'parameter',
  'timeout',
  'too-large',
  'permission-denied',
  'query-error',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The query's field, which a 400 names (a 403 or 422 is about what it does, not how it is written). */
const QUERY_FIELD = fieldPath('body', 'query');

export function refused(status: 400 | 403 | 422, reason: RefusalReason, detail: string): HttpProblem {
  return new HttpProblem(
    status,
    detail,
    status === 400 ? { reason, errors: [{ field: QUERY_FIELD, message: detail }] } : { reason },
  );
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
      `only queries (SELECT) may run in the SQL console; this is ${describeStatement(kind, isNode(statement) && kind ? statement[kind] : undefined)}`,
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

/**
 * A statement as people know it, with its article: "an UPDATE statement", "a SET ROLE statement".
 * The parser names nodes after its own structures (`VariableSetStmt`, `TransactionStmt`); those
 * whose node name is not the statement's are named here, from the node's details where one node
 * stands for several statements. `node` is the statement's parse node (its fields).
 */
export function describeStatement(kind: string | undefined, node?: unknown): string {
  if (!kind) return 'not a statement';
  const name = statementName(kind, isNode(node) ? node : {});
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} statement`;
}

/** `OBJECT_MATVIEW` → `MATERIALIZED VIEW`: object kinds as SQL names them. */
function objectName(kind: unknown): string {
  const names: Record<string, string> = {
    OBJECT_MATVIEW: 'MATERIALIZED VIEW',
    OBJECT_FDW: 'FOREIGN DATA WRAPPER',
    OBJECT_FOREIGN_SERVER: 'SERVER',
    OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
    OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
    OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
    OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
    OBJECT_OPCLASS: 'OPERATOR CLASS',
    OBJECT_OPFAMILY: 'OPERATOR FAMILY',
    OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
    OBJECT_STATISTIC_EXT: 'STATISTICS',
    OBJECT_LARGEOBJECT: 'LARGE OBJECT',
  };
  if (typeof kind !== 'string') return '';
  return names[kind] ?? kind.replace(/^OBJECT_/, '').replaceAll('_', ' ');
}

const withObject = (verb: string, kind: unknown) => [verb, objectName(kind)].filter(Boolean).join(' ');

/** Statements whose parse node is named otherwise, and those one node stands for several of. */
const STATEMENT_NAMES: Record<string, (node: Node) => string> = {
  VariableSetStmt: (node) => {
    // SET TRANSACTION …, SET SESSION CHARACTERISTICS …: the parser keeps the words as the name.
    if (node.kind === 'VAR_SET_MULTI') return `SET ${String(node.name ?? '').toUpperCase()}`.trim();
    const target = { role: ' ROLE', session_authorization: ' SESSION AUTHORIZATION' }[String(node.name)] ?? '';
    if (node.kind === 'VAR_RESET_ALL') return 'RESET ALL';
    return `${node.kind === 'VAR_RESET' ? 'RESET' : 'SET'}${target}`;
  },
  VariableShowStmt: () => 'SHOW',
  TransactionStmt: (node) =>
    ({
      TRANS_STMT_START: 'START TRANSACTION',
      TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
      TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
      TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
    })[String(node.kind)] ??
    String(node.kind ?? 'TRANSACTION')
      .replace(/^TRANS_STMT_/, '')
      .replaceAll('_', ' '),
  GrantStmt: (node) => (node.is_grant ? 'GRANT' : 'REVOKE'),
  GrantRoleStmt: (node) => (node.is_grant ? 'GRANT' : 'REVOKE'),
  VacuumStmt: (node) => (node.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'),
  FetchStmt: (node) => (node.ismove ? 'MOVE' : 'FETCH'),
  CreateStmt: () => 'CREATE TABLE',
  CreateTableAsStmt: (node) =>
    node.is_select_into ? 'SELECT INTO' : node.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS',
  CreateFunctionStmt: (node) => (node.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION'),
  CreateRoleStmt: (node) =>
    ({ ROLESTMT_USER: 'CREATE USER', ROLESTMT_GROUP: 'CREATE GROUP' })[String(node.stmt_type)] ?? 'CREATE ROLE',
  DefineStmt: (node) => withObject('CREATE', node.kind),
  DropStmt: (node) => withObject('DROP', node.removeType),
  AlterTableStmt: (node) => withObject('ALTER', node.objtype),
  // Renaming a column or constraint is an ALTER of the table (or type) that holds it.
  RenameStmt: (node) =>
    node.renameType === 'OBJECT_TABCONSTRAINT'
      ? 'ALTER TABLE'
      : withObject(
          'ALTER',
          node.renameType === 'OBJECT_COLUMN' || node.renameType === 'OBJECT_ATTRIBUTE'
            ? node.relationType
            : node.renameType,
        ),
  AlterFunctionStmt: (node) => withObject('ALTER', node.objtype),
  AlterObjectDependsStmt: (node) => withObject('ALTER', node.objectType),
  AlterTableMoveAllStmt: (node) => withObject('ALTER', node.objtype),
  AlterEnumStmt: () => 'ALTER TYPE',
  AlterExtensionContentsStmt: () => 'ALTER EXTENSION',
  AlterDatabaseRefreshCollStmt: () => 'ALTER DATABASE',
  AlterEventTrigStmt: () => 'ALTER EVENT TRIGGER',
  AlterFdwStmt: () => 'ALTER FOREIGN DATA WRAPPER',
  AlterForeignServerStmt: () => 'ALTER SERVER',
  AlterStatsStmt: () => 'ALTER STATISTICS',
  AlterTSConfigurationStmt: () => 'ALTER TEXT SEARCH CONFIGURATION',
  AlterTSDictionaryStmt: () => 'ALTER TEXT SEARCH DICTIONARY',
  AlterOpFamilyStmt: () => 'ALTER OPERATOR FAMILY',
  CreateOpFamilyStmt: () => 'CREATE OPERATOR FAMILY',
  CreateAmStmt: () => 'CREATE ACCESS METHOD',
  CreateTableSpaceStmt: () => 'CREATE TABLESPACE',
  DropTableSpaceStmt: () => 'DROP TABLESPACE',
  AlterTableSpaceOptionsStmt: () => 'ALTER TABLESPACE',
  AlterOwnerStmt: (node) => withObject('ALTER', node.objectType),
  AlterObjectSchemaStmt: (node) => withObject('ALTER', node.objectType),
  AlterRoleSetStmt: () => 'ALTER ROLE',
  IndexStmt: () => 'CREATE INDEX',
  ViewStmt: () => 'CREATE VIEW',
  RuleStmt: () => 'CREATE RULE',
  CreateTrigStmt: () => 'CREATE TRIGGER',
  CreateEventTrigStmt: () => 'CREATE EVENT TRIGGER',
  CreateSeqStmt: () => 'CREATE SEQUENCE',
  AlterSeqStmt: () => 'ALTER SEQUENCE',
  CreatedbStmt: () => 'CREATE DATABASE',
  DropdbStmt: () => 'DROP DATABASE',
  AlterDatabaseSetStmt: () => 'ALTER DATABASE',
  CompositeTypeStmt: () => 'CREATE TYPE',
  CreateEnumStmt: () => 'CREATE TYPE',
  CreateRangeStmt: () => 'CREATE TYPE',
  CreatePLangStmt: () => 'CREATE LANGUAGE',
  CreateFdwStmt: () => 'CREATE FOREIGN DATA WRAPPER',
  CreateForeignServerStmt: () => 'CREATE SERVER',
  CreateStatsStmt: () => 'CREATE STATISTICS',
  CreateOpClassStmt: () => 'CREATE OPERATOR CLASS',
  RefreshMatViewStmt: () => 'REFRESH MATERIALIZED VIEW',
  DeclareCursorStmt: () => 'DECLARE',
  ClosePortalStmt: () => 'CLOSE',
  CheckPointStmt: () => 'CHECKPOINT',
  SecLabelStmt: () => 'SECURITY LABEL',
  ConstraintsSetStmt: () => 'SET CONSTRAINTS',
};

/** The statement's name: from the table above, else the node's (`AlterSystemStmt` → `ALTER SYSTEM`). */
function statementName(kind: string, node: Node): string {
  const named = STATEMENT_NAMES[kind];
  if (named) return named(node);
  return kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
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
          `WITH ${names[index]} holds ${describeStatement(bodyKind, bodyKind && isNode(body) ? body[bodyKind] : undefined)}; the SQL console only reads`,
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
        `${describeStatement(key, child)} inside the query; the SQL console only reads`,
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
