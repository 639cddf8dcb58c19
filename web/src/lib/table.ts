import type { SqlResult } from '../api/translation';

export interface Cell {
  text: string;
  isNull: boolean;
  numeric: boolean;
}

/** Column names and display cells of a SQL result, whether rows are objects or arrays. */
export function toTable(result: Pick<SqlResult, 'columns' | 'rows'>): { headers: string[]; rows: Cell[][] } {
  const headers = result.columns.map((column) => (typeof column === 'string' ? column : column.name));
  const rows = result.rows.map((row) =>
    headers.map((header, index) =>
      cell(Array.isArray(row) ? row[index] : (row as Record<string, unknown>)[header]),
    ),
  );
  return { headers, rows };
}

export function cell(value: unknown): Cell {
  if (value === null || value === undefined) return { text: 'NULL', isNull: true, numeric: false };
  if (typeof value === 'number' || typeof value === 'bigint')
    return { text: String(value), isNull: false, numeric: true };
  if (typeof value === 'object') return { text: JSON.stringify(value), isNull: false, numeric: false };
  return { text: String(value), isNull: false, numeric: false };
}
