import { send, type WireRequest } from './http.js';

/** The callers every operation is fuzzed as. */
export const ROLES = ['anonymous', 'viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type SignedInRole = Exclude<Role, 'anonymous'>;

interface Account {
  role: SignedInRole;
  username: string;
  password: string;
  id?: number;
  accessToken?: string;
  /** When the access token expires (ms since the epoch). */
  expiresAt: number;
  refreshCookie?: string;
  apiKey?: string;
}

interface LoginBody {
  accessToken: string;
  expiresIn: number;
  user: { id: number; roles: string[]; disabled: boolean };
}

/**
 * Signed-in callers and their credentials. Access tokens live 10 minutes: each is renewed a minute
 * before it expires through the refresh cookie (not rate-limited), else by logging in again.
 *
 * The fuzzer, as admin, may disable these very accounts, change their roles or reset their
 * passwords (small user ids are the fuzzer's favourites). Tokens already issued stay valid until
 * they expire, so that matters only at renewal: then an account that cannot renew, or comes back
 * with the wrong role, is repaired through whichever admin still holds a working token (`admin` is
 * the first account, `fuzz-recovery` a second admin used for nothing else).
 */
export class Identities {
  readonly accounts = new Map<SignedInRole | 'recovery', Account>();
  /** Accounts that could not be repaired: their role's requests are skipped. */
  readonly lost = new Set<SignedInRole>();
  private readonly origin: string;
  /**
   * The fuzzer's own calls (logins, refreshes, repairs, setup) come from 127.0.0.2 when the stack
   * is on 127.0.0.1: the users service counts login attempts per client address, and the fuzzed
   * logins from 127.0.0.1 use that address's allowance up within seconds.
   */
  private readonly localAddress: string | undefined;

  /** `suffix` makes the fuzzer's usernames unique on a stack that is fuzzed more than once. */
  constructor(
    private readonly base: URL,
    adminPassword: string,
    private readonly suffix = '',
  ) {
    this.origin = base.origin;
    this.localAddress = base.hostname === '127.0.0.1' ? '127.0.0.2' : undefined;
    this.accounts.set('admin', { role: 'admin', username: 'admin', password: adminPassword, expiresAt: 0 });
  }

  /** Signs in as admin, creates the viewer, operator and recovery admin, and an API key for each role. */
  async setUp(): Promise<void> {
    await this.login(this.account('admin'));
    for (const [role, username] of [
      ['viewer', 'fuzz-viewer'],
      ['operator', 'fuzz-operator'],
      ['recovery', 'fuzz-recovery'],
    ] as const) {
      const password = `fuzz-${role}-password`;
      const created = await this.call('POST', '/api/users', 'admin', {
        username: `${username}${this.suffix}`,
        password,
        displayName: `Fuzz ${role}`,
        roles: [role === 'recovery' ? 'admin' : role],
      });
      if (created.status !== 201) throw new Error(`creating ${username}: ${created.status} ${created.body}`);
      const account: Account = {
        role: role === 'recovery' ? 'admin' : role,
        username: `${username}${this.suffix}`,
        password,
        expiresAt: 0,
      };
      this.accounts.set(role, account);
      await this.login(account);
    }
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const key = await this.call('POST', '/api/api-keys', role, { name: `fuzz ${role}` });
      if (key.status !== 201) throw new Error(`API key for ${role}: ${key.status} ${key.body}`);
      this.account(role).apiKey = (JSON.parse(key.body) as { key: string }).key;
    }
  }

  account(role: SignedInRole | 'recovery'): Account {
    const account = this.accounts.get(role);
    if (!account) throw new Error(`no ${role} account`);
    return account;
  }

  userIds(): number[] {
    return [...this.accounts.values()].flatMap((account) => (account.id === undefined ? [] : [account.id]));
  }

  /** A valid access token for the role, renewed (or the account repaired) when needed. */
  async token(role: SignedInRole): Promise<string | undefined> {
    if (this.lost.has(role)) return undefined;
    const account = this.account(role);
    if (account.accessToken && Date.now() < account.expiresAt - 60_000) return account.accessToken;
    if ((await this.refresh(account)) || (await this.login(account).catch(() => false))) return account.accessToken;
    if ((await this.repair(account)) && (await this.login(account).catch(() => false))) return account.accessToken;
    this.lost.add(role);
    return undefined;
  }

  apiKey(role: SignedInRole): string | undefined {
    return this.accounts.get(role)?.apiKey;
  }

  private readonly keyRenewedAt = new Map<SignedInRole, number>();

  /**
   * A new API key for the role, after the fuzzer revoked the last one (DELETE /api/api-keys/{id}).
   * At most one a second: a disabled account's new keys are refused too.
   */
  async renewApiKey(role: SignedInRole): Promise<void> {
    if (Date.now() - (this.keyRenewedAt.get(role) ?? 0) < 1_000) return;
    this.keyRenewedAt.set(role, Date.now());
    const account = this.account(role);
    const key = await this.call('POST', '/api/api-keys', role, { name: `fuzz ${role}` }).catch(() => undefined);
    if (key?.status === 201) account.apiKey = (JSON.parse(key.body) as { key: string }).key;
    // Refused even so: the fuzzer (as admin) disabled the account or changed its roles.
    const me = await this.own({ method: 'GET', target: '/api/auth/me', headers: { 'x-api-key': account.apiKey ?? '' } });
    const roles = me.outcome === 'response' && me.status === 200 ? (JSON.parse(me.body) as { roles?: string[] }).roles : undefined;
    if (roles?.length === 1 && roles[0] === role) return;
    if (await this.repair(account)) await this.login(account).catch(() => false);
  }

  private own(request: WireRequest) {
    return send(this.base, this.localAddress ? { ...request, localAddress: this.localAddress } : request, 30_000);
  }

  /** A JSON call with the role's bearer token (setup and seeding; not fuzzed). */
  async call(method: string, path: string, role: SignedInRole, body?: unknown) {
    const token = await this.token(role);
    const request: WireRequest = {
      method,
      target: path,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    const result = await this.own(request);
    if (result.outcome !== 'response') throw new Error(`${method} ${path}: ${result.outcome}`);
    return result;
  }

  private async login(account: Account): Promise<boolean> {
    const result = await this.own({
      method: 'POST',
      target: '/api/auth/login',
      headers: { 'content-type': 'application/json', origin: this.origin },
      body: JSON.stringify({ username: account.username, password: account.password }),
    });
    if (result.outcome !== 'response' || result.status !== 200) {
      if (account.expiresAt === 0) {
        throw new Error(`login as ${account.username}: ${result.outcome === 'response' ? `${result.status} ${result.body}` : result.outcome}`);
      }
      return false;
    }
    return this.accept(account, result.body, result.headers['set-cookie']);
  }

  private async refresh(account: Account): Promise<boolean> {
    if (!account.refreshCookie) return false;
    const result = await this.own({
      method: 'POST',
      target: '/api/auth/refresh',
      headers: { cookie: account.refreshCookie, origin: this.origin },
    });
    if (result.outcome !== 'response' || result.status !== 200) return false;
    return this.accept(account, result.body, result.headers['set-cookie']);
  }

  /** Takes a login or refresh answer; false when the account came back with another role. */
  private accept(account: Account, body: string, cookies: string[] | undefined): boolean {
    const answer = JSON.parse(body) as LoginBody;
    account.id = answer.user.id;
    account.accessToken = answer.accessToken;
    account.expiresAt = Date.now() + answer.expiresIn * 1000;
    const refresh = cookies?.map((cookie) => cookie.split(';')[0] ?? '').find((pair) => pair.startsWith('flotilla_refresh='));
    if (refresh) account.refreshCookie = refresh;
    const rolesRight = answer.user.roles.length === 1 && answer.user.roles[0] === account.role;
    if (!rolesRight) account.accessToken = undefined;
    return rolesRight;
  }

  /** Re-enables the account with its role and password, as any admin that still can. */
  private async repair(account: Account): Promise<boolean> {
    if (account.id === undefined) return false;
    const admins = [this.account('admin'), this.account('recovery')].filter((admin) => admin !== account);
    for (const admin of admins) {
      let token = admin.accessToken && Date.now() < admin.expiresAt - 5_000 ? admin.accessToken : undefined;
      if (!token && ((await this.refresh(admin)) || (await this.login(admin).catch(() => false)))) token = admin.accessToken;
      if (!token) continue;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const patched = await this.own({
        method: 'PATCH',
        target: `/api/users/${account.id}`,
        headers,
        body: JSON.stringify({ roles: [account.role], disabled: false }),
      });
      const reset = await this.own({
        method: 'PUT',
        target: `/api/users/${account.id}/password`,
        headers,
        body: JSON.stringify({ password: account.password }),
      });
      if (patched.outcome === 'response' && patched.status < 300 && reset.outcome === 'response' && reset.status < 300) {
        return true;
      }
    }
    return false;
  }
}
