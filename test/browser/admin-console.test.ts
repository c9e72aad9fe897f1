import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { drivers } from '../support/portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const ADMIN = { email: 'console-admin@example.org', password: 'a console admin password' };

/**
 * The admin console's frame and dashboard in Chromium, at 375 px and wide, light and dark: signed in through the
 * sign-in page, the sections reached by keyboard with a visible focus, axe-core clean, nothing wider than the
 * screen; signing out from the console's bar ends the session.
 */
for (const driver of drivers) describe(`the admin console in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico({}, driver);
    const res = await server.portico.app.inject({
      method: 'PUT',
      url: '/User/browser-console-admin',
      headers: { authorization: `Basic ${Buffer.from('root:secret').toString('base64')}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ resourceType: 'User', ...ADMIN, name: 'Ada Admin', roles: ['admin'] }),
    });
    assert.equal(res.statusCode, 201, res.body);
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 1280]) {
      it(`${colorScheme}, ${width} px: sign in to the dashboard, reach the sections by keyboard, sign out`, async () => {
        await context?.close();
        context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        context.setDefaultTimeout(60_000);
        const page = await context.newPage();
        await page.goto(`${server.baseUrl}/admin`);
        assert.equal(new URL(page.url()).pathname, '/auth/login');
        await page.getByLabel('Email').fill(ADMIN.email);
        await page.getByLabel('Password').fill(ADMIN.password);
        await Promise.all([page.waitForURL((url) => url.pathname === '/admin'), page.getByRole('button', { name: 'Sign in' }).click()]);
        assert.equal(await page.locator('h1').innerText(), 'Dashboard');
        assert.equal(await page.locator('.console-nav a[aria-current=page]').innerText(), 'Dashboard');
        assert.match(await page.locator('.console-bar').innerText(), /Signed in as Ada Admin/);
        await check(page, `console-dashboard-${driver}-${colorScheme}-${width}`);

        // Every section's link is reached by keyboard, its focus drawn.
        for (const label of ['Apps', 'Users', 'Access policies', 'Keys', 'Sessions and grants', 'Bulk exports', 'Audit log']) {
          const focus = await tabTo(page, '.console-nav a', label);
          assert.ok(focus.focusVisible, label);
          assert.notEqual(focus.outlineStyle, 'none', label);
        }
        // The keys table scrolls inside itself, and the keyboard reaches it.
        const region = await tabTo(page, '.table-wrap');
        assert.ok(region.focusVisible);

        const signOut = await tabTo(page, '.console-bar button', 'Sign out');
        assert.ok(signOut.focusVisible);
        // The page is loaded already: wait for the sign-out's own page, not for a load that has happened.
        await Promise.all([page.waitForURL((url) => url.pathname === '/auth/logout'), page.keyboard.press('Enter')]);
        assert.equal(await page.locator('h1').innerText(), 'Signed out');
        await page.goto(`${server.baseUrl}/admin`);
        assert.equal(new URL(page.url()).pathname, '/auth/login');
      });
    }
  }
});
