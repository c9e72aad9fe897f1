import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { signIn } from './support/app-page.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible, assertFitsWidth, tabTo } from './support/page-checks.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const patient = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-patient');

/**
 * "Your apps" in Chromium at 375 px, light and dark: one card per app, the keyboard reaches a Revoke button with a
 * visible focus, Enter revokes it and the page confirms which app lost its access.
 */
describe('the authorized-apps page in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  /** An authorization of the patient for `clientId`, as the sandbox's debug endpoint makes one. */
  const mint = async (clientId: string) => {
    const res = await fetch(`${server.baseUrl}/oauth/debug/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, scope: 'patient/Patient.rs patient/Observation.rs', user_name: patient?.email }),
    });
    assert.equal(res.status, 200, await res.text());
  };

  before(async () => {
    assert.ok(patient);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    const put = await fetch(`${server.baseUrl}/fhir/Patient/test-pt-1`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'test-pt-1', name: [{ family: 'Shaw', given: ['Amy'] }] }),
    });
    assert.ok(put.status === 200 || put.status === 201, await put.text());
    for (const [id, name] of [['diary-app', 'Symptom Diary'], ['steps-app', 'Step Counter']]) {
      const res = await fetch(`${server.baseUrl}/Client/${id}`, {
        method: 'PUT',
        headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
        body: JSON.stringify({ name, type: 'smart-app', grant_types: ['authorization_code'], auth: { authorization_code: { redirect_uri: 'http://127.0.0.1/cb', pkce: true, secret_required: false } } }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: cards per app; the keyboard revokes one and the page confirms it`, async () => {
      assert.ok(patient);
      await mint('diary-app');
      await mint('diary-app');
      await mint('steps-app');
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/auth/apps`);
      await signIn(page, patient.email, patient.password);
      await page.waitForURL((url) => url.pathname === '/auth/apps');
      assert.equal(await page.locator('section.card.app').count(), 2);
      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `authorized-apps-${colorScheme}-375.png`), fullPage: true });

      const revoke = page.getByRole('button', { name: /^Revoke access of Step Counter/ });
      assert.equal(await revoke.count(), 1);
      const focus = await tabTo(page, 'section.card.app button', 'Revoke access of Step Counter');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.searchParams.has('revoked')), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').innerText(), /^Access of Step Counter revoked/);
      assert.equal(await page.locator('section.card.app h2', { hasText: 'Step Counter' }).count(), 0);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `authorized-apps-revoked-${colorScheme}-375.png`), fullPage: true });
    });
  }
});
