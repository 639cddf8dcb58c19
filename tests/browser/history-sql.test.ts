import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type RunningStack, signIn, startStack } from '../embedded/launcher.js';
import { describeViolations, horizontalOverflow, launch, screenshot, seriousAxeViolations } from './browser.js';

/**
 * History and the SQL console in Chromium, at a laptop's size and a phone's: who made each
 * translation, the shared-history note, German and English side by side sentence by sentence
 * (stacked on the phone), the console's tables and columns beside the editor, an example query
 * inserted and run, its rows sorted by a column and downloaded as CSV.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'browser-test-admin-pw';
const VERA_PASSWORD = 'vera-viewer-password-1';
const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 850 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const GERMAN = 'Der Hund schläft im Garten. Die Katze läuft zum Haus.\n\nDas Haus ist groß.';
const GERMAN_SENTENCES = ['Der Hund schläft im Garten.', 'Die Katze läuft zum Haus.', 'Das Haus ist groß.'];
/** A text that a spreadsheet would run as a formula: the CSV must defuse it. */
const FORMULA = '=HYPERLINK("http://example.invalid","klick") Der Zug fährt ab.';

let stack: RunningStack | undefined;
let context: BrowserContext | undefined;
let page: Page;
let adminId: number;

async function expectAccessible(name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

async function expectNoPageScroll(name: string) {
  const overflow = await horizontalOverflow(page);
  expect(overflow.culprit, `${name}: ${JSON.stringify(overflow)}`).toBeUndefined();
}

async function api(path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${stack?.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

beforeAll(async () => {
  const services = domainServices();
  for (const name of ['users', 'translation']) {
    if (!services.includes(name)) throw new Error(`these steps need the ${name} service, not in this checkout`);
  }
  execFileSync('npm', ['run', 'build', '--workspace', 'web'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-history-'));
  for (const name of services) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });

  // Two people's translations: the admin's own and a viewer's, so the shared history shows both.
  const admin = await signIn(stack.url, ADMIN_PASSWORD);
  await api('/api/users', admin, { username: 'vera', password: VERA_PASSWORD, roles: ['viewer'] });
  const login = await fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'vera', password: VERA_PASSWORD }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const vera = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  await api('/api/translate', vera, { text_de: 'Vera liest ein Buch.' });
  await api('/api/translate', admin, { text_de: FORMULA });
  adminId = Number((await api('/api/translate', admin, { text_de: GERMAN })).id);

  context = await launch(stack.url);
  page = context.pages()[0] ?? (await context.newPage());
  // Signed in as the sign-in page does (its session cookie lands in this browser's profile);
  // app.test.ts tests the page itself.
  const session = await context.request.post('/api/auth/login', { data: { username: 'admin', password: ADMIN_PASSWORD } });
  expect(session.status()).toBe(200);
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

describe.each(VIEWPORTS)('History and the SQL console at $width×$height', (viewport) => {
  beforeAll(async () => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
  });

  it('lists who made each translation and says plainly that history is shared', async () => {
    await page.goto('/history');
    const items = page.locator('.history-item');
    await items.first().waitFor();
    expect(await page.getByTestId('history-shared').textContent()).toMatch(
      /History is shared: everyone signed in sees every translation/,
    );
    const vera = items.filter({ hasText: 'Vera liest ein Buch.' });
    expect(await vera.locator('.history-owner').textContent()).toBe('by vera');
    const mine = items.filter({ hasText: 'Der Hund schläft im Garten.' });
    expect(await mine.locator('.history-owner').textContent()).toBe('by admin (you)');
    await screenshot(page, `history-sql-${viewport.name}-1-history`);
    await expectAccessible(`history (${viewport.name})`);
    await expectNoPageScroll(`history (${viewport.name})`);
  });

  it('shows German and English sentence by sentence: side by side, stacked on a phone', async () => {
    await page.goto(`/history/${adminId}`);
    const pairs = page.getByTestId('sentence-pairs').locator('li');
    await pairs.first().waitFor();
    expect(await page.getByTestId('translation-owner').textContent()).toBe('by admin (you)');
    expect(await pairs.locator('p[lang="de"]').allTextContents()).toEqual(GERMAN_SENTENCES);
    const english = await pairs.locator('p[lang="en"]').allTextContents();
    expect(english).toHaveLength(3);
    for (const sentence of english) expect(sentence.trim()).not.toBe('');
    // The blank line before the third sentence starts a paragraph.
    expect(await pairs.nth(2).getAttribute('class')).toContain('paragraph');
    const de = await pairs.first().locator('p[lang="de"]').boundingBox();
    const en = await pairs.first().locator('p[lang="en"]').boundingBox();
    if (!de || !en) throw new Error('the first pair is not on screen');
    if (viewport.name === 'desktop') {
      expect(en.x).toBeGreaterThan(de.x + de.width - 1);
      expect(Math.abs(en.y - de.y)).toBeLessThan(2);
    } else {
      expect(en.y).toBeGreaterThanOrEqual(de.y + de.height - 1);
    }
    await screenshot(page, `history-sql-${viewport.name}-2-translation`);
    await expectAccessible(`one translation (${viewport.name})`);
    await expectNoPageScroll(`one translation (${viewport.name})`);
  });

  it("lists the console's tables and columns beside the editor, with their types", async () => {
    await page.goto('/sql');
    const columns = page.getByTestId('sql-columns');
    await columns.waitFor();
    const text = await columns.textContent();
    for (const expected of ['text_de', 'text_en', 'owner', 'created_at', 'timestamp with time zone', 'bigint']) {
      expect(text).toContain(expected);
    }
    const editor = await page.getByLabel('Query').boundingBox();
    const sidebar = await page.locator('.sql-schema').boundingBox();
    if (!editor || !sidebar) throw new Error('the editor or the column list is not on screen');
    // Beside the editor on a laptop; below it on a phone.
    if (viewport.name === 'desktop') expect(sidebar.x).toBeGreaterThan(editor.x + editor.width);
    else expect(sidebar.y).toBeGreaterThan(editor.y + editor.height);
  });

  it('inserts an example query, runs it, sorts by a column and downloads the rows as CSV', async () => {
    await page.getByRole('button', { name: 'Latest translations' }).click();
    const query = await page.getByLabel('Query').inputValue();
    expect(query).toMatch(/^SELECT id, owner, left\(text_de, 60\) AS german/);
    await page.getByRole('button', { name: 'Run' }).click();
    const table = page.getByTestId('sql-result');
    await table.waitFor();
    const ids = async () => (await table.locator('tbody tr td:first-child').allTextContents()).map(Number);
    const newestFirst = await ids();
    expect(newestFirst).toHaveLength(3);
    expect(newestFirst).toEqual([...newestFirst].sort((a, b) => b - a));

    const idHeader = table.locator('thead th').first();
    await idHeader.getByRole('button').click();
    expect(await idHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await ids()).toEqual([...newestFirst].reverse());
    const ownerHeader = table.locator('thead th').nth(1);
    await ownerHeader.getByRole('button').click();
    expect(await table.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['admin', 'admin', 'vera']);
    await idHeader.getByRole('button').click();
    await idHeader.getByRole('button').click();
    expect(await idHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await ids()).toEqual(newestFirst);
    await screenshot(page, `history-sql-${viewport.name}-3-sql`);
    await expectAccessible(`sql (${viewport.name})`);
    await expectNoPageScroll(`sql (${viewport.name})`);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^sql-result-\d{8}-\d{6}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const records = csv.slice(1).split('\r\n');
    expect(records.at(-1)).toBe('');
    expect(records[0]).toBe('id,owner,german,english,created_at');
    // In the order shown (id descending), NULL-free, the formula defused and quoted as RFC 4180 says.
    expect(records.slice(1, -1).map((record) => Number(record.split(',')[0]))).toEqual(newestFirst);
    expect(records[1]?.startsWith(`${adminId},admin,"Der Hund schläft im Garten. Die Katze läuft zum Haus.\n\nDas`)).toBe(true);
    const formula = records.find((record) => record.includes('HYPERLINK'));
    expect(formula).toContain(`,admin,"'=HYPERLINK(""http://example.invalid"",""klick"") Der Zug fährt`);
    expect(records.find((record) => record.includes('vera'))).toMatch(/,vera,Vera liest ein Buch\.,/);
  });
});
