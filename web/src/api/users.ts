import { allPages, client, data, type Operation, type RequestBody, type ResponseBody } from './client';
import { ROLES, type Role } from './contract';

export { ROLES, type Role };

export type User = ResponseBody<Operation<'/api/auth/me', 'get'>, 200>;
export type LoginResult = ResponseBody<Operation<'/api/auth/login', 'post'>, 200>;
export type ApiKey = ResponseBody<Operation<'/api/api-keys', 'get'>, 200>['items'][number];
/** The create answer: the key itself is in it, once. */
export type NewApiKey = ResponseBody<Operation<'/api/api-keys', 'post'>, 201>;
export type NewApiKeyRequest = RequestBody<Operation<'/api/api-keys', 'post'>>;
export type Session = ResponseBody<Operation<'/api/auth/sessions', 'get'>, 200>['items'][number];
export type NewUser = RequestBody<Operation<'/api/users', 'post'>>;
export type UserChanges = RequestBody<Operation<'/api/users/{id}', 'patch'>>;

/** What each role is called on screen, and what it adds to the one before it. */
export const ROLE_LABELS: Record<Role, { label: string; adds: string }> = {
  viewer: { label: 'Viewer', adds: 'sees the fleet, translations and stats, translates' },
  operator: { label: 'Operator', adds: 'also books and manages the fleet, imports stats and trains' },
  admin: { label: 'Admin', adds: 'also manages users and runs SQL' },
};

/** The form fields of these calls, by the path the API names them with. */
export const USER_FIELDS = {
  username: 'body.username',
  displayName: 'body.displayName',
  password: 'body.password',
  roles: 'body.roles',
} as const;

export const login = (username: string, password: string) =>
  data(client.POST('/api/auth/login', { body: { username, password } }));
export const logout = () => data(client.POST('/api/auth/logout'));

export const me = () => data(client.GET('/api/auth/me'));

/** Every account (a few hundred pages of 200 at most; `complete` says whether all were read). */
export const listUsers = () =>
  allPages((cursor) => data(client.GET('/api/users', { params: { query: { limit: 200, cursor } } })));

export const createUser = (user: NewUser) => data(client.POST('/api/users', { body: user }));
export const updateUser = (id: User['id'], changes: UserChanges) =>
  data(client.PATCH('/api/users/{id}', { params: { path: { id } }, body: changes }));
export const resetPassword = (id: User['id'], password: string) =>
  data(client.PUT('/api/users/{id}/password', { params: { path: { id } }, body: { password } }));

/** The fields of a password change, by the path the API names them with. */
export const PASSWORD_CHANGE_FIELDS = {
  currentPassword: 'body.currentPassword',
  password: 'body.password',
} as const;

/** Changes the caller's own password; their other sessions end, this one stays. */
export const changePassword = (currentPassword: string, password: string) =>
  data(client.PUT('/api/auth/password', { body: { currentPassword, password } }));

/** The caller's sessions (a login each, with its refreshes); `current` marks this browser's. */
export const listSessions = () =>
  allPages((cursor) => data(client.GET('/api/auth/sessions', { params: { query: { limit: 200, cursor } } })));
export const endOtherSessions = () => data(client.DELETE('/api/auth/sessions/others'));
export const endAllSessions = () => data(client.DELETE('/api/auth/sessions'));

export const listApiKeys = () =>
  allPages((cursor) => data(client.GET('/api/api-keys', { params: { query: { limit: 200, cursor } } })));
export const createApiKey = (key: NewApiKeyRequest) => data(client.POST('/api/api-keys', { body: key }));
export const revokeApiKey = (id: ApiKey['id']) =>
  data(client.DELETE('/api/api-keys/{id}', { params: { path: { id } } }));

const rank = (role: Role) => ROLES.indexOf(role);

/** The most powerful of the user's roles; it includes every role before it in ROLES. */
export function highestRole(user: Pick<User, 'roles'>): Role | undefined {
  return user.roles.reduce<Role | undefined>(
    (best, role) => (best === undefined || rank(role) > rank(best) ? role : best),
    undefined,
  );
}

/** Whether the user has `minimum` or a role above it (roles are hierarchical, as in kit). */
export const hasRole = (user: Pick<User, 'roles'> | undefined, minimum: Role) =>
  !!user && user.roles.some((role) => rank(role) >= rank(minimum));
