import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const PASSWORD = 'a developer password';

/**
 * The developer portal in Chromium at 375 px, light and dark: sign up, sign in, register a confidential app by
 * keyboard (scope checkboxes), the secret shown once with a working copy button, the app list, rotation, a
 * registration token with its curl example; axe-core on every page, nothing wider than the screen.
 */
describe('the developer portal in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: sign up, register a confidential app, copy its secret once, rotate it, get a registration token`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      const email = `dev-${colorScheme}@portal.example`;

      await page.goto(`${server.baseUrl}/portal/signup`);
      assert.equal(await page.locator('h1').innerText(), 'Sign up as a developer');
      await page.getByLabel('Name').fill('Dana Developer');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('short');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign up' }).click()]);
      assert.match(await page.locator('#password-error').innerText(), /At least 12 characters/);
      await check(page, `portal-signup-error-${colorScheme}-375`);
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === '/auth/login'), page.getByRole('button', { name: 'Sign up' }).click()]);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === '/portal/apps'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Your apps');
      await check(page, `portal-apps-empty-${colorScheme}-375`);

      await Promise.all([page.waitForURL((url) => url.pathname === '/portal/apps/new'), page.getByRole('link', { name: 'Register an app' }).click()]);
      await check(page, `portal-new-app-${colorScheme}-375`);
      await page.getByLabel('App name').fill('Heart Tracker');
      await page.getByLabel('Redirect URIs').fill('https://heart.example.org/cb');
      // The scopes by keyboard: each checkbox reached with Tab, ticked with Space, its focus visible.
      for (const scope of ['openid', 'launch/patient', 'patient/*.rs']) {
        const focus = await tabTo(page, `input[type=checkbox][value="${scope}"]`);
        assert.ok(focus.focusVisible, scope);
        assert.notEqual(focus.outlineStyle, 'none');
        await page.keyboard.press('Space');
        assert.ok(await page.locator(`input[type=checkbox][value="${scope}"]`).isChecked(), scope);
      }
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Register app' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Heart Tracker');
      const secret = await page.locator('#client-secret').inputValue();
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      await page.getByRole('button', { name: 'Copy the client secret' }).click();
      await page.locator('[role=status][aria-live=polite]', { hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
      await check(page, `portal-app-secret-${colorScheme}-375`);
      const clientId = await page.locator('#client-id').inputValue();

      // Inline script never runs on these pages, though our script file does.
      const inline = await page.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); return window.inlineRan === true; })()");
      assert.equal(inline, false);

      await page.goto(`${server.baseUrl}/portal/apps/${clientId}`);
      assert.equal(await page.locator('#client-secret').count(), 0, 'the secret is not shown again');
      assert.ok(!(await page.content()).includes(secret));

      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Rotate secret' }).click()]);
      const rotated = await page.locator('#client-secret').inputValue();
      assert.notEqual(rotated, secret);

      await page.goto(`${server.baseUrl}/portal/apps`);
      assert.equal(await page.getByRole('link', { name: 'Heart Tracker' }).count(), 1);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Get a registration token' }).click()]);
      const token = await page.locator('#registration-token').inputValue();
      assert.ok(token.length > 20);
      const curl = await page.locator('#registration-curl').inputValue();
      assert.ok(curl.includes(`Authorization: Bearer ${token}`));
      assert.ok(curl.includes(`${server.baseUrl}/auth/register`) || curl.includes('/auth/register'));
      await page.getByRole('button', { name: 'Copy the curl command' }).click();
      await page.locator('[role=status][aria-live=polite]', { hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), curl);
      await check(page, `portal-registration-token-${colorScheme}-375`);

      // The list with the app in it; then edit (the same form, filled) and delete, asked first.
      await page.goto(`${server.baseUrl}/portal/apps`);
      await check(page, `portal-apps-${colorScheme}-375`);
      await page.goto(`${server.baseUrl}/portal/apps/${clientId}`);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'Edit' }).click()]);
      assert.equal(await page.getByLabel('App name').inputValue(), 'Heart Tracker');
      await check(page, `portal-edit-app-${colorScheme}-375`);
      await page.goto(`${server.baseUrl}/portal/apps/${clientId}`);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Delete app' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Delete Heart Tracker?');
      await check(page, `portal-confirm-delete-${colorScheme}-375`);
      await tabTo(page, 'button.primary');
      await page.keyboard.press('Enter');
      // The list again, saying what was deleted.
      await page.locator('h1', { hasText: 'Your apps' }).waitFor();
      assert.match(await page.locator('main').innerText(), /Heart Tracker/);
      assert.equal(await page.getByRole('link', { name: 'Heart Tracker' }).count(), 0);
      await check(page, `portal-deleted-${colorScheme}-375`);
    });
  }
});
