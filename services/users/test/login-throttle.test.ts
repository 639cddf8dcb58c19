import { testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_MAX_LENGTH } from '../src/domain/passwords.js';
import { ADMIN_PASSWORD, bearer, GATEWAY_SECRET, startUsers, type TestUsers, viaGateway } from './helpers.js';

// Small limits, so a test meets them in a few attempts.
const LIMITS = {
  LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: '3',
  LOGIN_MAX_ATTEMPTS_PER_IP: '5',
  LOGIN_WINDOW_SECONDS: '600',
};

interface Attempt {
  username: string;
  password: string;
  headers?: Record<string, string>;
  /** The socket peer; light-my-request's default is 127.0.0.1. */
  peer?: string;
}

const attempt = (users: TestUsers, { username, password, headers = {}, peer }: Attempt) =>
  users.app.inject({
    method: 'POST',
    url: '/auth/login',
    headers,
    ...(peer ? { remoteAddress: peer } : {}),
    payload: { username, password },
  });

describe.each(testDatabaseKinds())('login rate limits on %s', (kind) => {
  let users: TestUsers;

  beforeAll(async () => {
    users = await startUsers(kind, LIMITS);
  });

  afterAll(async () => {
    await users?.close();
  });

  it('counts a wrong password of any length as an attempt and answers it 401', async () => {
    const from = viaGateway('198.51.100.10');
    const wrong = ['x', '', 'p'.repeat(PASSWORD_MAX_LENGTH + 1)];
    for (const password of wrong) {
      const response = await attempt(users, { username: 'admin', password, headers: from });
      expect(response.statusCode, `${password.length} characters`).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().detail).toBe('invalid username or password');
    }
    // All three counted: the fourth attempt meets the limit, even with the right password.
    const fourth = await attempt(users, { username: 'admin', password: ADMIN_PASSWORD, headers: from });
    expect(fourth.statusCode).toBe(429);
  });

  it("lets one address exhaust only its own allowance for a username, not the owner's", async () => {
    const attacker = viaGateway('203.0.113.66');
    for (let i = 0; i < 3; i += 1) {
      const guess = await attempt(users, { username: 'Admin', password: `guess ${i}`, headers: attacker });
      expect(guess.statusCode).toBe(401);
    }
    const limited = await attempt(users, { username: 'admin', password: 'guess 3', headers: attacker });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 429 });
    // The limiter answers before checking the password: even the right one waits.
    const right = await attempt(users, { username: 'admin', password: ADMIN_PASSWORD, headers: attacker });
    expect(right.statusCode).toBe(429);

    const owner = await attempt(users, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      headers: viaGateway('192.0.2.80'),
    });
    expect(owner.statusCode).toBe(200);
    expect(owner.json().user).toMatchObject({ username: 'admin' });
  });

  it('limits attempts per client address, across usernames', async () => {
    const from = viaGateway('198.51.100.23');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await attempt(users, {
        username: `guess${i}`,
        password: 'wrong password',
        headers: from,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Another address is not held up.
    const other = await attempt(users, {
      username: 'guess9',
      password: 'wrong password',
      headers: viaGateway('198.51.100.24'),
    });
    expect(other.statusCode).toBe(401);
  });

  it("forgives an address's typos of a username once it signs in", async () => {
    const from = viaGateway('198.51.100.40');
    const statuses: number[] = [];
    for (const password of ['typo 1', 'typo 2', ADMIN_PASSWORD, 'typo 3', 'typo 4']) {
      statuses.push((await attempt(users, { username: 'admin', password, headers: from })).statusCode);
    }
    // Without the reset, the fourth attempt would have met the limit of three.
    expect(statuses).toEqual([401, 401, 200, 401, 401]);
  });

  it('believes X-Forwarded-For only with the gateway secret', async () => {
    const peer = '192.0.2.50';
    const forged: Record<string, string>[] = [{}, { 'x-flotilla-gateway': 'not the secret' }, { 'x-flotilla-gateway': '' }];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const headers = { ...forged[i % forged.length], 'x-forwarded-for': `10.9.0.${i}` };
      const response = await attempt(users, {
        username: `forger${i}`,
        password: 'wrong password',
        headers,
        peer,
      });
      statuses.push(response.statusCode);
    }
    // Six "different clients" were one: the peer, whose allowance is five.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // The gateway, on the same peer, speaks for a client with an allowance of its own.
    const forwarded = await attempt(users, {
      username: 'forger9',
      password: 'wrong password',
      headers: viaGateway('10.9.0.99'),
      peer,
    });
    expect(forwarded.statusCode).toBe(401);
  });

  it('never writes the gateway secret to the log', async () => {
    const session = await attempt(users, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      headers: viaGateway('192.0.2.81'),
    });
    // A failing request too: error paths log more.
    const me = await users.app.inject({
      url: '/auth/me',
      headers: { ...bearer(`${session.json().accessToken}x`), ...viaGateway('192.0.2.81') },
    });
    expect(me.statusCode).toBe(401);
    expect(users.logs.text()).toContain('request completed');
    expect(users.logs.text()).not.toContain(GATEWAY_SECRET);
  });
});

describe('login rate limits without GATEWAY_SECRET', () => {
  let users: TestUsers;

  beforeAll(async () => {
    users = await startUsers('pglite', { ...LIMITS, GATEWAY_SECRET: '' });
  });

  afterAll(async () => {
    await users?.close();
  });

  it('believes no X-Forwarded-For at all, whatever the request claims', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await attempt(users, {
        username: `someone${i}`,
        password: 'wrong password',
        headers: viaGateway(`10.8.0.${i}`),
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(users.logs.text()).toContain('GATEWAY_SECRET is not set');
  });
});
