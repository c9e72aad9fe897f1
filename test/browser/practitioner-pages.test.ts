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
import { assertAccessible, assertFitsWidth, BACK_IN_THE_APP, startLoopbackServer, tabTo } from './support/page-checks.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const SCOPE = 'launch/patient launch/encounter openid fhirUser patient/Patient.rs patient/Encounter.rs';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="8" fill="#2e7d32"/></svg>';
const practitioner = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-practitioner');

/**
 * A practitioner's standalone launch in Chromium at 375 px, light and dark: the sign-in page names the app, the
 * patient is chosen by keyboard on the picker, consent names that patient and shows the app's logo, organisation,
 * policy and terms; then the sign-out page. Each page passes axe-core; screenshots are kept.
 */
describe("a practitioner's standalone launch pages in Chromium", { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let appServer: Awaited<ReturnType<typeof startLoopbackServer>>;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    assert.ok(practitioner);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    appServer = await startLoopbackServer((req, res) => {
      if (req.url === '/logo.svg') return void res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO_SVG);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BACK_IN_THE_APP);
    });
    const base = `http://127.0.0.1:${appServer.port}`;
    const put = async (url: string, body: unknown, type = 'application/json') => {
      const res = await fetch(`${server.baseUrl}${url}`, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': type }, body: JSON.stringify(body) });
      assert.ok(res.status === 200 || res.status === 201, `${url}: ${await res.text()}`);
    };
    await put('/Client/ward-app', {
      name: 'Ward Round',
      type: 'provider-facing-smart-app',
      grant_types: ['authorization_code'],
      auth: { authorization_code: { redirect_uri: 'http://127.0.0.1/callback', pkce: true, secret_required: false } },
      details: { 'logo-uri': `${base}/logo.svg`, 'org-name': 'Ward Tools Ltd', 'org-uri': `${base}/`, 'policy-uri': `${base}/privacy`, 'tos-uri': `${base}/terms` },
    });
    for (const [id, given, family] of [['pt-a', 'Ada', 'Lovelace'], ['pt-b', 'Grace', 'Hopper']]) {
      await put(`/fhir/Patient/${id}`, { resourceType: 'Patient', id, name: [{ given: [given], family }], birthDate: '1980-02-03' }, 'application/fhir+json');
    }
    await put(
      '/fhir/Encounter/enc-b',
      { resourceType: 'Encounter', id: 'enc-b', status: 'finished', class: { code: 'AMB' }, type: [{ text: 'Follow-up visit' }], subject: { reference: 'Patient/pt-b' }, period: { start: '2026-11-02T09:00:00Z' } },
      'application/fhir+json',
    );
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await appServer?.close();
    await server?.stop();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: sign-in names the app, the picker by keyboard, consent names the patient, then sign-out`, async () => {
      assert.ok(practitioner);
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `practitioner-${name}-${colorScheme}-375.png`), fullPage: true });
      await page.goto(
        `${server.baseUrl}/auth/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'ward-app',
          redirect_uri: `http://127.0.0.1:${appServer.port}/callback`,
          scope: SCOPE,
          state: 's',
          aud: server.fhirBase,
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
        }).toString()}`,
      );
      await page.waitForURL((url) => url.pathname === '/auth/login');
      assert.match(await page.locator('main').innerText(), /Sign in to continue to Ward Round/);
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('sign-in');
      await signIn(page, practitioner.email, practitioner.password);

      // The picker: search by keyboard, choose, continue.
      await page.locator('input[name=patient_search]').waitFor();
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('picker');
      await tabTo(page, 'input[name=patient_search]');
      await page.keyboard.type('Hopper');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      await page.locator('input[name=patient][value=pt-b]').waitFor();
      const radio = await tabTo(page, 'input[name=patient]');
      assert.ok(radio.focusVisible);
      await page.keyboard.press('Space');
      await tabTo(page, 'button[value=choose]');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);

      // The encounter picker: that patient's visits, chosen by keyboard.
      await page.locator('input[name=encounter]').first().waitFor();
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('encounter-picker');
      assert.match(await page.locator('main').innerText(), /2026-11-02 09:00 UTC · Follow-up visit/);
      const visit = await tabTo(page, 'input[name=encounter]');
      assert.ok(visit.focusVisible);
      await page.keyboard.press('Space');
      await tabTo(page, 'button[value=choose]');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);

      // Consent about that patient's record, with who the app says it is.
      await page.locator('button[name=decision][value=allow]').waitFor();
      assert.equal(await page.locator('h1').innerText(), 'Allow Ward Round to access this patient’s record?');
      assert.equal(await page.locator('p.patient').innerText(), 'Patient: Grace Hopper (pt-b)');
      // Scopes say whose record: the patient's, not the practitioner's.
      assert.match(await page.locator('main').innerText(), /Read this patient’s visits/);
      assert.ok(Number(await page.evaluate("document.querySelector('.app-identity img').decode().then(() => document.querySelector('.app-identity img').naturalWidth, () => 0)")) > 0, 'the logo loads');
      assert.equal(await page.getByRole('link', { name: 'Privacy policy of Ward Round' }).count(), 1);
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('consent');
      await tabTo(page, 'button[name=decision][value=allow]');
      await Promise.all([page.waitForURL((url) => url.port === String(appServer.port)), page.keyboard.press('Enter')]);
      assert.ok(new URL(page.url()).searchParams.get('code'));

      // A message page (an authorization request naming no known app: RFC 6749 §4.1.2.1, never redirected).
      await page.goto(`${server.baseUrl}/auth/authorize?response_type=code&client_id=no-such-app&redirect_uri=${encodeURIComponent('http://127.0.0.1/callback')}`);
      assert.match(await page.locator('h1').innerText(), /\S/);
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('message');

      await page.goto(`${server.baseUrl}/auth/logout`);
      await assertAccessible(page);
      await assertFitsWidth(page);
      await shot('sign-out');
    });
  }
});
