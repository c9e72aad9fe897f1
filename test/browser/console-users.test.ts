import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consoleEnv, GLOBAL_ADMIN, rootBasic, rootPut } from '../http/console-support.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { drivers } from '../support/portico.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const INVITEE_PASSWORD = 'an invitee password';

/**
 * The console's Users in Chromium at 375 px, light and dark: an administrator adds a User by keyboard (a field
 * problem first), gets the invitation link once; the invitee opens it in another browser, chooses a password and
 * signs in; the administrator searches, links a practitioner, deactivates after a confirmation. axe-core on every
 * page, nothing wider than the screen.
 */
for (const driver of drivers) describe(`the admin console's Users in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('sandbox'), driver);
    await rootPut(server.portico.app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    const practitioner = await server.portico.app.inject({
      method: 'PUT',
      url: '/fhir/Practitioner/browser-pr-1',
      headers: { authorization: rootBasic, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'Practitioner', id: 'browser-pr-1', name: [{ family: 'Quimby', given: ['Quentin'] }] }),
    });
    assert.ok(practitioner.statusCode === 200 || practitioner.statusCode === 201, practitioner.body);
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;
  const newPage = async (colorScheme: 'light' | 'dark'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    context.setDefaultTimeout(60_000);
    contexts.push(context);
    return context.newPage();
  };
  const signIn = async (page: Page, email: string, password: string, returnTo: string) => {
    await page.goto(`${server.baseUrl}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL((url) => url.pathname === returnTo), page.getByRole('button', { name: 'Sign in' }).click()]);
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: invite a user by keyboard; they set a password through the link and sign in; search, link, deactivate`, async () => {
      const email = `invitee-${colorScheme}@example.org`;
      const page = await newPage(colorScheme);
      await signIn(page, GLOBAL_ADMIN.email, GLOBAL_ADMIN.password, '/admin/users');
      assert.equal(await page.locator('h1').innerText(), 'Users');
      await check(page, `console-users-${colorScheme}-375`);

      // By keyboard: the link to the form, its fields, a role ticked with Space, the focus visible all along.
      const toAdd = await tabTo(page, 'a', 'Add a user');
      assert.ok(toAdd.focusVisible);
      assert.notEqual(toAdd.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/users/new'), page.keyboard.press('Enter')]);
      await check(page, `console-user-new-${colorScheme}-375`);
      await tabTo(page, '#name');
      await page.keyboard.type('Ivy Invitee');
      await tabTo(page, '#email');
      await page.keyboard.type('not-an-email');
      const role = await tabTo(page, 'input[type=checkbox][value="developer"]');
      assert.ok(role.focusVisible);
      await page.keyboard.press('Space');
      await tabTo(page, 'button.primary');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      assert.match(await page.locator('#email-error').innerText(), /Must be an email address/);
      assert.ok(await page.locator('input[type=checkbox][value="developer"]').isChecked());
      await check(page, `console-user-new-error-${colorScheme}-375`);
      await page.getByLabel('Email').fill(email);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Add and get the invitation link' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Ivy Invitee');
      const link = await page.locator('#issued-link').inputValue();
      assert.match(link, new RegExp(`^${server.baseUrl}/auth/invitation/`));
      await check(page, `console-user-invited-${colorScheme}-375`);
      const fhirUserHref = await page.getByRole('link', { name: 'Link a patient or practitioner' }).getAttribute('href');
      const userPage = `${server.baseUrl}${String(fhirUserHref).replace(/\/fhir-user$/, '')}`;

      // The invitee, in a browser of their own.
      const invitee = await newPage(colorScheme);
      await invitee.goto(link);
      assert.equal(await invitee.locator('h1').innerText(), 'Choose your password');
      await check(invitee, `invitation-${colorScheme}-375`);
      await invitee.getByLabel('Password', { exact: true }).fill(INVITEE_PASSWORD);
      await invitee.getByLabel('Password again').fill(INVITEE_PASSWORD);
      await Promise.all([invitee.waitForURL((url) => url.pathname === '/auth/login'), invitee.getByRole('button', { name: 'Save password' }).click()]);
      await signIn(invitee, email, INVITEE_PASSWORD, '/auth/apps');
      assert.equal(new URL(invitee.url()).pathname, '/auth/apps');
      // The link was used: it opens no form any more.
      await invitee.goto(link);
      assert.equal(await invitee.locator('h1').innerText(), 'This link does not work');

      // The administrator sees the password set, finds the user, links a practitioner.
      await page.goto(userPage);
      assert.match(await page.locator('dl').innerText(), /Password\s+Set/);
      await check(page, `console-user-${colorScheme}-375`);
      await page.goto(`${server.baseUrl}/admin/users?q=${encodeURIComponent(email)}`);
      assert.match(await page.locator('.pager').innerText(), /1–1 of 1/);
      await page.goto(`${userPage}/fhir-user?q=Quim&kind=Practitioner`);
      await check(page, `console-user-fhir-user-${colorScheme}-375`);
      const pick = await tabTo(page, 'table button');
      assert.ok(pick.focusVisible);
      await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'linked'), page.keyboard.press('Enter')]);
      assert.match(await page.locator('dl').innerText(), /Practitioner\/browser-pr-1/);

      // Deactivating asks first.
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Deactivate…' }).click()]);
      assert.match(await page.locator('h1').innerText(), /^Deactivate Ivy Invitee\?/);
      await check(page, `console-user-deactivate-${colorScheme}-375`);
      await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'deactivated'), page.getByRole('button', { name: 'Deactivate', exact: true }).click()]);
      assert.match(await page.locator('dl').innerText(), /Deactivated/);
      // Their session ended with it.
      await invitee.goto(`${server.baseUrl}/auth/apps`);
      assert.equal(new URL(invitee.url()).pathname, '/auth/login');
    });
  }
});
