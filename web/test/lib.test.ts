import { describe, expect, it } from 'vitest';
import type { Translation } from '../src/api/translation';
import type { User } from '../src/api/users';
import { canDelete, preview } from '../src/lib/owner';
import { toTable } from '../src/lib/table';

describe('toTable', () => {
  it('reads the console answer: named columns and array rows', () => {
    const table = toTable({
      columns: [{ name: 'id' }, { name: 'german' }, { name: 'meta' }],
      rows: [
        [1, 'Guten Tag', null],
        [2, 'Hallo', { a: 1 }],
      ],
    });
    expect(table.headers).toEqual(['id', 'german', 'meta']);
    expect(table.rows[0]).toEqual([
      { text: '1', isNull: false, numeric: true },
      { text: 'Guten Tag', isNull: false, numeric: false },
      { text: 'NULL', isNull: true, numeric: false },
    ]);
    expect(table.rows[1]?.[2]?.text).toBe('{"a":1}');
  });

  it('also reads rows as objects keyed by column', () => {
    const table = toTable({ columns: ['n'], rows: [{ n: 3 }] });
    expect(table.rows[0]?.[0]?.text).toBe('3');
  });
});

describe('canDelete', () => {
  const user = (id: number, roles: User['roles']): User => ({ id, username: `u${id}`, roles });
  const translation = (fields: Partial<Translation>): Translation => ({
    id: 1,
    text_de: 'Hallo',
    text_en: 'Hello',
    engine: 'dictionary',
    ...fields,
  });

  it('lets an admin delete anything and an owner their own', () => {
    expect(canDelete(translation({ userId: 2 }), user(1, ['admin']))).toBe(true);
    expect(canDelete(translation({ userId: 2 }), user(2, ['viewer']))).toBe(true);
    expect(canDelete(translation({ userId: 2 }), user(3, ['operator']))).toBe(false);
  });

  it('matches the owner by name when there is no id, and offers it when nobody is named', () => {
    expect(canDelete(translation({ userId: null, owner: 'U4' }), user(4, ['viewer']))).toBe(true);
    expect(canDelete(translation({}), user(4, ['viewer']))).toBe(true);
    expect(canDelete(translation({}), undefined)).toBe(false);
  });
});

describe('preview', () => {
  it('flattens whitespace and cuts with an ellipsis', () => {
    expect(preview('a\n\n b', 10)).toBe('a b');
    expect(preview('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
