import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainServices } from '../../scripts/stack.mjs';
import { MAX_TEXT_CHARS } from '../../services/translation/src/domain/translate.js';
import { DEFAULT_DICTIONARY_PATH } from '../../services/translation/src/engines/dictionary-path.js';
import { type RunningStack, startStack } from '../embedded/launcher.js';
import { describeViolations, horizontalOverflow, launch, screenshot, seriousAxeViolations } from './browser.js';

/**
 * The Translate page on a first start with nothing installed: the embedded stack downloads the
 * dictionary from a loopback server (held half-way, so the page shows the download), switches to
 * it without a restart, says the service's real limit, and translates a file longer than that
 * limit in parts. At a laptop's and a phone's size, each state checked with axe-core.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'browser-translate-admin-pw';
const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 850 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const dictionary = readFileSync(process.env.DICTIONARY_PATH || DEFAULT_DICTIONARY_PATH);
let releaseDownload: () => void = () => {};
const held = new Promise<void>((resolve) => {
  releaseDownload = resolve;
});
let server: Server;
let stack: RunningStack | undefined;
let context: BrowserContext | undefined;
let page: Page;

/**
 * The dictionary, its first 40 % at once, then a byte a second (so the service's stall timer does
 * not give up on it), and the rest once the test has seen the progress.
 */
function serveHeld(res: ServerResponse): void {
  let sent = Math.floor(dictionary.length * 0.4);
  res.writeHead(200, { 'content-length': dictionary.length, 'content-type': 'text/plain' });
  res.write(dictionary.subarray(0, sent));
  const trickle = setInterval(() => res.write(dictionary.subarray(sent, ++sent)), 1000);
  void held.then(() => {
    clearInterval(trickle);
    res.end(dictionary.subarray(sent));
  });
}

async function expectAccessible(name: string) {
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe-core on ${name}:\n${describeViolations(violations)}`).toEqual([]);
}

/** Screenshot and axe at each size; the phone layout must not scroll sideways. */
async function checkAtEachSize(name: string) {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await screenshot(page, `translate-${name}-${viewport.name}`);
    await expectAccessible(`${name} at ${viewport.width}×${viewport.height}`);
    if (viewport.name === 'phone') {
      const overflow = await horizontalOverflow(page);
      expect(overflow.culprit, `wider than the phone: ${overflow.culprit}`).toBeUndefined();
    }
  }
  await page.setViewportSize(VIEWPORTS[0]);
}

beforeAll(async () => {
  // vite only: the type check is its own step (npm run typecheck).
  execFileSync('npx', ['vite', 'build'], {
    cwd: join(ROOT, 'web'),
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  server = createServer((req, res) => {
    if (req.url === '/de-en') serveHeld(res);
    else res.writeHead(404).end(); // the neural model is not to be had here
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-browser-translate-'));
  for (const name of domainServices()) mkdirSync(join(dataDir, name), { recursive: true });
  stack = await startStack(dataDir, {
    FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // A first start with nothing installed, fetching from the loopback server only.
    TRANSLATION_FETCH: 'on',
    TRANSLATION_MODEL_DIR: join(dataDir, 'translation-model'),
    TRANSLATION_MODEL_URL: `${base}/model/{file}`,
    DICTIONARY_PATH: join(dataDir, 'no-debian-dictionary'),
    DICTIONARY_CACHE_DIR: join(dataDir, 'translation-dictionary'),
    DICTIONARY_URL: `${base}/de-en`,
    DICTIONARY_SHA256: createHash('sha256').update(dictionary).digest('hex'),
  });
  context = await launch(stack.url);
  page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize(VIEWPORTS[0]);
});

afterAll(async () => {
  releaseDownload();
  await context?.close();
  await stack?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the Translate page on a first start', () => {
  it('shows that no engine is ready and the download under way, with its progress', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/fleet/);
    await page.goto('/translate');
    const state = page.getByTestId('engine-state');
    await state.waitFor();
    expect(await state.textContent()).toContain('No translation engine is ready.');
    const downloadBanner = page.getByTestId('engine-download');
    await downloadBanner.getByText(/Downloading the dictionary in the background: [\d.,]+ of [\d.,]+ MB \(\d+ %\)/).waitFor({
      timeout: 60_000,
    });
    const bar = downloadBanner.getByRole('progressbar');
    expect(Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
    expect(await bar.getAttribute('max')).toBe(String(dictionary.length));
    await checkAtEachSize('downloading');
  });

  it('switches to the downloaded dictionary by itself, without a reload or a restart', async () => {
    releaseDownload();
    await page.getByTestId('engine-info').getByText('Dictionary fallback').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('engine-download').count()).toBe(0);
    expect(await page.getByTestId('engine-state').count()).toBe(0);
  });

  it('says the real limit before sending, and refuses to send more', async () => {
    const limit = MAX_TEXT_CHARS.toLocaleString('en-GB');
    const hint = page.getByTestId('limit-hint');
    expect(await hint.textContent()).toContain(`0 of at most ${limit} characters in one request`);
    await page.getByLabel('German text').fill('Der Hund. '.repeat(Math.ceil(MAX_TEXT_CHARS / 10) + 1));
    await page.getByTestId('too-long').waitFor();
    expect(await page.getByTestId('too-long').textContent()).toMatch(/over the limit of one request/);
    expect(await page.getByRole('button', { name: 'Translate', exact: true }).isDisabled()).toBe(true);
    await page.getByTestId('too-long').scrollIntoViewIfNeeded();
    await checkAtEachSize('too-long');
    await page.getByLabel('German text').fill('');
  });

  it('translates a file longer than the limit in parts, and downloads the English text', async () => {
    const paragraph = 'Der Hund läuft über die Straße. Die Katze schläft im Haus, und das Haus ist groß.';
    const paragraphs: string[] = [];
    let length = 0;
    for (let i = 1; length <= MAX_TEXT_CHARS * 1.1; i++) {
      const next = `Absatz ${i}. ${paragraph}`;
      paragraphs.push(next);
      length += next.length + 2;
    }
    const german = `${paragraphs.join('\n\n')}\n`;
    expect(german.length).toBeGreaterThan(MAX_TEXT_CHARS);
    await page.getByLabel('Text file (.txt)').setInputFiles({
      name: 'roman.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(german),
    });
    await page.getByRole('button', { name: 'Translate file' }).click();
    await page.getByTestId('parts-progress').getByText(/part \d of 2/).waitFor();
    await page.getByTestId('parts-progress').getByText('2 of 2 parts — done').waitFor({ timeout: 110_000 });
    const link = page.getByRole('link', { name: 'Download roman.en.txt' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('roman.en.txt');
    const english = readFileSync(await download.path(), 'utf8');
    // Every paragraph came back, in order, in English, with the layout kept.
    const lines = english.split('\n\n');
    expect(lines.length).toBe(paragraphs.length);
    expect(lines[0]).toMatch(/dog/i);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\D*${paragraphs.length}\\b`));
    expect(english.endsWith('\n')).toBe(true);
    await link.scrollIntoViewIfNeeded();
    await checkAtEachSize('file-in-parts');
  });
});
