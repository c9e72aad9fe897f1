import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { BACK_IN_THE_APP, assertAccessible, assertFitsWidth, startLoopbackServer, tabTo } from './support/page-checks.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REGISTERED_REDIRECT = 'http://127.0.0.1/callback';
const SCOPE = 'openid fhirUser launch/patient patient/Patient.rs';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const BRAND_COLOR = '#0b5394';
const USER = { email: 'pat@riverside.example', password: 'riverside-patient-password' };
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
/** A logo as the tenant's own web server would serve it. */
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" rx="6" fill="${BRAND_COLOR}"/><text x="60" y="26" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">Riverside</text></svg>`;

/** The tenant's logo host and the app's redirect target, on one loopback listener. */
const startAppServer = () =>
  startLoopbackServer((req, res) => {
    if (req.url === '/logo.svg') return void res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO_SVG);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BACK_IN_THE_APP);
  });

/**
 * A tenant's sign-in and consent pages as its users see them, in headless Chromium at 375 px, light and dark:
 * its name, logo (from its own origin, which the CSP names) and colour head each page; the forms stay at the
 * tenant; the keyboard reaches every control with a visible focus; nothing overflows. Screenshots are kept.
 */
describe("a tenant's branded pages in Chromium", { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  let browser: Browser;
  let context: BrowserContext | undefined;

  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.status === 200 || res.status === 201, `${path}: ${res.status} ${await res.text()}`);
  };

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    appServer = await startAppServer();
    await admin('/Tenant/riverside', { name: 'Riverside Community Health Centre', logo: `http://127.0.0.1:${appServer.port}/logo.svg`, color: BRAND_COLOR });
    await admin('/Client/riverside-app', {
      name: 'Riverside Companion',
      type: 'smart-app',
      grant_types: ['authorization_code'],
      scope: SCOPE.split(' '),
      auth: { authorization_code: { redirect_uri: REGISTERED_REDIRECT, pkce: true, secret_required: false } },
      meta: { _tenant: 'riverside' },
    });
    await admin('/User/riverside-pat', { ...USER, fhirUser: 'Patient/rp1', roles: ['patient'], meta: { _tenant: 'riverside' } });
    const patient = await fetch(`${server.baseUrl}/t/riverside/fhir/Patient/rp1`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'rp1', name: [{ family: 'Rivers', given: ['Pat'] }] }),
    });
    assert.equal(patient.status, 201, await patient.text());
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await appServer?.close();
    await server?.stop();
  });

  const redirectUri = () => `http://127.0.0.1:${appServer.port}/callback`;
  const authorizeUrl = () =>
    `${server.baseUrl}/t/riverside/auth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'riverside-app',
      redirect_uri: redirectUri(),
      scope: SCOPE,
      state: 'tenant-state',
      aud: `${server.baseUrl}/t/riverside/fhir`,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    }).toString()}`;

  /** The brand header as drawn: its name, whether the logo loaded, the colour of its stripe. */
  const assertBranded = async (page: Page) => {
    assert.equal(await page.locator('header.brand .brand-name').innerText(), 'Riverside Community Health Centre');
    const logoWidth = await page.evaluate("document.querySelector('header.brand img').decode().then(() => document.querySelector('header.brand img').naturalWidth, () => 0)");
    assert.ok(Number(logoWidth) > 0, 'the logo loads from its own origin (the CSP allows it)');
    const stripe = await page.evaluate("getComputedStyle(document.querySelector('header.brand')).borderBottomColor");
    assert.equal(stripe, 'rgb(11, 83, 148)');
    await assertFitsWidth(page);
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: signs in and allows by keyboard at the tenant, branded, at 375 px`, async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(authorizeUrl());
      await page.waitForURL((url) => url.pathname === '/t/riverside/auth/login');
      await assertBranded(page);
      const textColor = await page.evaluate('getComputedStyle(document.body).color');
      assert.equal(textColor, colorScheme === 'dark' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `tenant-sign-in-${colorScheme}-375.png`), fullPage: true });

      // By keyboard: the email field, the password, then the button.
      await tabTo(page, 'input[name=username]');
      await page.keyboard.type(USER.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(USER.password);
      const submitFocus = await tabTo(page, 'button[type=submit]');
      assert.ok(submitFocus.focusVisible);
      assert.notEqual(submitFocus.outlineStyle, 'none');
      await Promise.all([page.waitForURL((url) => url.pathname === '/t/riverside/auth/authorize'), page.keyboard.press('Enter')]);

      await page.locator('button[name=decision][value=allow]').waitFor();
      await assertBranded(page);
      assert.equal(await page.locator('form').first().getAttribute('action'), '/t/riverside/auth/authorize/decision');
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `tenant-consent-${colorScheme}-375.png`), fullPage: true });
      const allowFocus = await tabTo(page, 'button[name=decision][value=allow]');
      assert.ok(allowFocus.focusVisible);
      assert.notEqual(allowFocus.outlineWidth, '0px');
      await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri())), page.keyboard.press('Enter')]);
      const back = new URL(page.url()).searchParams;
      assert.equal(back.get('iss'), `${server.baseUrl}/t/riverside`);
      assert.ok(back.get('code'));
    });
  }
});
