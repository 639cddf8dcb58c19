/**
 * Comma-separated values as RFC 4180 writes them: fields joined by commas, records ended by CRLF,
 * a field quoted when it holds a comma, a quote, CR or LF, with its quotes doubled. A text that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed with an
 * apostrophe, as OWASP advises, so opening an export never runs what a translation contained.
 * A number, or a text that is only a number ("-5", bigint's digits), is left alone: it is not a
 * formula. NULL is an empty field.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else {
    text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header record and one record per row; every record ends with CRLF. */
export function toCsv(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const record = (values: readonly unknown[]) => `${values.map(csvField).join(',')}\r\n`;
  return record(headers) + rows.map((row) => record(headers.map((_, i) => row[i]))).join('');
}

/**
 * Saves `csv` as a file: UTF-8 with a byte-order mark, which spreadsheets need to read umlauts
 * as UTF-8 rather than their local code page.
 */
export function downloadCsv(filename: string, csv: string): void {
  const url = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the object URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
