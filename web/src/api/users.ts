import { api, toPage } from './client';

export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface User {
  id: number | string;
  username: string;
  displayName?: string | null;
  roles: Role[];
  createdAt?: string;
  disabled?: boolean;
}

export interface LoginResult {
  accessToken?: string;
  expiresIn?: number;
  user: User;
}

export interface ApiKey {
  id: number | string;
  name?: string | null;
  /** Only in the answer to the create call: shown once. */
  key?: string;
  prefix?: string;
  createdAt?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}

export interface NewUser {
  username: string;
  displayName?: string;
  password: string;
  roles: Role[];
}

export const login = (username: string, password: string) =>
  api.post<LoginResult>('/auth/login', { username, password }, { noRefresh: true });
export const logout = () => api.post<void>('/auth/logout', undefined, { noRefresh: true });

/** The signed-in user (some services wrap it as `{user}`). */
export async function me(): Promise<User> {
  const body = await api.get<User | { user: User }>('/auth/me');
  return 'user' in body ? body.user : body;
}

export async function listUsers(): Promise<User[]> {
  return toPage<User>(await api.get<unknown>('/users', { query: { limit: 200 } })).items;
}
export const createUser = (user: NewUser) => api.post<User>('/users', user);
export const updateUser = (
  id: User['id'],
  changes: { roles?: Role[]; disabled?: boolean; displayName?: string },
) => api.patch<User>(`/users/${id}`, changes);

export const resetPassword = (id: User['id'], password: string) =>
  api.put<void>(`/users/${id}/password`, { password });

export async function listApiKeys(): Promise<ApiKey[]> {
  return toPage<ApiKey>(await api.get<unknown>('/api-keys')).items;
}
export const createApiKey = (name: string) => api.post<ApiKey>('/api-keys', { name });
export const revokeApiKey = (id: ApiKey['id']) => api.delete(`/api-keys/${id}`);

export const hasRole = (user: User | undefined, ...roles: Role[]) =>
  !!user && user.roles.some((role) => roles.includes(role));

/** The role that says the most: admin > operator > viewer. */
export function mainRole(user: User): Role | undefined {
  return ROLES.find((role) => user.roles.includes(role));
}
