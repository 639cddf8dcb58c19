import { describe, expect, it } from 'vitest';
import { ROLES } from '../src/api/contract';
import { hasRole, highestRole, ROLE_LABELS } from '../src/api/users';
import { canDelete, preview } from '../src/lib/owner';
import { toTable } from '../src/lib/table';
import { type Answer, user } from './fixtures';

describe('toTable', () => {
  it('reads the console answer: named columns and rows as arrays', () => {
    const answer: Answer<'/api/sql', 'post', 200> = {
      columns: [{ name: 'id', type: 23 }, { name: 'german' }, { name: 'meta' }],
      rows: [
        [1, 'Guten Tag', null],
        [2, 'Hallo', { a: 1 }],
      ],
      rowCount: 2,
      truncated: false,
      ms: 3,
    };
    const table = toTable(answer);
    expect(table.headers).toEqual(['id', 'german', 'meta']);
    expect(table.rows[0]).toEqual([
      { text: '1', isNull: false, numeric: true },
      { text: 'Guten Tag', isNull: false, numeric: false },
      { text: 'NULL', isNull: true, numeric: false },
    ]);
    expect(table.rows[1]?.[2]?.text).toBe('{"a":1}');
  });
});

describe('roles', () => {
  it('are hierarchical, as the contract orders them: each includes the ones before it', () => {
    expect(ROLES).toEqual(['viewer', 'operator', 'admin']);
    const operator = user({ roles: ['operator'] });
    expect(hasRole(operator, 'viewer')).toBe(true);
    expect(hasRole(operator, 'operator')).toBe(true);
    expect(hasRole(operator, 'admin')).toBe(false);
    expect(hasRole(user({ roles: ['admin'] }), 'operator')).toBe(true);
    expect(hasRole(user({ roles: [] }), 'viewer')).toBe(false);
    expect(hasRole(undefined, 'viewer')).toBe(false);
  });

  it('name an account by its highest role', () => {
    expect(highestRole(user({ roles: ['viewer', 'admin', 'operator'] }))).toBe('admin');
    expect(highestRole(user({ roles: [] }))).toBeUndefined();
  });

  it('have a label for every role of the contract', () => {
    expect(Object.keys(ROLE_LABELS)).toEqual([...ROLES]);
  });
});

describe('canDelete', () => {
  type Item = Answer<'/api/translations', 'get', 200>['items'][number];
  const translation = (userId: Item['userId']): Item => ({
    id: 1,
    text_de: 'Hallo',
    text_en: 'Hello',
    engine: 'dictionary',
    chars: 5,
    ms: 1,
    userId,
    owner: userId === null ? null : `u${userId}`,
    createdAt: '2025-03-10T08:00:00.000Z',
    truncated: false,
  });

  it('lets an admin delete anything and others only their own', () => {
    expect(canDelete(translation(2), user({ id: 1, roles: ['admin'] }))).toBe(true);
    expect(canDelete(translation(2), user({ id: 2, roles: ['viewer'] }))).toBe(true);
    expect(canDelete(translation(2), user({ id: 3, roles: ['operator'] }))).toBe(false);
  });

  it('leaves a translation without a recorded owner to admins, as the service does', () => {
    expect(canDelete(translation(null), user({ id: 4, roles: ['operator'] }))).toBe(false);
    expect(canDelete(translation(null), user({ id: 4, roles: ['admin'] }))).toBe(true);
    expect(canDelete(translation(2), undefined)).toBe(false);
  });
});

describe('preview', () => {
  it('flattens whitespace and cuts with an ellipsis', () => {
    expect(preview('a\n\n b', 10)).toBe('a b');
    expect(preview('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
