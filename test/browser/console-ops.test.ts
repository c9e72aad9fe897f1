import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { CLERK, consoleEnv, GLOBAL_ADMIN, rootBasic, rootPut } from '../http/console-support.ts';
import { firstPartyClient, launch } from '../http/launch-flow-support.ts';
import { browser as injectBrowser } from '../http/login-support.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { drivers } from '../support/portico.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const APP = 'ops-browser-app';

/**
 * The console's keys, sessions and grants, and bulk exports sections in Chromium at 375 px, light and dark: the keys
 * rotated, a grant revoked and an export cancelled by keyboard through their confirmation pages; axe-core on every page, nothing wider than the screen.
 */
for (const driver of drivers) describe(`the admin console: keys, sessions, exports in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('sandbox'), driver);
    const app = server.portico.app;
    await rootPut(app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    await rootPut(app, `/User/${CLERK.id}`, { resourceType: 'User', email: CLERK.email, password: CLERK.password, roles: ['developer'] });
    await rootPut(app, `/Client/${APP}`, firstPartyClient('Ops Browser App'));
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  /** Something in every list: the clerk's session and grant (its id), an export job (its id). */
  async function seed(): Promise<{ grant: string; job: string }> {
    const app = server.portico.app;
    const clerk = injectBrowser(app);
    assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/')).statusCode, 303);
    const tokens = await launch(app, clerk, APP, 'openid fhirUser user/Patient.rs', { fhirBase: server.fhirBase });
    // The access token's `grant` claim names its grant.
    const claims = JSON.parse(Buffer.from(String(tokens.access_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as { grant?: string };
    assert.ok(claims.grant);
    const kickOff = await app.inject({ method: 'GET', url: '/fhir/$export?_type=Patient', headers: { authorization: rootBasic, prefer: 'respond-async', accept: 'application/fhir+json' } });
    assert.equal(kickOff.statusCode, 202, kickOff.body);
    return { grant: claims.grant, job: String(kickOff.headers['content-location']).split('/').pop() ?? '' };
  }

  const check = checkPage;

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: by keyboard through each confirmation, rotate the keys, revoke a grant, cancel an export`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      const { grant, job } = await seed();
      await page.goto(`${server.baseUrl}/auth/login?return_to=${encodeURIComponent('/admin/keys')}`);
      await page.getByLabel('Email').fill(GLOBAL_ADMIN.email);
      await page.getByLabel('Password').fill(GLOBAL_ADMIN.password);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/keys'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Signing keys');
      const keysBefore = await page.locator('tbody tr').count();
      await check(page, `console-keys-${colorScheme}-375`);

      const rotate = await tabTo(page, 'button.primary', 'Rotate keys');
      assert.ok(rotate.focusVisible);
      assert.notEqual(rotate.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/keys/rotate'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), 'Rotate the signing keys?');
      await check(page, `console-keys-rotate-confirm-${colorScheme}-375`);
      const confirm = await tabTo(page, 'button.danger', 'Rotate keys');
      assert.ok(confirm.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/keys' && url.search === '?done=rotated'), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').innerText(), /New signing keys are active/);
      assert.ok((await page.locator('tbody tr').count()) > keysBefore);
      await check(page, `console-keys-rotated-${colorScheme}-375`);

      await page.goto(`${server.baseUrl}/admin/sessions`);
      assert.equal(await page.locator('h1').innerText(), 'Sessions and grants');
      assert.ok((await page.locator('input[name=session]').count()) >= 2);
      await check(page, `console-sessions-${colorScheme}-375`);
      // Revoke the clerk's grant by keyboard: its button in the table, then the confirmation.
      const revoke = await tabTo(page, `form:has(input[name=grant][value="${grant}"]) button`);
      assert.ok(revoke.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/sessions/revoke'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), `Revoke grant ${grant}?`);
      await check(page, `console-grant-revoke-confirm-${colorScheme}-375`);
      await tabTo(page, 'button.danger', 'Revoke grant');
      await Promise.all([page.waitForURL((url) => url.search === '?done=revoked'), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').innerText(), /The grant is revoked/);
      assert.equal(await page.locator(`input[name=grant][value="${grant}"]`).count(), 0);
      await page.getByLabel('User (email or id)').fill('x'.repeat(300));
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Filter' }).click()]);
      assert.match(await page.locator('#user-error').innerText(), /At most 256 characters/);
      await check(page, `console-sessions-error-${colorScheme}-375`);

      await page.goto(`${server.baseUrl}/admin/exports`);
      assert.equal(await page.locator('h1').innerText(), 'Bulk exports');
      assert.equal(await page.locator(`input[name=job][value="${job}"]`).count(), 1);
      await check(page, `console-exports-${colorScheme}-375`);
      const cancel = await tabTo(page, `form:has(input[name=job][value="${job}"]) button`);
      assert.ok(cancel.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/exports/cancel'), page.keyboard.press('Enter')]);
      await check(page, `console-exports-cancel-confirm-${colorScheme}-375`);
      await tabTo(page, 'button.danger', 'Yes, cancel the export');
      await Promise.all([page.waitForURL((url) => url.search === '?done=cancelled'), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').innerText(), /The export is cancelled/);
      assert.equal(await page.locator(`input[name=job][value="${job}"]`).count(), 0);
      await check(page, `console-exports-cancelled-${colorScheme}-375`);
    });
  }
});
