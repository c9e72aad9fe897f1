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
 * The console's access policies in Chromium at 375 px, light and dark: the list, the tester driven by the keyboard
 * (its answer and decision chain), the editor showing a syntax error at its line; axe-core on each page.
 */
for (const driver of drivers) describe(`the console's access policies in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico(consoleEnv('sandbox'), driver);
    const app = server.portico.app;
    await rootPut(app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    await rootPut(app, '/Client/ward-app', { secret: 'ward-app-secret', grant_types: ['client_credentials'], scope: ['system/Patient.rs', 'system/Observation.rs'] });
    await rootPut(app, '/AccessPolicy/ward-reads', {
      engine: 'matcho',
      description: 'The ward app reads patients',
      link: [{ resourceType: 'Client', id: 'ward-app' }],
      matcho: { operation: { id: { $enum: ['fhir.read', 'fhir.search-type'] } }, resourceType: 'Patient' },
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
    it(`${colorScheme}: list, test a request by keyboard, see a syntax error at its line`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/auth/login?return_to=${encodeURIComponent('/admin/policies')}`);
      await page.getByLabel('Email').fill(GLOBAL_ADMIN.email);
      await page.getByLabel('Password').fill(GLOBAL_ADMIN.password);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/policies'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Access policies');
      await check(page, `console-policies-${colorScheme}-375`);

      // The tester, by keyboard only: its link, each field reached with Tab (focus drawn), Enter to ask.
      const link = await tabTo(page, 'a', 'Test a request');
      assert.ok(link.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/policies/test'), page.keyboard.press('Enter')]);
      const client = await tabTo(page, '#client');
      assert.ok(client.focusVisible);
      assert.notEqual(client.outlineStyle, 'none');
      await page.keyboard.type('ward-app');
      await tabTo(page, '#scope');
      await page.keyboard.type('system/Patient.rs');
      await tabTo(page, '#url');
      await page.keyboard.type('/Observation?patient=pa');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      assert.equal(await page.locator('#answer-heading .outcome').innerText(), 'deny');
      const chain = await page.locator('ol.decision-chain li').allInnerTexts();
      assert.match(chain[0] ?? '', /Scope missing: no granted scope covers Observation/);
      await check(page, `console-policy-test-deny-${colorScheme}-375`);
      await page.locator('#scope').fill('');
      await page.locator('#url').fill('/Patient?name=Alpha');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Test' }).click()]);
      assert.equal(await page.locator('#answer-heading .outcome').innerText(), 'allow');
      const allowed = await page.locator('ol.decision-chain li').allInnerTexts();
      assert.ok(allowed.some((s) => /AccessPolicy\/ward-reads matches the request/.test(s)), allowed.join('\n'));
      await check(page, `console-policy-test-allow-${colorScheme}-375`);

      // The editor: a syntax error is named at its line, the line shown.
      await page.goto(`${server.baseUrl}/admin/policies/ward-reads`);
      await check(page, `console-policy-edit-${colorScheme}-375`);
      await page.locator('#policy').fill('engine: allow\nlink:\n  - resourceType: Client\n    id: [ward-app\n');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save policy' }).click()]);
      assert.match(await page.locator('#policy-problems').innerText(), /Line 5, column \d+: The body is not valid YAML/);
      await check(page, `console-policy-edit-error-${colorScheme}-375`);

      // Deleting asks first; Cancel leaves the policy as it was.
      await page.goto(`${server.baseUrl}/admin/policies/ward-reads`);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Delete this policy…' }).click()]);
      assert.equal(await page.locator('h1').innerText(), 'Delete AccessPolicy/ward-reads?');
      await check(page, `console-policy-delete-${colorScheme}-375`);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/policies/ward-reads'), page.getByRole('link', { name: 'Cancel' }).click()]);

      await page.goto(`${server.baseUrl}/admin/policies/new?format=json`);
      assert.equal(await page.locator('h1').innerText(), 'New access policy');
      await check(page, `console-policy-new-${colorScheme}-375`);
    });
  }
});
