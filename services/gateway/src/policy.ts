import type { Access } from '@flotilla/kit';

/**
 * The gateway's route policy table: for each public path, who may call it. First match wins.
 * `path` is exact, or ends in `/**` to cover the path itself and everything below it. `methods`
 * is a list, `'read'` (GET, HEAD, OPTIONS) or `'*'`.
 *
 * Services enforce the same rules again through kit's verifyAccess (defence in depth); keep the
 * two in step when adding routes.
 */
export interface PolicyRule {
  methods: readonly string[] | 'read' | '*';
  path: string;
  access: Access;
}

export const POLICY: readonly PolicyRule[] = [
  // Token plumbing: needed before anyone has a token.
  { methods: '*', path: '/.well-known/jwks.json', access: 'public' },
  { methods: ['POST'], path: '/api/auth/login', access: 'public' },
  { methods: ['POST'], path: '/api/auth/refresh', access: 'public' },
  { methods: ['POST'], path: '/api/auth/logout', access: 'public' },
  { methods: '*', path: '/api/auth/**', access: 'viewer' },
  // Everyone signed in manages their own API keys.
  { methods: '*', path: '/api/api-keys/**', access: 'viewer' },
  // User management and the SQL console: admin only.
  { methods: '*', path: '/api/users/**', access: 'admin' },
  { methods: '*', path: '/create_user', access: 'admin' },
  { methods: 'read', path: '/get_user', access: 'admin' },
  { methods: '*', path: '/api/sql/**', access: 'admin' },
  // Which engine translates is shown before signing in.
  { methods: 'read', path: '/api/translate/engine', access: 'public' },
  // Translating text changes nothing anyone else sees: a viewer may (also streamed). Deleting a
  // translation is for its owner or an admin, which only the translation service can tell.
  { methods: ['POST'], path: '/api/translate/**', access: 'viewer' },
  { methods: ['DELETE'], path: '/api/translations/**', access: 'viewer' },
  // The rest: reads need viewer, writes (fleet resources, allocations, stats runs) operator.
  { methods: 'read', path: '/api/**', access: 'viewer' },
  { methods: '*', path: '/api/**', access: 'operator' },
];

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);

function pathMatches(pattern: string, path: string): boolean {
  if (!pattern.endsWith('/**')) return path === pattern;
  const base = pattern.slice(0, -3);
  return path === base || path.startsWith(`${base}/`);
}

function methodMatches(methods: PolicyRule['methods'], method: string): boolean {
  if (methods === '*') return true;
  if (methods === 'read') return READ.has(method);
  return methods.includes(method);
}

/** What a request needs; anything the table does not name needs admin (fail closed). */
export function requiredAccess(method: string, path: string, table: readonly PolicyRule[] = POLICY): Access {
  return (
    table.find((rule) => methodMatches(rule.methods, method) && pathMatches(rule.path, path))?.access ??
    'admin'
  );
}
