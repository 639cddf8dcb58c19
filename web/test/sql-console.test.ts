import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../src/lib/csv';
import { type Cell, sortRows, toTable } from '../src/lib/table';

describe('toCsv (RFC 4180)', () => {
  it('joins fields with commas and ends every record with CRLF', () => {
    expect(toCsv(['id', 'german'], [[1, 'Guten Tag'], [2, 'Hallo']])).toBe('id,german\r\n1,Guten Tag\r\n2,Hallo\r\n');
  });

  it('quotes fields holding a comma, a quote or a line break, doubling the quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('sie sagte "ja"')).toBe('"sie sagte ""ja"""');
    expect(csvField('Zeile 1\nZeile 2')).toBe('"Zeile 1\nZeile 2"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
    expect(csvField('Straße, München')).toBe('"Straße, München"');
  });

  it('writes NULL as an empty field and objects as JSON', () => {
    expect(toCsv(['a', 'b', 'c'], [[null, { x: 1 }, undefined]])).toBe('a,b,c\r\n,"{""x"":1}",\r\n');
  });

  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tstart', "'\tstart"],
    ['\rstart', `"'\rstart"`],
  ])('defuses a text a spreadsheet would run as a formula: %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('leaves numbers alone, also negative ones and big integers sent as text', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField('-5')).toBe('-5');
    expect(csvField('9007199254740993')).toBe('9007199254740993');
    expect(csvField('-1.5e3')).toBe('-1.5e3');
  });

  it('defuses column names too', () => {
    expect(toCsv(['=evil'], [])).toBe("'=evil\r\n");
  });
});

describe('sortRows', () => {
  const table = toTable({
    columns: [
      { name: 'id', type: 20 },
      { name: 'owner', type: 25 },
      { name: 'ms', type: 23 },
    ],
    // bigint arrives as text: it must still order as a number.
    rows: [
      ['10', 'bob', 5],
      ['9', null, 120],
      ['100', 'Alice', null],
      ['-3', 'alice', 7],
    ],
  });
  const column = (rows: Cell[][], index: number) => rows.map((row) => (row[index]?.isNull ? null : row[index]?.text));

  it('orders a numeric column by value, both ways, NULLs last', () => {
    expect(column(sortRows(table.rows, 0, 'ascending'), 0)).toEqual(['-3', '9', '10', '100']);
    expect(column(sortRows(table.rows, 0, 'descending'), 0)).toEqual(['100', '10', '9', '-3']);
    expect(column(sortRows(table.rows, 2, 'ascending'), 2)).toEqual(['5', '7', '120', null]);
    expect(column(sortRows(table.rows, 2, 'descending'), 2)).toEqual(['120', '7', '5', null]);
  });

  it('orders text as people read it, ties keeping their order, NULLs last', () => {
    expect(column(sortRows(table.rows, 1, 'ascending'), 1)).toEqual(['Alice', 'alice', 'bob', null]);
    expect(column(sortRows(table.rows, 1, 'descending'), 1)).toEqual(['bob', 'Alice', 'alice', null]);
  });

  it('leaves the rows it was given in their order', () => {
    sortRows(table.rows, 0, 'ascending');
    expect(column(table.rows, 0)).toEqual(['10', '9', '100', '-3']);
  });

  it('marks numeric columns from the PostgreSQL type', () => {
    expect(table.numeric).toEqual([true, false, true]);
    expect(table.rows[0]?.[0]).toEqual({ text: '10', isNull: false, numeric: true });
  });
});
