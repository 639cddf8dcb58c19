import { badRequest } from '@flotilla/kit';

/**
 * Opaque keyset cursors: the sort key of the last item returned, as base64url JSON. Keyset (not
 * offset) pagination stays correct while rows are inserted and deleted between pages.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor whose elements must match `shape` (`'n'` integer id, `'t'` timestamp). */
export function decodeCursor(text: string, shape: readonly ('n' | 't')[]): Array<number | Date> {
  const invalid = () =>
    badRequest('querystring.cursor is not a cursor this service issued', { field: 'querystring.cursor' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalid();
  return shape.map((kind, index) => {
    const value: unknown = parsed[index];
    if (kind === 'n') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid();
      return value;
    }
    if (typeof value !== 'string') throw invalid();
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw invalid();
    return date;
  });
}
