import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type RunningStack, startStack } from '../embedded/launcher.js';
import { describeViolations, horizontalOverflow, launch, screenshot, seriousAxeViolations } from './browser.js';

/**
 * The Stats page as a new user meets it, at 1366×850 and 390×844: importing says what was stored,
 * a Totals file is converted (a PerGame one refused, naming why), training shows itself in the
 * runs table, the best run comes first and is marked, clusters have profiles and names, and the
 * axis pickers change the scatter plot. Screenshots `stats-*.png` in tests/browser/screenshots/.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NBA = join(ROOT, '..', 'shared', 'data', 'nba');
const SEASON_FILES = ['regular', 'playoffs'].map((type) =>
  join(NBA, `leaguedashplayerstats_2018-19_${type}_per36.resultsets.json`),
);
const TOTALS_FILE = join(NBA, 'leaguedashplayerstats_2025-26_regular_totals.json');
const ADMIN_PASSWORD = 'browser-stats-admin-pw';
const DESKTOP = { width: 1366, height: 850 };
const PHONE = { width: 390, height: 844 };
const NAME_WORDS = /scorers|shooters|playmakers|rebounders|rim protectors|ball hawks|slashers|role players|league average/i;

let stack: RunningStack | undefined;
let context: BrowserContext | undefined;
let page: Page;
let workDir: string;

async function expectAccessible(name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

/** The chart has drawn (ECharts is loaded on demand). */
async function chartDrawn() {
  await page.getByTestId('cluster-scatter').locator('canvas').first().waitFor();
  await page.getByText('Loading the chart…').waitFor({ state: 'detached' });
}

beforeAll(async () => {
  if (!domainServices().includes('stats')) throw new Error('the Stats page needs services/stats in the checkout');
  // The app as it is now, not a stale dist/ (vite alone: type checking is `npm run typecheck`'s job).
  // NODE_ENV=production: under Vitest it is `test`, which would give Vue's development build.
  execFileSync('npx', ['vite', 'build'], {
    cwd: join(ROOT, 'web'),
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  workDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-stats-'));
  const dataDir = join(workDir, 'data');
  for (const name of domainServices()) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });
  context = await launch(stack.url);
  page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize(DESKTOP);
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

describe('the Stats page in Chromium', () => {
  it('signs in and finds no stats yet', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
    await page.goto('/stats');
    await page.getByTestId('stats-empty').waitFor();
  });

  it('says what an import stored', async () => {
    await page.getByLabel('Saved stats.nba.com responses (JSON)').setInputFiles(SEASON_FILES);
    await page.getByRole('button', { name: 'Import 2 files' }).click();
    const notice = page.getByRole('status').filter({ hasText: /^Imported 2 files/ });
    await notice.waitFor();
    expect(await notice.textContent()).toBe(
      'Imported 2 files: 2018-19 Regular Season (530 players); 2018-19 Playoffs (212 players).',
    );
    await page.getByTestId('player-table').waitFor();
    await screenshot(page, 'stats-01-imported');
    await expectAccessible('stats (imported)');
  });

  it('shows the training in the runs table while it runs', async () => {
    // Hold the job's event stream until the page has been looked at, so "while it runs" lasts.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/stats/jobs/*/events', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Quick search').check();
    await page.getByRole('button', { name: 'Train on 2018-19' }).click();
    const runsCard = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Training runs' }) });
    const training = runsCard.getByTestId('runs-training');
    await training.waitFor();
    expect(await training.textContent()).toMatch(/^\s*Training on 2018-19: .* · each run appears here as it finishes\.\s*$/);
    expect(await runsCard.getByText(/No training runs/).count()).toBe(0);
    await screenshot(page, 'stats-02-training');
    await expectAccessible('stats (training)');
    release();
    await page
      .getByTestId('training-progress')
      .getByText(/^Finished: 13 runs\.$/)
      .waitFor({ timeout: 90_000 });
    await page.unroute('**/api/stats/jobs/*/events');
    await training.waitFor({ state: 'detached' });
  });

  it('puts the best run first and marks it, unranked runs after every ranked one', async () => {
    const rows = page.getByTestId('runs-table').locator('tbody tr');
    await rows.nth(12).waitFor();
    const first = rows.first();
    expect(await first.locator('.badge.best').textContent()).toMatch(/Best run$/);
    expect(await page.getByTestId('runs-table').locator('.badge.best').count()).toBe(1);
    const ranked = await rows.evaluateAll((trs) => trs.map((tr) => !tr.textContent?.includes('not ranked')));
    expect(ranked[0]).toBe(true);
    // The quick search has runs that are not ranked; once one comes, no ranked run follows.
    const firstUnranked = ranked.indexOf(false);
    expect(firstUnranked).toBeGreaterThan(0);
    expect(ranked.slice(firstUnranked)).not.toContain(true);
    await page.getByTestId('runs-table').scrollIntoViewIfNeeded();
    await screenshot(page, 'stats-03-best-run-first');
    const bestId = await first.getAttribute('data-run');
    await first.getByRole('button', { name: `Promote run ${bestId}` }).click();
    await page.getByText(`Run #${bestId} is now the production run.`).waitFor();
  });

  it('names every cluster from its profile against the league', async () => {
    await chartDrawn();
    const profiles = page.getByTestId('cluster-profiles').locator('li');
    const toggles = page.getByRole('group', { name: 'Show clusters' }).getByRole('checkbox');
    expect(await profiles.count()).toBe(await toggles.count());
    expect(await profiles.count()).toBeGreaterThanOrEqual(3);
    const names = await profiles.locator('h3').allTextContents();
    for (const name of names.map((n) => n.replace(/\s+/g, ' ').trim())) {
      if (name === 'Noise') continue;
      expect(name).toMatch(/^Cluster \d+ · /);
      expect(name).toMatch(NAME_WORDS);
    }
    const firstProfile = profiles.first();
    expect(await firstProfile.textContent()).toMatch(/Sets apart:\s*\S+ [+−]\d\.\d σ/);
    expect(await firstProfile.getByRole('columnheader', { name: 'League' }).count()).toBe(1);
    // The legend carries the same names.
    expect((await toggles.first().locator('..').textContent())?.replace(/\s+/g, ' ')).toContain(
      names[0]?.replace(/\s+/g, ' ').trim(),
    );
    await page.getByTestId('cluster-profiles').scrollIntoViewIfNeeded();
    await screenshot(page, 'stats-04-profiles');
    await expectAccessible('stats (profiles)');
  });

  it('plots the stats chosen as axes', async () => {
    const plot = page.getByTestId('cluster-scatter');
    await plot.scrollIntoViewIfNeeded();
    const before = await plot.screenshot();
    expect(await plot.getAttribute('aria-label')).toMatch(/Principal component 1 across and Principal component 2 up/);
    await page.getByLabel('X axis').selectOption('blk');
    await page.getByLabel('Y axis').selectOption('pts');
    expect(await plot.getAttribute('aria-label')).toMatch(/Blocks per 36 minutes across and Points per 36 minutes up/);
    const after = await plot.screenshot();
    expect(after.equals(before)).toBe(false);
    await screenshot(page, 'stats-05-axes');
    await expectAccessible('stats (axes)');
  });

  it('converts a Totals file to per-36 rates, saying so', async () => {
    await page.getByText('Add or update data').click();
    await page.getByLabel('Saved stats.nba.com responses (JSON)').setInputFiles(TOTALS_FILE);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const notice = page.getByRole('status').filter({ hasText: /^Imported 2025-26/ });
    await notice.waitFor();
    expect(await notice.textContent()).toBe(
      'Imported 2025-26 Regular Season (535 players, season totals converted to per-36 rates).',
    );
    expect(await page.locator('#stats-season').inputValue()).toBe('2025-26');
    // The production run is of 2018-19: its plot goes back to the components, which need no rates.
    expect(await page.getByLabel('X axis').inputValue()).toBe('pc1');
    expect(await page.getByTestId('cluster-scatter').getAttribute('aria-label')).toMatch(
      /^Scatter plot of 365 players, Principal component 1 across and Principal component 2 up/,
    );
    await page.getByLabel('Filter by name or team').fill('AJ Green');
    const row = page.getByTestId('player-table').locator('tbody tr');
    await row.getByRole('rowheader', { name: 'AJ Green' }).waitFor();
    // 522 points in 1,510 minutes: 12.4 per 36.
    expect(await row.first().textContent()).toMatch(/MIL.*12\.4/);
    await page.getByLabel('Filter by name or team').fill('');
    await screenshot(page, 'stats-06-totals');
  });

  it('refuses a PerGame file, naming what is wrong, and stores nothing', async () => {
    const body = JSON.parse(readFileSync(TOTALS_FILE, 'utf8')) as { parameters: Record<string, unknown> };
    body.parameters.PerMode = 'PerGame';
    const perGame = join(workDir, 'pergame.json');
    writeFileSync(perGame, JSON.stringify(body));
    await page.getByLabel('Saved stats.nba.com responses (JSON)').setInputFiles(perGame);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'PerGame' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/PerMode: is PerGame, which cannot be used: .*Per36 or PerMode=Totals.*File: pergame\.json/is);
    const seasons = await page.locator('#stats-season').locator('option').allTextContents();
    expect(seasons).toEqual(['2025-26', '2018-19']);
    await alert.scrollIntoViewIfNeeded();
    await screenshot(page, 'stats-07-pergame-refused');
    await expectAccessible('stats (PerGame refused)');
  });

  it('works at phone width (390×844): profiles, axis pickers, no page-wide scrolling', async () => {
    await page.setViewportSize(PHONE);
    await page.goto('/stats');
    await chartDrawn();
    await page.getByTestId('cluster-profiles').waitFor();
    await page.getByLabel('X axis').selectOption('fg3a');
    expect(await page.getByTestId('cluster-scatter').getAttribute('aria-label')).toMatch(
      /Three-pointers attempted per 36 minutes across/,
    );
    await screenshot(page, 'stats-08-phone');
    const overflow = await horizontalOverflow(page);
    expect(overflow.culprit, `/stats at 390 px: ${JSON.stringify(overflow)}`).toBeUndefined();
    await expectAccessible('stats (phone)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'stats-09-phone-dark');
    await expectAccessible('stats (phone, dark)');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
