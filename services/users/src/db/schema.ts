import type { ColumnType, Generated } from 'kysely';

/** Row types of the users service's tables (migrations/, in order). */
export interface UsersTable {
  // Generated "by default": note 003's create_user may choose the id.
  id: ColumnType<string, number | undefined, never>;
  username: string;
  display_name: string;
  roles: string[];
  password_hash: string | null;
  created_at: ColumnType<Date, never, never>;
  disabled: Generated<boolean>;
}

export interface RefreshTokensTable {
  id: Generated<string>;
  token_hash: Buffer;
  family_id: string;
  user_id: number | string;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: number | string;
  name: string;
  prefix: string;
  key_hash: Buffer;
  created_at: ColumnType<Date, never, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
  /** The most the key may do; null: its owner's roles. */
  role: string | null;
}

export interface LoginThrottleTable {
  key: string;
  window_start: Date;
  attempts: number;
}

export interface DB {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  login_throttle: LoginThrottleTable;
}
