import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { consoleEnv, GLOBAL_ADMIN, rootPut } from '../http/console-support.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { drivers } from '../support/portico.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const SECRET = 'a-browser-typed-upstream-secret';

/**
 * The console's identity providers in Chromium at 375 px, light and dark: the list (its redirect URI copied by
 * keyboard), a provider created with the editor by keyboard only, a validation problem at its line, the delete
 * confirmation, a User's linked accounts; axe-core on each page, and the secret never on one.
 */
for (const driver of drivers) describe(`the console's identity providers in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('sandbox'), driver);
    const app = server.portico.app;
    await rootPut(app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    await rootPut(app, '/Tenant/north', { resourceType: 'Tenant', name: 'North Clinic', active: true });
    await rootPut(app, '/IdentityProvider/north-hospital-sso', {
      title: 'North Hospital SSO',
      issuer: 'https://login.north-hospital.example.org/realms/staff',
      client_id: 'portico',
      client_secret: 'a-stored-upstream-secret',
      mapping: { provisioning: 'jit' },
      meta: { _tenant: 'north' },
    });
    await rootPut(app, '/User/linked-nurse', { resourceType: 'User', email: 'nurse@example.org', name: 'Nia Nurse', identities: [{ issuer: 'https://login.north-hospital.example.org/realms/staff', subject: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6' }] });
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: the list, a provider created and refused by keyboard, deletion asked first`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
      const page = await context.newPage();
      const ids = `${colorScheme}-staff`;
      await page.goto(`${server.baseUrl}/auth/login?return_to=${encodeURIComponent('/admin/identity-providers')}`);
      await page.getByLabel('Email').fill(GLOBAL_ADMIN.email);
      await page.getByLabel('Password').fill(GLOBAL_ADMIN.password);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/identity-providers'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Identity providers');
      assert.equal(await page.locator('.console-nav a[aria-current=page]').innerText(), 'Identity providers');
      await check(page, `console-identity-providers-${colorScheme}-375`);
      // The whole table at a desktop's width, then back to the phone's.
      await page.setViewportSize({ width: 1280, height: 800 });
      await check(page, `console-identity-providers-${colorScheme}-1280`);
      await page.setViewportSize({ width: 375, height: 812 });

      // The redirect URI is copied by keyboard: the table's region, then its copy button.
      await tabTo(page, '.table-wrap');
      const copy = await tabTo(page, 'button.copy-button');
      assert.ok(copy.focusVisible);
      await page.keyboard.press('Enter');
      await page.waitForSelector('button.copy-button[data-copied=true]');
      const copied = (await page.evaluate("document.querySelector(document.activeElement.getAttribute('data-copy')).textContent")) as string;
      assert.match(copied, new RegExp(`^${server.baseUrl}/t/north/auth/federation/[a-z-]+/callback$`));
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), copied);

      // A new provider by keyboard only: the link, the id, the text (replaced), the secret, Enter.
      const link = await tabTo(page, 'a', 'New identity provider');
      assert.ok(link.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/identity-providers/new'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('h1').innerText(), 'New identity provider');
      await check(page, `console-identity-provider-new-${colorScheme}-375`);
      const id = await tabTo(page, '#id');
      assert.ok(id.focusVisible);
      assert.notEqual(id.outlineStyle, 'none');
      await page.keyboard.type(ids);
      const text = await tabTo(page, '#provider');
      assert.ok(text.focusVisible);
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('title: Staff directory\nissuer: http://login.example.org\nclient_id: portico-staff\nmeta:\n  _tenant: north\n');
      await tabTo(page, '#client_secret');
      await page.keyboard.type(SECRET);
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      // Refused at the issuer's line; the secret is asked again, never shown.
      assert.match(await page.locator('#provider-problems').innerText(), /Line 2: IdentityProvider\.issuer: must be an https URL/);
      assert.match(await page.locator('#client_secret-error').innerText(), /enter the client secret again/);
      assert.equal(await page.locator('#client_secret').inputValue(), '');
      assert.ok(!(await page.content()).includes(SECRET));
      await check(page, `console-identity-provider-error-${colorScheme}-375`);
      // Mended by keyboard: the problem's link leads to the text.
      await tabTo(page, '#provider-problems a');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement.id'), 'provider');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('title: Staff directory\nissuer: https://login.example.org\nclient_id: portico-staff\nmeta:\n  _tenant: north\n');
      await tabTo(page, '#client_secret');
      await page.keyboard.type(SECRET);
      await Promise.all([page.waitForURL((url) => url.pathname === `/admin/identity-providers/${ids}`), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('p.success').innerText(), 'Saved.');
      assert.equal(await page.locator('#redirect-uri').inputValue(), `${server.baseUrl}/t/north/auth/federation/${ids}/callback`);
      assert.ok(!(await page.content()).includes(SECRET));
      await check(page, `console-identity-provider-edit-${colorScheme}-375`);

      // Deleting asks first; Cancel leaves it as it was.
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Delete this identity provider…' }).click()]);
      assert.equal(await page.locator('h1').innerText(), `Delete IdentityProvider/${ids}?`);
      await check(page, `console-identity-provider-delete-${colorScheme}-375`);
      await Promise.all([page.waitForURL((url) => url.pathname === `/admin/identity-providers/${ids}`), page.getByRole('link', { name: 'Cancel' }).click()]);

      // A User's linked accounts, read-only.
      await page.goto(`${server.baseUrl}/admin/users/linked-nurse`);
      assert.match(await page.locator('ul.identity-list').innerText(), /Subject f81d4fae-7dec-11d0-a765-00a0c91e6bf6 at https:\/\/login\.north-hospital\.example\.org\/realms\/staff/);
      await check(page, `console-user-identities-${colorScheme}-375`);
    });
  }

  const check = checkPage;
});
