import type { SqlResult } from '../api/translation';

export interface Cell {
  text: string;
  isNull: boolean;
  numeric: boolean;
}

export interface Table {
  headers: string[];
  /** Per column: PostgreSQL gave it a numeric type (bigint arrives as text, exactly). */
  numeric: boolean[];
  rows: Cell[][];
}

/** PostgreSQL's numeric type OIDs: int8, int2, int4, oid, float4, float8, numeric. */
const NUMERIC_TYPES: ReadonlySet<number> = new Set([20, 21, 23, 26, 700, 701, 1700]);

/** Column names and display cells of a SQL console answer (named columns, rows as arrays). */
export function toTable(result: Pick<SqlResult, 'columns' | 'rows'>): Table {
  const headers = result.columns.map((column) => column.name);
  const numeric = result.columns.map((column) => column.type !== undefined && NUMERIC_TYPES.has(column.type));
  const rows = result.rows.map((row) =>
    headers.map((_, index) => {
      const shown = cell(row[index]);
      return numeric[index] && !shown.isNull ? { ...shown, numeric: true } : shown;
    }),
  );
  return { headers, numeric, rows };
}

export function cell(value: unknown): Cell {
  if (value === null || value === undefined) return { text: 'NULL', isNull: true, numeric: false };
  if (typeof value === 'number' || typeof value === 'bigint')
    return { text: String(value), isNull: false, numeric: true };
  if (typeof value === 'object') return { text: JSON.stringify(value), isNull: false, numeric: false };
  return { text: String(value), isNull: false, numeric: false };
}

export type SortDirection = 'ascending' | 'descending';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The rows ordered by one column, as the page shows them: numbers by value, text as people read
 * it (case-insensitive, "9" before "10"), NULLs last either way; rows that tie keep their order.
 * Returns a new array; the rows themselves are not copied.
 */
export function sortRows<Row extends readonly Cell[]>(rows: readonly Row[], column: number, direction: SortDirection): Row[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    if (!x || !y || x.isNull || y.isNull) return Number(!x || x.isNull) - Number(!y || y.isNull);
    const order =
      x.numeric && y.numeric ? Number(x.text) - Number(y.text) : collator.compare(x.text, y.text);
    return sign * order;
  });
}
