import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { type RunningStack, startStack } from '../embedded/launcher.js';
import { describeViolations, horizontalOverflow, launch, screenshot, seriousAxeViolations } from './browser.js';

/**
 * The fleet's resource timeline in Chromium against the embedded stack, at a laptop's size and a
 * phone's: zoom day / week / month, jump to a date, drag to fill in the booking form, book, see a
 * booking made elsewhere appear without reloading (two browsers), cancel with confirmation and
 * undo, a refused booking naming who holds the time, and a viewer offered nothing to book with.
 * Every state gets a screenshot and an axe-core check.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'browser-fleet-admin-pw';
const VIEWER_PASSWORD = 'browser-fleet-viewer-pw';
const services = domainServices();

const SIZES = [
  { name: 'laptop', width: 1366, height: 850 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let stack: RunningStack | undefined;
const contexts: BrowserContext[] = [];

async function open(width: number, height: number): Promise<Page> {
  if (!stack) throw new Error('no stack');
  const context = await launch(stack.url);
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width, height });
  return page;
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/sign-in');
  // The first page of a fresh browser on a busy machine can take a while.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/fleet\/cars/);
}

async function expectAccessible(page: Page, name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

/** A local date some days ahead as `YYYY-MM-DD` (the browsers run in Europe/Berlin, as this does not). */
function dateAhead(days: number): string {
  const berlin = new Date(Date.now() + days * 86_400_000).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' });
  return berlin.slice(0, 10);
}

const row = (page: Page, name: string) => page.locator(`[data-resource="${name}"]`);
const bar = (page: Page, name: string, holder: string) =>
  row(page, name)
    .locator('button.bar')
    .filter({ has: page.locator('.bar-holder', { hasText: new RegExp(`^${holder}$`) }) });

/** Shows `date` at day zoom through the timeline's own controls. */
async function showDay(page: Page, date: string) {
  await page.getByRole('group', { name: 'Zoom' }).getByRole('button', { name: 'Day' }).click();
  await page.getByLabel('Go to date').fill(date);
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)).toLocaleDateString('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
  });
  await page.locator('.rt-label', { hasText: day }).waitFor();
}

/** Drags across a track from one local hour to another (day zoom: an hour is 1/24 of it). */
async function drag(page: Page, track: Locator, fromHour: number, toHour: number) {
  // Mid-screen: clear of the notices at the bottom.
  await track.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  // Bring the start of the drag just right of the resource names (the track scrolls sideways).
  const scroller = page.locator('.rt');
  const box = await track.boundingBox();
  const names = await page.locator('.rt-corner').boundingBox();
  if (!box || !names) throw new Error('no track');
  const target = names.x + names.width + 40;
  await scroller.evaluate((el, x) => el.scrollBy({ left: x }), box.x + (box.width * fromHour) / 24 - target);
  const after = await track.boundingBox();
  if (!after) throw new Error('no track');
  const y = after.y + after.height / 2;
  await page.mouse.move(after.x + (after.width * fromHour) / 24 + 1, y);
  await page.mouse.down();
  await page.mouse.move(after.x + (after.width * (fromHour + toHour)) / 48, y, { steps: 4 });
  await page.mouse.move(after.x + (after.width * toHour) / 24 - 1, y, { steps: 4 });
  await page.mouse.up();
}

beforeAll(async () => {
  if (!services.includes('users') || !services.includes('fleet')) {
    throw new Error('the fleet browser test needs the users and fleet services in the checkout');
  }
  execFileSync('npm', ['run', 'build', '--workspace', 'web'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-fleet-'));
  for (const name of services) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, { FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD });
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await stack?.stop();
});

describe.each(SIZES)('the fleet timeline at $width×$height', ({ name: size, width, height }) => {
  const car = `Herbie-${size}-${Math.random().toString(36).slice(2, 6)}`;
  const day = dateAhead(size === 'laptop' ? 9 : 16);
  const viewer = `viewer-${size}`;
  let page: Page;
  let other: Page;

  it('zooms to a day, a week and a month, and jumps to a date', async () => {
    page = await open(width, height);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    // A viewer for the last step, made while the admin's session is fresh.
    const status = await page.evaluate(
      async ({ username, password }) =>
        (
          await fetch('/api/users', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username, password, roles: ['viewer'] }),
          })
        ).status,
      { username: viewer, password: VIEWER_PASSWORD },
    );
    expect(status).toBe(201);
    await page.getByLabel("New car's name").fill(car);
    await page.getByRole('button', { name: 'Add car' }).click();
    await row(page, car).waitFor();

    const zoom = page.getByRole('group', { name: 'Zoom' });
    const labels = page.locator('.rt-scale .tick-label');
    // The week (the default): seven days, with lines every six hours.
    expect(await zoom.getByRole('button', { name: 'Week' }).getAttribute('aria-pressed')).toBe('true');
    expect(await labels.count()).toBe(7);
    expect(await page.locator('.rt-scale .tick-minor').count()).toBe(21);
    await screenshot(page, `fleet-${size}-week`);
    await expectAccessible(page, `fleet week (${size})`);

    await zoom.getByRole('button', { name: 'Month' }).click();
    const daysInMonth = await page.evaluate(() => {
      const now = new Date();
      return new Date(now.getFullYear(), now.getMonth() + 1, 0).getDate();
    });
    await expect.poll(() => labels.count()).toBe(daysInMonth);
    await screenshot(page, `fleet-${size}-month`);

    await showDay(page, day);
    // An hour each (23 or 25 on the day of a DST change).
    const hours = await page.evaluate((date) => {
      const start = new Date(`${date}T00:00`);
      return (new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1).getTime() - start.getTime()) / 3_600_000;
    }, day);
    expect(await labels.count()).toBe(hours);
    expect(await page.locator('.rt-scale .tick-label').nth(9).textContent()).toMatch(/^0?9/);
    // Moving a day on from the date picked.
    await page.getByRole('button', { name: 'Next day' }).click();
    expect(await page.getByLabel('Go to date').inputValue()).toBe(dateAhead(size === 'laptop' ? 10 : 17));
    await page.getByRole('button', { name: 'Previous day' }).click();
    expect(await page.getByLabel('Go to date').inputValue()).toBe(day);
    await screenshot(page, `fleet-${size}-day`);
    await expectAccessible(page, `fleet day (${size})`);
    if (size === 'phone') {
      // The timeline scrolls sideways inside its frame; the page itself does not.
      const overflow = await horizontalOverflow(page);
      expect(overflow.culprit, `wider than ${overflow.width}px`).toBeUndefined();
      // The names stay in view while the hours scroll.
      await page.locator('.rt').evaluate((el) => el.scrollBy({ left: 600 }));
      const name = await row(page, car).locator('.rt-name').boundingBox();
      expect(name?.x).toBeLessThan(40);
      await screenshot(page, `fleet-${size}-day-scrolled`);
    }
  });

  it('fills in the booking form from a drag across free time, and books it', async () => {
    await drag(page, row(page, car).locator('.track'), 10, 12);
    expect(await page.getByLabel('Car', { exact: true }).locator('option:checked').textContent()).toContain(car);
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(`${day}T10:00`);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(`${day}T12:00`);
    // The keyboard goes on where the drag left off: who the booking is for.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('placeholder'))).toBe('Who is it for?');
    await row(page, car).locator('.bar.proposed').waitFor();
    await page.keyboard.type('Ada');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByTestId('notice').filter({ hasText: `Booked ${car}` }).waitFor();
    const booked = bar(page, car, 'Ada');
    await booked.waitFor();
    // Read out: the holder, the times and the day.
    expect(await booked.textContent()).toMatch(/^Ada, 10:00–12:00, \w{3} \d+ \w{3}$/);
    await screenshot(page, `fleet-${size}-booked`);
    await expectAccessible(page, `fleet booked (${size})`);
  });

  it('shows a booking made in another browser without a reload, and its cancellation', async () => {
    other = await open(width, height);
    await signIn(other, 'admin', ADMIN_PASSWORD);
    await showDay(other, day);
    await bar(other, car, 'Ada').waitFor();
    // Booked in the first browser: the second one draws it as it happens.
    await page.getByLabel('From', { exact: true }).fill(`${day}T14:00`);
    await page.getByLabel('To', { exact: true }).fill(`${day}T15:00`);
    await page.getByLabel('Holder', { exact: true }).fill('Bob');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await bar(page, car, 'Bob').waitFor();
    await bar(other, car, 'Bob').waitFor();
    await screenshot(other, `fleet-${size}-live`);
    // Cancelled in the second one: it goes from the first.
    await bar(other, car, 'Bob').click();
    await other.getByRole('button', { name: 'Cancel this booking' }).click();
    await other.getByRole('button', { name: 'Yes, cancel it' }).click();
    await bar(page, car, 'Bob').waitFor({ state: 'detached' });
  });

  it('cancels only once confirmed, and undoes a cancellation', async () => {
    await bar(page, car, 'Ada').click();
    const detail = page.getByRole('region', { name: `Booking of ${car}` });
    await detail.getByRole('button', { name: 'Cancel this booking' }).click();
    await detail.getByText('Cancel Ada’s booking?').waitFor();
    await screenshot(page, `fleet-${size}-cancel-confirm`);
    await expectAccessible(page, `fleet cancel confirmation (${size})`);
    // Keep: nothing happens.
    await detail.getByRole('button', { name: 'Keep' }).click();
    expect(await bar(page, car, 'Ada').count()).toBe(1);
    await detail.getByRole('button', { name: 'Cancel this booking' }).click();
    await detail.getByRole('button', { name: 'Yes, cancel it' }).click();
    await bar(page, car, 'Ada').waitFor({ state: 'detached' });
    await bar(other, car, 'Ada').waitFor({ state: 'detached' });
    const notice = page.getByTestId('notice');
    expect(await notice.textContent()).toMatch(/Cancelled Ada’s booking of .*10:00 – 12:00/);
    await screenshot(page, `fleet-${size}-cancelled`);
    await expectAccessible(page, `fleet cancelled, with undo (${size})`);
    await notice.getByRole('button', { name: 'Undo' }).click();
    await bar(page, car, 'Ada').waitFor();
    await bar(other, car, 'Ada').waitFor();
    await page.getByTestId('notice').filter({ hasText: /^Restored: Ada: / }).waitFor();
  });

  it('says who holds the time when a booking is refused, and marks their booking', async () => {
    await page.getByLabel('From', { exact: true }).fill(`${day}T11:00`);
    await page.getByLabel('To', { exact: true }).fill(`${day}T13:00`);
    await page.getByLabel('Holder', { exact: true }).fill('Cy');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: '409' });
    await alert.waitFor();
    expect(await alert.getByTestId('conflict').first().textContent()).toMatch(/^Ada: .*10:00 – 12:00$/);
    const marked = row(page, car).locator('button.bar.conflict');
    await marked.waitFor();
    expect(await marked.textContent()).toMatch(/^Ada, 10:00–12:00, .* — in the way of your booking$/);
    await screenshot(page, `fleet-${size}-refused`);
    await expectAccessible(page, `fleet refused booking (${size})`);
  });

  it('says so when the time was taken before an undo', async () => {
    await bar(page, car, 'Ada').click();
    await page.getByRole('button', { name: 'Cancel this booking' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    const notice = page.getByTestId('notice');
    await notice.getByRole('button', { name: 'Undo' }).waitFor();
    // A pointer on the notice keeps it while the other browser takes the time.
    await notice.hover();
    await bar(other, car, 'Ada').waitFor({ state: 'detached' });
    await drag(other, row(other, car).locator('.track'), 10, 11);
    await other.getByLabel('Holder', { exact: true }).fill('Dee');
    await other.getByRole('button', { name: 'Book', exact: true }).click();
    await bar(page, car, 'Dee').waitFor();
    await notice.getByRole('button', { name: 'Undo' }).click();
    await page
      .getByTestId('notice')
      .filter({ hasText: /^Could not undo: someone booked it meanwhile\. .*Dee: .*10:00 – 11:00/ })
      .waitFor();
    await screenshot(page, `fleet-${size}-undo-refused`);
  });

  it('offers a viewer nothing to book or cancel with', async () => {
    const looking = await open(width, height);
    await signIn(looking, viewer, VIEWER_PASSWORD);
    await showDay(looking, day);
    await bar(looking, car, 'Dee').waitFor();
    expect(await looking.getByRole('button', { name: `Book ${car}` }).count()).toBe(0);
    expect(await looking.getByRole('button', { name: `Remove ${car}` }).count()).toBe(0);
    expect(await looking.locator('.track.draggable').count()).toBe(0);
    expect(await looking.getByRole('button', { name: 'Book', exact: true }).count()).toBe(0);
    await looking.getByRole('heading', { name: 'Find a free car' }).waitFor();
    await looking.getByText('Booking needs the operator role.').waitFor();
    await bar(looking, car, 'Dee').click();
    await looking.getByRole('region', { name: `Booking of ${car}` }).waitFor();
    expect(await looking.getByRole('button', { name: 'Cancel this booking' }).count()).toBe(0);
    await screenshot(looking, `fleet-${size}-viewer`);
    await expectAccessible(looking, `fleet as a viewer (${size})`);
  });
});

describe('runways at day zoom', () => {
  it('draws the 15-minute slots and a slot booking on them', async () => {
    const page = await open(1366, 850);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Resource types' }).getByRole('link', { name: 'Runways' }).click();
    await page.getByLabel("New runway's name").fill('27R');
    await page.getByRole('button', { name: 'Add runway' }).click();
    await row(page, '27R').waitFor();
    const day = dateAhead(5);
    await showDay(page, day);
    // Three quarter-hour lines between each pair of hours.
    expect(await row(page, '27R').locator('.grid-line.minor').count()).toBe(24 * 3);
    await drag(page, row(page, '27R').locator('.track'), 9.1, 9.4);
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(`${day}T09:00`);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(`${day}T09:30`);
    await page.getByLabel('Holder', { exact: true }).fill('LH 401');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await bar(page, '27R', 'LH 401').waitFor();
    await screenshot(page, 'fleet-runways-day');
    await expectAccessible(page, 'fleet runways, day');
  });
});
