import type { SqlResult } from '../api/translation';

export interface Cell {
  text: string;
  isNull: boolean;
  numeric: boolean;
}

/** Column names and display cells of a SQL console answer (named columns, rows as arrays). */
export function toTable(result: Pick<SqlResult, 'columns' | 'rows'>): { headers: string[]; rows: Cell[][] } {
  const headers = result.columns.map((column) => column.name);
  const rows = result.rows.map((row) => headers.map((_, index) => cell(row[index])));
  return { headers, rows };
}

export function cell(value: unknown): Cell {
  if (value === null || value === undefined) return { text: 'NULL', isNull: true, numeric: false };
  if (typeof value === 'number' || typeof value === 'bigint')
    return { text: String(value), isNull: false, numeric: true };
  if (typeof value === 'object') return { text: JSON.stringify(value), isNull: false, numeric: false };
  return { text: String(value), isNull: false, numeric: false };
}
