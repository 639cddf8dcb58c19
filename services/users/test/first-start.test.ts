import { statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadUsersConfig } from '../src/config.js';
import { bearer, logCapture, login } from './helpers.js';

// Embedded mode: PGlite and the signing key both live in DATA_DIR and survive a restart.
describe('first start in embedded mode', () => {
  let dataDir: string;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a generated admin password once, and keeps the signing key in DATA_DIR (0600)', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'flotilla-users-'));
    const config = loadUsersConfig({ LOG_LEVEL: 'info', DATA_DIR: dataDir });

    const firstLogs = logCapture();
    const first = await buildApp(config, { logStream: firstLogs.stream });
    const announcements = firstLogs.lines.filter((line) => line.includes('FIRST START'));
    expect(announcements).toHaveLength(1);
    const message = (JSON.parse(announcements[0] ?? '{}') as { msg?: string }).msg ?? '';
    const password = /generated password for user "admin": (\S+)/.exec(message)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    const session = await login(first, 'admin', password);
    await first.close();

    const keyFile = join(dataDir, 'signing-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const againLogs = logCapture();
    const again = await buildApp(config, { logStream: againLogs.stream });
    try {
      expect(againLogs.text()).not.toContain('FIRST START');
      expect(againLogs.text()).not.toContain(password);
      // Same key after the restart: a token issued before it still verifies.
      expect((await again.inject({ url: '/auth/me', headers: bearer(session.accessToken) })).statusCode).toBe(
        200,
      );
    } finally {
      await again.close();
    }
  });

  it('takes the first admin password from FLOTILLA_ADMIN_PASSWORD and never logs it', async () => {
    const logs = logCapture();
    const app = await buildApp(
      loadUsersConfig({ LOG_LEVEL: 'info', FLOTILLA_ADMIN_PASSWORD: 'chosen by the operator' }),
      {
        logStream: logs.stream,
      },
    );
    try {
      await login(app, 'admin', 'chosen by the operator');
      expect(logs.text()).toContain('FLOTILLA_ADMIN_PASSWORD');
      expect(logs.text()).not.toContain('chosen by the operator');
      expect(logs.text()).not.toContain('FIRST START');
    } finally {
      await app.close();
    }
  });

  it('refuses to start against a database server without a configured signing key', async () => {
    const server = { LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    await expect(buildApp(loadUsersConfig(server))).rejects.toThrow(/SIGNING_KEY is required/);
    // Not even with a data directory: each replica would generate a key of its own there.
    const replicaDir = await mkdtemp(join(tmpdir(), 'flotilla-users-replica-'));
    try {
      await expect(buildApp(loadUsersConfig({ ...server, DATA_DIR: replicaDir }))).rejects.toThrow(
        /SIGNING_KEY is required/,
      );
      expect(await readdir(replicaDir)).toEqual([]);
    } finally {
      await rm(replicaDir, { recursive: true, force: true });
    }
  });
});
