import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consoleEnv, currentStep, rootPut, totpCodeAt } from '../http/console-support.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { drivers } from '../support/portico.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

/**
 * The administrators' second factor in Chromium at 375 px, light and dark, in production mode: signing in to the
 * console leads to the enrolment page (QR code, key, code field), enrolled by keyboard; the recovery codes copied
 * once; a new sign-in presents a code; axe-core on every page, nothing wider than the screen.
 */
for (const driver of drivers) describe(`the second factor of the admin console in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('production'), driver);
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;
  const newPage = async (colorScheme: 'light' | 'dark') => {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    context.setDefaultTimeout(60_000);
    return context.newPage();
  };
  const signIn = async (page: Page, email: string, password: string, landing: RegExp) => {
    await page.goto(`${server.baseUrl}/admin`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL((url) => landing.test(url.pathname)), page.getByRole('button', { name: 'Sign in' }).click()]);
  };
  /** Tabs to the code field, types `code` and submits with Enter. */
  const typeCode = async (page: Page, code: string) => {
    const focus = await tabTo(page, '#code');
    assert.ok(focus.focusVisible);
    assert.notEqual(focus.outlineStyle, 'none');
    await page.keyboard.type(code);
    await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.keyboard.press('Enter')]);
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: enrol with the QR code page by keyboard, keep the recovery codes, present a code at the next sign-in`, async () => {
      const email = `admin-${colorScheme}@console.example`;
      const password = `an admin password ${colorScheme}`;
      await rootPut(server.portico.app, `/User/admin-${colorScheme}`, { resourceType: 'User', email, password, name: 'Ada Admin', roles: ['admin'] });
      const page = await newPage(colorScheme);

      await signIn(page, email, password, /^\/admin\/second-factor\/enrol$/);
      assert.equal(await page.locator('h1').innerText(), 'Set up your second factor');
      assert.equal(await page.getByRole('img', { name: /QR code/ }).count(), 1);
      await check(page, `console-second-factor-enrol-${colorScheme}-375`);
      const secret = await page.locator('#totp-secret').inputValue();
      assert.match(secret, /^[A-Z2-7]{32}$/);

      await typeCode(page, '000000' === totpCodeAt(secret, currentStep()) ? '111111' : '000000');
      assert.match(await page.locator('#code-error').innerText(), /That code is not right/);
      await check(page, `console-second-factor-enrol-error-${colorScheme}-375`);

      const step = currentStep();
      await typeCode(page, totpCodeAt(secret, step));
      assert.equal(await page.locator('h1').innerText(), 'Your recovery codes');
      await check(page, `console-second-factor-recovery-codes-${colorScheme}-375`);
      const codes = (await page.locator('#recovery-codes').inputValue()).split('\n');
      assert.equal(codes.length, 10);
      const copy = await tabTo(page, 'button.copy-button');
      assert.ok(copy.focusVisible);
      await page.keyboard.press('Enter');
      await page.locator('button.copy-button[data-copied="true"]').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), codes.join('\n'));
      await tabTo(page, 'a.button-link', 'I have saved them');
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), 'Dashboard');

      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/second-factor'), page.getByRole('link', { name: 'Second factor', exact: true }).click()]);
      assert.match(await page.locator('main').innerText(), /Your second factor is on/);
      await check(page, `console-second-factor-on-${colorScheme}-375`);

      // A new sign-in presents a code (the next step's: the enrolment's was spent).
      const next = await newPage(colorScheme);
      await signIn(next, email, password, /^\/admin\/second-factor$/);
      assert.equal(await next.locator('h1').innerText(), 'Second factor');
      await check(next, `console-second-factor-verify-${colorScheme}-375`);
      await typeCode(next, totpCodeAt(secret, Math.max(step + 1, currentStep())));
      assert.equal(new URL(next.url()).pathname, '/admin');
      assert.equal(await next.locator('h1').innerText(), 'Dashboard');
    });
  }
});
