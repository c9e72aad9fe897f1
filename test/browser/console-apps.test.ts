import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { consoleEnv, GLOBAL_ADMIN, rootPut } from '../http/console-support.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { drivers } from '../support/portico.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

/**
 * The console's Apps section in Chromium at 375 px, light and dark: the list, the review queue reached by keyboard,
 * an app approved by keyboard with a note, the edit and confirmation pages; axe-core on each, nothing wider than
 * the screen, the focus visible.
 */
for (const driver of drivers) describe(`the admin console's Apps section in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('sandbox'), driver);
    const app = server.portico.app;
    await rootPut(app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    await rootPut(app, '/User/dev', { resourceType: 'User', email: 'dev@example.org', password: 'a-developer-password', roles: ['developer'] });
    for (const scheme of ['light', 'dark']) {
      await rootPut(app, `/Client/queue-${scheme}`, {
        resourceType: 'Client',
        name: `Heart Tracker (${scheme})`,
        type: 'patient-facing-smart-app',
        status: 'submitted',
        owner: 'User/dev',
        grant_types: ['authorization_code'],
        scope: ['launch/patient', 'patient/Observation.rs'],
        auth: { authorization_code: { redirect_uri: 'https://heart.example.org/a-rather-long-callback-path/that-does-not-wrap', pkce: true, secret_required: false } },
      });
    }
    await rootPut(app, '/Client/confidential-app', {
      resourceType: 'Client',
      name: 'Confidential App',
      secret: 'a-confidential-app-secret',
      grant_types: ['client_credentials'],
      scope: ['system/*.rs'],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: from the list to the review queue, an app approved by keyboard with a note`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/admin/apps`);
      await page.getByLabel('Email').fill(GLOBAL_ADMIN.email);
      await page.getByLabel('Password').fill(GLOBAL_ADMIN.password);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/apps'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Apps');
      await check(page, `console-apps-list-${colorScheme}-375`);

      // The review queue, its app and its approval: the keyboard only.
      const queueLink = await tabTo(page, 'a[href="/admin/apps?status=submitted"]');
      assert.ok(queueLink.focusVisible);
      assert.notEqual(queueLink.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.search === '?status=submitted'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), 'Review queue');
      await check(page, `console-apps-queue-${colorScheme}-375`);
      const appLink = await tabTo(page, `a[href="/admin/apps/queue-${colorScheme}"]`);
      assert.ok(appLink.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === `/admin/apps/queue-${colorScheme}`), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), `Heart Tracker (${colorScheme})`);
      await check(page, `console-app-detail-${colorScheme}-375`);

      await tabTo(page, '#review-note');
      await page.keyboard.type('Looks good: privacy policy checked.');
      const approve = await tabTo(page, 'button[name=decision][value=approve]');
      assert.ok(approve.focusVisible);
      assert.notEqual(approve.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.search === '?done=approved'), page.keyboard.press('Enter')]);
      assert.match(await page.locator('[role=status]').innerText(), /Approved/);
      assert.match(await page.locator('dl').innerText(), /Looks good: privacy policy checked\./);
      await check(page, `console-app-approved-${colorScheme}-375`);

      // The confirmation before suspending, and the edit page.
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Suspend' }).click()]);
      assert.match(await page.locator('h1').innerText(), /^Suspend /);
      await check(page, `console-app-suspend-confirm-${colorScheme}-375`);
      await page.goto(`${server.baseUrl}/admin/apps/queue-${colorScheme}/edit`);
      await check(page, `console-app-edit-${colorScheme}-375`);
      await page.getByLabel('Client (JSON)').fill('{ "type": "robot" }');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save' }).click()]);
      assert.match(await page.locator('[role=alert]').innerText(), /Client\.type/);
      await check(page, `console-app-edit-error-${colorScheme}-375`);

      // A rotated secret, shown once with its copy button.
      await page.goto(`${server.baseUrl}/admin/apps/confidential-app`);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Rotate secret' }).click()]);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Rotate the secret' }).click()]);
      assert.ok((await page.locator('#client-secret').inputValue()).length >= 32);
      await check(page, `console-app-secret-${colorScheme}-375`);
    });
  }
});
