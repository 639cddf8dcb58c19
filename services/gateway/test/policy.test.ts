import { describe, expect, it } from 'vitest';
import { requiredAccess } from '../src/policy.js';

describe('the route policy table', () => {
  it.each([
    ['POST', '/api/auth/login', 'public'],
    ['GET', '/api/translate/engine', 'public'],
    ['POST', '/api/translate', 'viewer'],
    ['POST', '/api/translate/stream', 'viewer'],
    ['DELETE', '/api/translations/7', 'viewer'],
    ['GET', '/api/cars', 'viewer'],
    ['POST', '/api/cars', 'operator'],
    ['DELETE', '/api/cars/3/allocations/9', 'operator'],
    ['POST', '/api/stats/runs', 'operator'],
    ['POST', '/api/sql', 'admin'],
    ['GET', '/api/users', 'admin'],
    ['POST', '/create_user', 'admin'],
    ['GET', '/get_user', 'admin'],
    ['GET', '/internal/api-key-token', 'admin'],
  ])('%s %s needs %s', (method, path, access) => {
    expect(requiredAccess(method, path)).toBe(access);
  });
});
