import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { drivers } from '../support/portico.ts';
import { tabTo, checkPage, SCREENSHOT_DIR } from './support/page-checks.ts';

const ADMIN = { email: 'audit-admin@example.org', password: 'an audit admin password' };

/**
 * The console's audit log in Chromium, light and dark, at 375 px and wide: the log filtered by keyboard (outcome
 * and type chosen by typing in their lists), an event opened from the table with its refusal reason, a refused
 * filter's page, "Verify chain", and the dashboard's lists of refused requests; axe-core clean, nothing wider than
 * the screen, the focus drawn.
 */
for (const driver of drivers) describe(`the console's audit log in Chromium (${driver})`, { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico({}, driver);
    const res = await server.portico.app.inject({
      method: 'PUT',
      url: '/User/browser-audit-admin',
      headers: { authorization: `Basic ${Buffer.from('root:secret').toString('base64')}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ resourceType: 'User', ...ADMIN, name: 'Ada Admin', roles: ['admin'] }),
    });
    assert.equal(res.statusCode, 201, res.body);
    // A FHIR request refused over the network: no credentials.
    const refused = await fetch(`${server.fhirBase}/Patient/somebody`, { headers: { accept: 'application/fhir+json' } });
    assert.equal(refused.status, 401);
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const check = checkPage;
  const focused = async (page: Page, selector: string, text?: string) => {
    const focus = await tabTo(page, selector, text);
    assert.ok(focus.focusVisible, `${selector} ${text ?? ''}`);
    assert.notEqual(focus.outlineStyle, 'none', `${selector} ${text ?? ''}`);
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 1280]) {
      it(`${colorScheme}, ${width} px: filter the log by keyboard, open a refused request's detail, verify the chains`, async () => {
        await context?.close();
        context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        context.setDefaultTimeout(60_000);
        const page = await context.newPage();
        await page.goto(`${server.baseUrl}/admin/audit`);
        await page.getByLabel('Email').fill(ADMIN.email);
        await page.getByLabel('Password').fill(ADMIN.password);
        await Promise.all([page.waitForURL((url) => url.pathname === '/admin/audit'), page.getByRole('button', { name: 'Sign in' }).click()]);
        assert.equal(await page.locator('h1').innerText(), 'Audit log');
        await check(page, `console-audit-${driver}-${colorScheme}-${width}`);

        // The outcome and the type chosen from their lists by typing, the filter sent with Enter.
        await focused(page, '#outcome');
        await page.keyboard.type('Minor');
        await focused(page, '#type');
        await page.keyboard.type('FHIR');
        await focused(page, 'button[type=submit]', 'Filter');
        await Promise.all([page.waitForURL((url) => url.searchParams.get('outcome') === 'minor' && url.searchParams.get('type') === 'rest'), page.keyboard.press('Enter')]);
        const outcomes = await page.locator('tbody .outcome').allInnerTexts();
        assert.ok(outcomes.length >= 1);
        assert.ok(outcomes.every((o) => o === 'Minor failure'), outcomes.join(', '));
        await check(page, `console-audit-filtered-${driver}-${colorScheme}-${width}`);

        // The newest refused request's detail, by keyboard: its reason, agents, entities, the JSON.
        await focused(page, '.table-wrap');
        await focused(page, '.table-wrap a');
        await Promise.all([page.waitForURL((url) => /^\/admin\/audit\/[^/]+$/.test(url.pathname)), page.keyboard.press('Enter')]);
        assert.equal(await page.locator('h1').innerText(), 'Audit event');
        assert.match(await page.locator('.audit-reason').innerText(), /^401: /);
        await focused(page, 'pre.json');
        await check(page, `console-audit-event-${driver}-${colorScheme}-${width}`);

        // A filter it cannot read: the problem at its field.
        await page.goto(`${server.baseUrl}/admin/audit?from=2026-13-45T10:00`);
        assert.match(await page.locator('#from-error').innerText(), /a date and time/);
        await check(page, `console-audit-error-${driver}-${colorScheme}-${width}`);

        // (A short list, so that the Tab key reaches the form below it within the helper's tabs.)
        await page.goto(`${server.baseUrl}/admin/audit?outcome=major`);
        await focused(page, 'button', 'Verify chain');
        await Promise.all([page.waitForURL((url) => url.pathname === '/admin/audit/verify'), page.keyboard.press('Enter')]);
        assert.match(await page.locator('[role=status]').innerText(), /^Audit trail intact: \d+ events in \d+ chains? verified/);
        await check(page, `console-audit-verify-${driver}-${colorScheme}-${width}`);

        // The dashboard lists the refused request, linking to it.
        await page.goto(`${server.baseUrl}/admin`);
        assert.ok((await page.locator('section[aria-labelledby=refused-heading] tbody tr').count()) >= 1);
        await focused(page, 'section[aria-labelledby=refused-heading] .table-wrap a');
        await check(page, `console-dashboard-lists-${driver}-${colorScheme}-${width}`);
      });
    }
  }

  it('light and dark, 375 px: "Verify chain" names the first broken link once a row is tampered with in SQL', async () => {
    await server.portico.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{outcomeDesc}', '"nothing to see"') WHERE resource->>'outcome' = '4'`);
    for (const colorScheme of ['light', 'dark'] as const) {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 800 }, colorScheme });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/admin/audit?outcome=major`);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/audit'), page.getByRole('button', { name: 'Sign in' }).click()]);
      await focused(page, 'button', 'Verify chain');
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin/audit/verify'), page.keyboard.press('Enter')]);
      assert.match(await page.locator('[role=alert]').innerText(), /^Audit trail broken: chain \S+ seq \d+: hash mismatch/);
      await check(page, `console-audit-broken-${driver}-${colorScheme}-375`);
    }
  });
});
