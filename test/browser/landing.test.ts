import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible, assertFitsWidth, tabTo } from './support/page-checks.ts';

const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');

/**
 * The front door in Chromium at 375 px, light and dark: the sandbox badge, the links, the demo sign-ins; reachable by
 * keyboard with a visible focus; nothing overflows; a demo user's link leads to the sign-in page.
 */
describe('the landing page in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico({ SEED: 'demo' });
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: says what the server is, lists where to go and the demo sign-ins; keyboard reaches them`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/`);
      assert.equal(await page.locator('h1').innerText(), 'Portico');
      assert.equal(await page.locator('header.site .badge').innerText(), 'Sandbox');
      assert.ok((await page.locator('a', { hasText: 'CapabilityStatement' }).count()) === 1);
      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `landing-${colorScheme}-375.png`), fullPage: true });

      const focus = await tabTo(page, 'a[href$="/auth/apps"]');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
      const demoUser = page.locator('a', { hasText: 'patient@sandbox.portico.test' });
      await Promise.all([page.waitForURL((url) => url.pathname === '/auth/login'), demoUser.click()]);
      assert.equal(await page.locator('h1').innerText(), 'Sign in');
    });
  }
});
