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
 * The API docs in Chromium at 375 px, light and dark: nothing overflows (long commands scroll inside their block),
 * axe-core finds nothing, the table of contents is reached by keyboard with a visible focus and leads to its section.
 */
describe('the API docs page in Chromium', { skip: chromiumSkipReason() }, () => {
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
    it(`${colorScheme}: fits 375 px, passes axe, and the table of contents works by keyboard`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/docs`);
      assert.equal(await page.locator('h1').innerText(), 'API docs');
      assert.ok((await page.locator('pre code#register-client').innerText()).includes(`${server.baseUrl}/auth/register`));
      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `docs-${colorScheme}-375.png`), fullPage: true });

      const focus = await tabTo(page, 'nav.toc a[href="#backend-services"]');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.hash === '#backend-services');
      assert.ok(await page.locator('#backend-services').isVisible());
      // A code block is a keyboard stop too, so a long command can be scrolled without a mouse.
      await tabTo(page, 'pre[aria-labelledby="token-client-credentials-title"]');
      // Its Copy button copies the command as shown.
      await page.locator('button.copy-button[data-copy="#token-client-credentials"]').click();
      await page.locator('[role=status][aria-live=polite]', { hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), await page.locator('#token-client-credentials').innerText());
    });
  }
});
