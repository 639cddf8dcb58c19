import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type RunningStack, startStack } from '../embedded/launcher.js';
import { describeViolations, horizontalOverflow, launch, screenshot, seriousAxeViolations } from './browser.js';

/**
 * The Account page in a real browser against the embedded stack, at a laptop's and a phone's size:
 * a viewer changes their password (a wrong current one refused beside its field), signs in with
 * the new one, makes an API key that expires, sees it listed, and signs out everywhere — which
 * ends a second session of theirs too. Every state gets a screenshot and an axe-core check.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'browser-account-admin-pw';
const VIEWPORTS = [
  { name: 'laptop', width: 1366, height: 850 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let stack: RunningStack | undefined;
let context: BrowserContext | undefined;
let page: Page;
let adminToken: string;

/** A JSON call to the stack as a script would make it (no cookies, so no CSRF rule applies). */
async function api(path: string, init: { method?: string; token?: string; headers?: Record<string, string>; body?: object } = {}) {
  const stackUrl = stack?.url;
  if (!stackUrl) throw new Error('the stack is not running');
  return fetch(new URL(path, stackUrl), {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
}

/** A login from a script: its access token and refresh cookie (a session of its own). */
async function scriptLogin(username: string, password: string) {
  const response = await api('/api/auth/login', { method: 'POST', body: { username, password } });
  expect(response.status).toBe(200);
  const refresh = response.headers.getSetCookie().find((cookie) => cookie.startsWith('flotilla_refresh='));
  return {
    accessToken: ((await response.json()) as { accessToken: string }).accessToken,
    refreshCookie: refresh?.split(';')[0] ?? '',
  };
}

async function expectAccessible(name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

async function expectNoOverflow(name: string) {
  const overflow = await horizontalOverflow(page);
  expect(overflow.culprit, `${name}: ${JSON.stringify(overflow)}`).toBeUndefined();
}

async function signIn(username: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  if (!domainServices().includes('users')) throw new Error('the Account page needs the users service');
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-account-'));
  // The app as it is now (NODE_ENV=production: Vue's production build, as app.test.ts does), built
  // into a folder of this test's own: another test rebuilding web/dist meanwhile cannot pull the
  // pages from under it.
  const webDir = join(dataDir, 'web');
  execFileSync('npm', ['run', 'build', '--workspace', 'web', '--', '--outDir', webDir, '--emptyOutDir'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  for (const name of domainServices()) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD, WEB_DIR: webDir });
  context = await launch(stack.url);
  page = context.pages()[0] ?? (await context.newPage());
  adminToken = (await scriptLogin('admin', ADMIN_PASSWORD)).accessToken;
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

describe.each(VIEWPORTS)('the Account page at $width×$height', ({ name, width, height }) => {
  const username = `vera-${name}`;
  const firstPassword = `${username}-first-pw`;
  const newPassword = `${username}-second-pw`;
  const shot = (step: string) => screenshot(page, `account-${name}-${step}`);

  it('is linked from the header for a viewer', async () => {
    await page.setViewportSize({ width, height });
    const created = await api('/api/users', {
      method: 'POST',
      token: adminToken,
      body: { username, displayName: `Vera ${name}`, password: firstPassword, roles: ['viewer'] },
    });
    expect(created.status).toBe(201);
    await signIn(username, firstPassword);
    await page.waitForURL(/\/fleet/);
    await page.getByRole('link', { name: /^Account:/ }).click();
    await page.waitForURL(/\/account$/);
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    expect(await page.getByRole('link', { name: /^Account:/ }).getAttribute('aria-current')).toBe('page');
    // This browser's session is listed and marked.
    const sessions = page.locator('[aria-labelledby="sessions-title"]');
    await sessions.getByText('this browser').waitFor();
    expect(await sessions.textContent()).toMatch(/Chrome on Linux/);
    await shot('01-page');
    await expectAccessible(`account at ${name}`);
    await expectNoOverflow(`account at ${name}`);
  });

  it('refuses a wrong current password beside its field, then changes it', async () => {
    const form = page.locator('form[aria-labelledby="password-title"]');
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(newPassword);
    await form.getByLabel('New password again').fill(newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    const current = form.getByLabel('Current password');
    await form.getByText('Is not your current password.').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    await shot('02-wrong-current-password');
    await expectAccessible(`wrong current password at ${name}`);

    await current.fill(firstPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText(/^\s*Password changed/).waitFor();
    expect(await current.inputValue()).toBe('');
  });

  it('signs in with the new password, not the old one', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await signIn(username, firstPassword);
    await page.getByRole('alert').waitFor();
    await signIn(username, newPassword);
    await page.waitForURL(/\/fleet/);
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  });

  it('makes an API key that expires, no higher than a viewer, and lists it', async () => {
    const keys = page.locator('[aria-labelledby="keys-title"]');
    await keys.getByText('No API keys.').waitFor();
    const lifetime = keys.getByLabel('Expires after');
    expect(await lifetime.locator('option:checked').textContent()).toBe('90 days');
    expect(await lifetime.locator('option').allTextContents()).toEqual(['30 days', '90 days', '1 year', 'Never expires']);
    // A viewer's key can be a viewer's at most.
    expect(await keys.getByLabel('Acts as').locator('option').allTextContents()).toEqual(['Viewer']);
    await keys.getByLabel('Key name').fill('backup script');
    await lifetime.selectOption({ label: '30 days' });
    await keys.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent()) ?? '';
    expect(key).toMatch(/^flk_/);
    const expiry = new Date(Date.now() + 30 * 86_400_000).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'Europe/Berlin',
    });
    const item = keys.getByRole('listitem').filter({ hasText: 'backup script' });
    expect(await item.textContent()).toContain(`expires ${expiry}`);
    expect(await item.textContent()).toContain('viewer');
    await shot('03-api-key');
    await expectAccessible(`API key at ${name}`);
    await expectNoOverflow(`API key at ${name}`);
    // The key works, and says what it is.
    const listed = await api('/api/api-keys', { headers: { 'x-api-key': key } });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { items: Array<{ name: string; expiresAt: string; role: string }> };
    expect(body.items).toEqual([expect.objectContaining({ name: 'backup script', role: 'viewer' })]);
  });

  it('signs out everywhere, ending another session too', async () => {
    const elsewhere = await scriptLogin(username, newPassword);
    await page.reload();
    const sessions = page.locator('[aria-labelledby="sessions-title"]');
    await sessions.getByText('this browser').waitFor();
    expect(await sessions.getByRole('listitem').count()).toBe(2);
    await shot('04-sessions');
    await sessions.getByRole('button', { name: 'Sign out everywhere' }).click();
    await sessions.getByText('Sign out everywhere, this browser too?').waitFor();
    await expectAccessible(`sign out everywhere at ${name}`);
    await sessions.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('05-signed-out');
    // The other session cannot refresh any more, and this browser is signed out.
    const refreshed = await api('/api/auth/refresh', {
      method: 'POST',
      headers: { cookie: elsewhere.refreshCookie, origin: stack?.url ?? '' },
    });
    expect(refreshed.status).toBe(401);
    expect(refreshed.headers.get('content-type')).toContain('application/problem+json');
    await page.goto('/account');
    await page.waitForURL(/\/sign-in\?next=(\/|%2F)account/);
  });
});
