import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type RunningStack, startStack } from '../embedded/launcher.js';
import {
  describeViolations,
  firstContentfulPaint,
  horizontalOverflow,
  launch,
  loadedScripts,
  SCREENSHOTS,
  screenshot,
  seriousAxeViolations,
} from './browser.js';

/**
 * The web app in a real browser against the embedded stack: sign in, add a car, book it, see
 * the conflict of an overlapping booking, translate a paragraph and find it in History, run a
 * SQL query. Every page gets a screenshot (tests/browser/screenshots/) and an axe-core check.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'browser-test-admin-pw';
const services = domainServices();
const metrics: Record<string, number | string | undefined> = {};

let stack: RunningStack | undefined;
let context: BrowserContext | undefined;
let page: Page;

/** A service this step needs is not in the checkout yet: fail, naming it, rather than skip. */
function needs(...names: string[]) {
  const missing = names.filter((name) => !services.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `this step needs the ${missing.join(' and ')} service(s), which are not in this checkout yet ` +
        `(no services/${missing[0]}/src/main.ts)`,
    );
  }
}

async function expectAccessible(name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

/** Follows a link of the main navigation in the header. */
async function nav(name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

/** A date two days ahead, as a datetime-local value at `time` (the browser runs in Europe/Berlin). */
function dayAhead(days: number, time: string): string {
  const date = new Date(Date.now() + days * 86_400_000);
  return `${date.toISOString().slice(0, 10)}T${time}`;
}

const carName = `Herbie ${Math.random().toString(36).slice(2, 6)}`;

beforeAll(async () => {
  // Test the app as it is now, not a stale dist/.
  // NODE_ENV=production: under Vitest it is `test`, which would give Vue's development build.
  execFileSync('npm', ['run', 'build', '--workspace', 'web'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-'));
  // The users service writes its signing key into its data directory before anything creates
  // that directory; make them up front so this test is about the web app.
  for (const name of services) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });
  context = await launch(stack.url);
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  console.info('browser metrics', metrics);
});

describe('the web app in Chromium', () => {
  it('serves the app and sends an anonymous visitor to sign in', async () => {
    await page.goto('/');
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    metrics.firstContentfulPaintSignInMs = await firstContentfulPaint(page);
    const scripts = await loadedScripts(page, join(ROOT, 'web', 'dist'));
    metrics.signInRouteJsGzipBytes = scripts.gzipBytes;
    metrics.signInRouteJsFiles = scripts.files.join(' ');
    await screenshot(page, '01-sign-in');
    await expectAccessible('sign-in');
  });

  it('refuses a wrong password with a readable message', async () => {
    needs('users');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/401|invalid|wrong|incorrect/i);
    await screenshot(page, '02-sign-in-refused');
  });

  it('signs in as admin and shows the user and role in the header', async () => {
    needs('users');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/fleet\/cars/);
    const who = page.getByTestId('current-user');
    await who.waitFor();
    expect(await who.textContent()).toMatch(/admin/);
  });

  it('adds a car', async () => {
    needs('users', 'fleet');
    await page.getByRole('heading', { name: /^Cars/ }).waitFor();
    await page.getByLabel("New car's name").fill(carName);
    await page.getByRole('button', { name: 'Add car' }).click();
    await page.getByText(`Added ${carName}.`).waitFor();
    await page.locator(`[data-resource="${carName}"]`).waitFor();
  });

  it('refuses a second car of the same name, in any case, saying so beside the name', async () => {
    needs('users', 'fleet');
    await page.getByLabel("New car's name").fill(carName.toUpperCase());
    await page.getByRole('button', { name: 'Add car' }).click();
    await page.getByText('is taken').first().waitFor();
    const refusal = page.getByRole('alert').filter({ hasText: '409' });
    await refusal.waitFor();
    expect(await page.locator(`[data-resource="${carName.toUpperCase()}"]`).count()).toBe(0);
    // Editing the name clears the refusal, which was about the name sent.
    await page.getByLabel("New car's name").fill('');
    await refusal.waitFor({ state: 'detached' });
  });

  it('books the car and draws the booking on its week timeline', async () => {
    needs('users', 'fleet');
    await page.getByLabel('Car', { exact: true }).selectOption({ label: carName });
    await page.getByLabel('From', { exact: true }).fill(dayAhead(2, '10:00'));
    await page.getByLabel('To', { exact: true }).fill(dayAhead(2, '12:00'));
    await page.getByLabel('Holder', { exact: true }).fill('Ada');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByText(new RegExp(`^Booked ${carName}`)).waitFor();
    await page.locator(`[data-resource="${carName}"] .track .bar`).first().waitFor();
    await page.locator(`[data-resource="${carName}"] button.bar`, { hasText: 'Ada' }).waitFor();
    await screenshot(page, '03-fleet-booked');
    await expectAccessible('fleet');
  });

  it('shows the clashing booking when an overlapping period is booked', async () => {
    needs('users', 'fleet');
    await page.getByLabel('From', { exact: true }).fill(dayAhead(2, '11:00'));
    await page.getByLabel('To', { exact: true }).fill(dayAhead(2, '13:00'));
    await page.getByLabel('Holder', { exact: true }).fill('Bob');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: '409' });
    await alert.waitFor();
    const conflict = page.getByTestId('conflict');
    await conflict.first().waitFor();
    // Who holds which period, in the viewer's time zone (the browser runs in Europe/Berlin).
    expect(await conflict.first().textContent()).toMatch(/^Ada: .*10:00 – 12:00$/);
    expect(await alert.textContent()).toMatch(new RegExp(`${carName} is already booked during part of .*11:00 – 13:00:`));
    expect(await alert.textContent()).toContain('Times are in your time zone (Europe/Berlin)');
    await page.locator(`[data-resource="${carName}"] .bar.conflict`).waitFor();
    await screenshot(page, '04-fleet-conflict');
  });

  it('finds the cars free for a period', async () => {
    needs('users', 'fleet');
    await page.getByLabel('From', { exact: true }).fill(dayAhead(3, '10:00'));
    await page.getByLabel('To', { exact: true }).fill(dayAhead(3, '11:00'));
    await page.getByRole('button', { name: 'Find a free car for this period' }).click();
    await page.getByRole('button', { name: `Choose ${carName}` }).waitFor();
  });

  it('removes a car with a booking ahead only through the button that cancels it too', async () => {
    needs('users', 'fleet');
    const dud = `Dud ${Math.random().toString(36).slice(2, 6)}`;
    await page.getByLabel("New car's name").fill(dud);
    await page.getByRole('button', { name: 'Add car' }).click();
    await page.getByText(`Added ${dud}.`).waitFor();
    await page.getByLabel('Car', { exact: true }).selectOption({ label: dud });
    await page.getByLabel('From', { exact: true }).fill(dayAhead(2, '14:00'));
    await page.getByLabel('To', { exact: true }).fill(dayAhead(2, '15:30'));
    await page.getByLabel('Holder', { exact: true }).fill('Cy');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByText(new RegExp(`^Booked ${dud}`)).waitFor();
    const row = page.locator(`[data-resource="${dud}"]`);
    await row.getByRole('button', { name: `Remove ${dud}` }).click();
    await row.getByRole('button', { name: 'Remove', exact: true }).click();
    const refused = row.getByTestId('unended-bookings');
    await refused.waitFor();
    expect(await refused.getAttribute('role')).toBe('alert');
    const text = (await refused.textContent()) ?? '';
    expect(text).toContain(`${dud} has 1 booking that has not ended:`);
    expect(text).toMatch(/Cy: .*14:00 – 15:30/);
    expect(text).not.toContain('force=true');
    await screenshot(page, '04c-fleet-unended-bookings');
    await expectAccessible('fleet (unended bookings)');
    await refused.getByRole('button', { name: `Cancel the booking and remove ${dud}` }).click();
    await row.waitFor({ state: 'detached' });
    expect(await page.locator(`[data-resource="${carName}"]`).count()).toBe(1);
  });

  it('moves a runway booking onto whole 15-minute slots', async () => {
    needs('users', 'fleet');
    await page
      .getByRole('navigation', { name: 'Resource types' })
      .getByRole('link', { name: 'Runways' })
      .click();
    await page.getByRole('heading', { name: /^Runways/ }).waitFor();
    await page.getByLabel("New runway's name").fill('09L');
    await page.getByRole('button', { name: 'Add runway' }).click();
    await page.getByText('Added 09L.').waitFor();
    await page.getByLabel('Runway', { exact: true }).selectOption({ label: '09L' });
    await page.getByLabel('From', { exact: true }).fill(dayAhead(2, '09:07'));
    await page.getByLabel('To', { exact: true }).fill(dayAhead(2, '09:31'));
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByText(/^Moved to whole 15-minute slots/).waitFor();
    await page.getByText(/^Booked 09L/).waitFor();
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(dayAhead(2, '09:00'));
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(dayAhead(2, '09:45'));
    await screenshot(page, '04b-fleet-runway');
    // Cancel it again from its bar on the timeline (asked twice).
    await page.locator('[data-resource="09L"] button.bar').click();
    await page.getByRole('button', { name: 'Cancel this booking' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('[data-resource="09L"]').getByText('No bookings this week').waitFor();
  });

  const german =
    'Der Zug nach Berlin fährt um acht Uhr ab. Wir haben unsere Fahrkarten am Bahnhof gekauft.\n\n' +
    'Das Wetter ist heute schön, und die Kinder spielen im Garten.';

  it('translates a paragraph with progress and shows the engine', async () => {
    needs('users', 'translation');
    await nav('Translate');
    await page.getByLabel('German text').fill(german);
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    const result = page.getByTestId('translation-result');
    await page.getByText('Translated by').waitFor({ timeout: 90_000 });
    expect((await result.textContent())?.trim().length).toBeGreaterThan(20);
    // The progress events arrived: the bar ends at all sentences done.
    const progress = await page.locator('.progress-row').textContent();
    expect(progress).toMatch(/(\d+) of \1 sentences — done/);
    await screenshot(page, '05-translate');
    await expectAccessible('translate');
  });

  it('translates a long text (no character limit) streaming it in', async () => {
    needs('users', 'translation');
    const long = Array.from({ length: 400 }, (_, i) => `Absatz ${i + 1}. ${german}`).join('\n\n');
    await page.getByLabel('German text').fill(long);
    await page.getByRole('button', { name: 'Translate', exact: true }).click();
    await page.getByText(/sentences — done/).waitFor({ timeout: 120_000 });
    const progress = await page.locator('.progress-row').textContent();
    metrics.longTextChars = long.length;
    metrics.longTextProgress = progress?.trim();
    expect(progress).toMatch(/(\d{3,}) of \1 sentences — done/);
    await screenshot(page, '05b-translate-long');
    await expectAccessible('translate (long result, scrolling)');
  });

  it('finds the translation in History and opens it', async () => {
    needs('users', 'translation');
    await nav('History');
    await page.getByLabel('Search both texts').fill('Bahnhof');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=Bahnhof/);
    const item = page.locator('.history-item').filter({ hasText: 'Der Zug nach Berlin' });
    await item.first().waitFor();
    await screenshot(page, '06-history');
    await expectAccessible('history');
    await item.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'German' }).waitFor();
    await screenshot(page, '07-history-one');
    await expectAccessible('one translation');
  });

  it('runs a SQL query and shows the rows as a table', async () => {
    needs('users', 'translation');
    await nav('SQL');
    await page
      .getByLabel('Query')
      .fill("SELECT id, left(text_de, 40) AS german FROM translations WHERE text_de LIKE '%Bahnhof%'");
    await page.getByRole('button', { name: 'Run' }).click();
    const table = page.getByTestId('sql-result');
    await table.waitFor();
    expect(await table.textContent()).toContain('Der Zug nach Berlin');
    await screenshot(page, '08-sql');
    await expectAccessible('sql');
  });

  it('shows a refused SQL statement as the API returns it', async () => {
    needs('users', 'translation');
    await page.getByLabel('Query').fill('DELETE FROM translations');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot(page, '09-sql-refused');
  });

  it('deletes a translation from History', async () => {
    needs('users', 'translation');
    await nav('History');
    await page.locator('.history-item').first().getByRole('link').click();
    const heading = await page.getByRole('heading', { name: /^Translation #\d+$/ }).textContent();
    const id = heading?.replace(/\D/g, '');
    await page.getByRole('button', { name: 'Delete this translation' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL(/\/history$/);
    await page.locator('.history-item, .empty').first().waitFor();
    expect(await page.locator(`a[href="/history/${id}"]`).count()).toBe(0);
  });

  it('lists users and creates one', async () => {
    needs('users');
    await nav('Users');
    await page.getByRole('rowheader', { name: /admin/ }).waitFor();
    const form = page.locator('form[aria-labelledby="new-user-title"]');
    await form.getByLabel('Username', { exact: true }).fill('olga');
    // Roles are hierarchical: one is chosen, and it includes those before it.
    await form.getByRole('radio', { name: 'Operator' }).check();
    // Too short: the server's field error is shown once, in words, beside the Password input.
    await form.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    const password = form.getByLabel('Password', { exact: true });
    await form.getByText('Must be at least 8 characters.').waitFor();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Must be at least 8 characters.');
    expect(await form.getByRole('alert').textContent()).toContain('Correct the marked field.');
    expect(await form.textContent()).not.toMatch(/must NOT|body\.password/);
    await screenshot(page, '10a-users-field-error');
    await password.fill('operator-password');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created olga.').waitFor();
    const olgaRole = page.getByRole('group', { name: 'Role of olga' });
    expect(await olgaRole.getByRole('radio', { name: 'Operator' }).isChecked()).toBe(true);
    const olga = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /olga/ }) });
    await olga.getByRole('button', { name: 'Reset password' }).click();
    await olga.getByLabel('New password for olga').fill('operator-password-2');
    await olga.getByRole('button', { name: 'Set' }).click();
    await olga.getByText(/^Password reset/).waitFor();
    await page.getByLabel('Key name').fill('nightly import');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('new-api-key').textContent();
    expect(key?.length).toBeGreaterThan(16);
    await page.getByRole('button', { name: 'Revoke key nightly import' }).waitFor();
    await screenshot(page, '10-users');
    await page.getByRole('button', { name: 'Revoke key nightly import' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('No API keys.').waitFor();
    await expectAccessible('users');
  });

  const NBA = join(ROOT, '..', 'shared', 'data', 'nba');
  const seasonFiles = ['regular', 'playoffs'].map((type) =>
    join(NBA, `leaguedashplayerstats_2018-19_${type}_per36.resultsets.json`),
  );

  it('explains what to do on the Stats page while there is no data', async () => {
    needs('users', 'stats');
    await nav('Stats');
    const empty = page.getByTestId('stats-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toMatch(/Import the saved stats\.nba\.com responses/);
    await screenshot(page, '13-stats-empty');
    await expectAccessible('stats (no data)');
  });

  it('imports a saved season, trains a quick search and promotes the best run', async () => {
    needs('users', 'stats');
    await page.getByLabel('Saved stats.nba.com responses (JSON)').setInputFiles(seasonFiles);
    await page.getByRole('button', { name: 'Import 2 files' }).click();
    // Both stored: the page switches to the season, with no production run yet.
    await page.getByText('Season 2018-19').waitFor();
    const noProduction = page.getByTestId('no-production');
    await noProduction.waitFor();
    expect(await noProduction.textContent()).toMatch(/Train the clusterers on 2018-19 below, then promote/);
    await page.getByTestId('player-table').waitFor();
    await expectAccessible('stats (no production run)');

    await page.getByLabel('Quick search').check();
    await page.getByRole('button', { name: 'Train on 2018-19' }).click();
    const progress = page.getByTestId('training-progress');
    await progress.getByText(/^Finished: 13 runs\.$/).waitFor({ timeout: 90_000 });
    expect(await progress.locator('progress').getAttribute('max')).toBe('13');
    expect(await progress.locator('progress').evaluate((el) => (el as HTMLProgressElement).value)).toBe(13);
    const runs = page.getByTestId('runs-table');
    await runs.locator('tbody tr').nth(12).waitFor();
    const best = runs.locator('tbody tr').filter({ has: page.locator('.badge.best') });
    expect(await best.count()).toBe(1);
    const bestId = await best.getAttribute('data-run');
    await best.getByRole('button', { name: `Promote run ${bestId}` }).click();
    await page.getByText(`Run #${bestId} is now the production run.`).waitFor();
    await runs.locator(`tr[data-run="${bestId}"] .badge.production`).waitFor();
    expect(await page.getByTestId('shown-run').textContent()).toContain(`Run #${bestId}`);
    metrics.statsBestRun = (await best.textContent())?.replace(/\s+/g, ' ').trim();
  });

  it('draws the clusters as a scatter plot with player tooltips and legend toggles', async () => {
    needs('users', 'stats');
    const plot = page.getByTestId('cluster-scatter');
    await plot.locator('canvas').first().waitFor();
    await page.getByText('Loading the chart…').waitFor({ state: 'detached' });
    const toggles = page.getByRole('group', { name: 'Show clusters' }).getByRole('checkbox');
    expect(await toggles.count()).toBeGreaterThanOrEqual(3);
    // Hover across the plot until a point answers with its player.
    const box = await plot.boundingBox();
    if (!box) throw new Error('the plot has no size');
    let tooltip: string | undefined;
    for (let row = 1; row < 16 && !tooltip; row += 1) {
      for (let col = 1; col < 24 && !tooltip; col += 1) {
        await page.mouse.move(box.x + (box.width * col) / 24, box.y + (box.height * row) / 16);
        const shown = plot.locator('div').filter({ hasText: /games, [\d,]+ min/ }).last();
        if (await shown.isVisible()) tooltip = (await shown.textContent()) ?? undefined;
      }
    }
    expect(tooltip, 'no tooltip anywhere on the plot').toMatch(/Cluster \d|Noise/);
    metrics.statsTooltip = tooltip;
    await screenshot(page, '14-stats-tooltip');
    await page.mouse.move(0, 0);
    // Hide the first cluster and show it again.
    await toggles.first().uncheck();
    expect(await toggles.first().isChecked()).toBe(false);
    await screenshot(page, '15-stats-cluster-hidden');
    await toggles.first().check();
  });

  it('filters and sorts the player table', async () => {
    needs('users', 'stats');
    const table = page.getByTestId('player-table');
    await page.getByLabel('Filter by name or team').fill('harden');
    await table.getByRole('rowheader', { name: 'James Harden' }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().textContent()).toMatch(/HOU.*Cluster \d/);
    await page.getByLabel('Filter by name or team').fill('');
    await table.getByRole('button', { name: /^AST/ }).click();
    expect(await table.locator('th[aria-sort="descending"]').textContent()).toMatch(/AST/);
    const firstAst = await table.locator('tbody tr').first().locator('td').nth(6).textContent();
    const secondAst = await table.locator('tbody tr').nth(1).locator('td').nth(6).textContent();
    expect(Number(firstAst)).toBeGreaterThanOrEqual(Number(secondAst));
    await table.getByRole('button', { name: /^PTS/ }).click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, '16-stats');
    await expectAccessible('stats');
    metrics.statsChunks = (await loadedScripts(page, join(ROOT, 'web', 'dist'))).files
      .filter((file) => /Stats|echarts/.test(file))
      .join(' ');
  });

  it('passes axe-core in the dark colour scheme too', async () => {
    needs('users', 'fleet');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto('/fleet/cars');
    await page.locator(`[data-resource="${carName}"] button.bar`).first().waitFor();
    await screenshot(page, '12-fleet-dark');
    await expectAccessible('fleet (dark)');
    if (services.includes('stats')) {
      await page.goto('/stats');
      await page.getByTestId('cluster-scatter').locator('canvas').first().waitFor();
      await page.getByText('Loading the chart…').waitFor({ state: 'detached' });
      await screenshot(page, '12b-stats-dark');
      await expectAccessible('stats (dark)');
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('can be used from the keyboard: skip link, then the page', async () => {
    needs('users');
    await page.goto('/translate');
    await page.getByLabel('German text').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('id'))).toBe(
      await page.getByLabel('German text').getAttribute('id'),
    );
  });

  it('measures the first render of a signed-in page on a fresh load', async () => {
    needs('users');
    await page.goto('/fleet/cars');
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    metrics.firstContentfulPaintFleetMs = await firstContentfulPaint(page);
    const scripts = await loadedScripts(page, join(ROOT, 'web', 'dist'));
    metrics.fleetRouteJsGzipBytes = scripts.gzipBytes;
    metrics.fleetRouteJsFiles = scripts.files.join(' ');
  });

  it('is usable at phone width (375 px): no page-wide horizontal scrolling', async () => {
    needs('users');
    await page.setViewportSize({ width: 375, height: 740 });
    for (const [path, name] of [
      ['/fleet/cars', 'fleet'],
      ['/translate', 'translate'],
      ['/history', 'history'],
      ['/sql', 'sql'],
      ['/users', 'users'],
      ['/stats', 'stats'],
    ] as const) {
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await screenshot(page, `11-phone-${name}`);
      const overflow = await horizontalOverflow(page);
      expect(overflow.culprit, `${path} at 375 px: ${JSON.stringify(overflow)}`).toBeUndefined();
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out', async () => {
    needs('users');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto('/fleet/cars');
    await page.waitForURL(/\/sign-in\?next=/);
  });

  it('shows an operator no admin pages', async () => {
    needs('users');
    await page.getByLabel('Username').fill('olga');
    await page.getByLabel('Password').fill('operator-password-2');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    expect(await page.getByTestId('current-user').textContent()).toMatch(/operator/);
    const main = page.getByRole('navigation', { name: 'Main' });
    expect(await main.getByRole('link', { name: 'SQL' }).count()).toBe(0);
    expect(await main.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await page.goto('/users');
    await page.getByRole('heading', { name: 'Not for your role' }).waitFor();
  });
});
