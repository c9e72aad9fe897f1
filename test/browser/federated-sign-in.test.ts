import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { allow } from './support/app-page.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { BACK_IN_THE_APP, checkPage, startLoopbackServer, tabTo } from './support/page-checks.ts';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const TENANT = 'hospital';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const SCOPE = 'openid fhirUser user/Patient.rs';
const UPSTREAM_SECRET = 'upstream-registration-secret-0123456789';
const SSO = 'hospital-sso';
const DIRECTORY = 'hospital-directory';
/** Signs in at the upstream with a staff_id of this tenant's Practitioner, but no User here is linked to it. */
const UNLINKED = 'locum-unlinked';
const ACCOUNTS = {
  'dr-grey': { email: 'meredith.grey@hospital.example', email_verified: true, given_name: 'Meredith', family_name: 'Grey', staff_id: '1234567893', groups: ['clinicians', 'portico-admins'] },
  [UNLINKED]: { email: 'locum@agency.example', email_verified: true, name: 'Locum Unlinked', staff_id: '1234567893', groups: ['clinicians'] },
};
const SCHEMES = ['light', 'dark'] as const;

const mapping = (provisioning: 'jit' | 'existing-only') => ({
  user_claim: 'sub',
  fhirUser: { type: 'identifier', claim: 'staff_id', system: NPI, resourceType: 'Practitioner' },
  roles: { claim: 'groups', values: { 'portico-admins': 'admin' } },
  provisioning,
});

/**
 * Sign-in through a tenant's identity provider in headless Chromium at 375 px: Portico's sign-in page offers "Sign in
 * with Hospital SSO", reached and followed by keyboard; the upstream (node-oidc-provider, its own login and consent
 * pages) signs the clinician in; Portico's consent page follows and the app gets a code whose id_token names the
 * Practitioner found by identifier. A refusal (an existing-only provider, an account nobody linked) is a page that names
 * nothing secret and leads back to sign-in; with password sign-in turned off only the providers are offered. Every
 * Portico page passes axe-core, fits the width, in light and dark; screenshots are kept.
 */
describe('federated sign-in in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let upstream: UpstreamOidc;
  let appServer: Awaited<ReturnType<typeof startLoopbackServer>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tenantBase = () => `${server.baseUrl}/t/${TENANT}`;
  const callback = (id: string) => `${tenantBase()}/auth/federation/${id}/callback`;
  const redirectUri = () => `http://127.0.0.1:${appServer.port}/callback`;

  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': path.includes('/fhir/') ? 'application/fhir+json' : 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.status === 200 || res.status === 201, `PUT ${path}: ${res.status} ${await res.text()}`);
  };

  before(async () => {
    server = await startListeningPortico();
    appServer = await startLoopbackServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BACK_IN_THE_APP));
    upstream = await startUpstreamOidc({
      clients: [{ client_id: 'portico', client_secret: UPSTREAM_SECRET, redirect_uris: [callback(SSO), callback(DIRECTORY)] }],
      accounts: ACCOUNTS,
    });
    await put(`/Tenant/${TENANT}`, { name: 'General Hospital' });
    await put(`/t/${TENANT}/fhir/Practitioner/prac-grey`, { resourceType: 'Practitioner', id: 'prac-grey', identifier: [{ system: NPI, value: '1234567893' }], name: [{ family: 'Grey', given: ['Meredith'] }] });
    const provider = (title: string, provisioning: 'jit' | 'existing-only') => ({
      title,
      issuer: upstream.issuer,
      client_id: 'portico',
      client_secret: UPSTREAM_SECRET,
      scopes: ['openid', 'email', 'profile', 'staff', 'groups'],
      meta: { _tenant: TENANT },
      mapping: mapping(provisioning),
    });
    await put(`/IdentityProvider/${SSO}`, provider('Hospital SSO', 'jit'));
    await put(`/IdentityProvider/${DIRECTORY}`, provider('Hospital staff directory', 'existing-only'));
    await put('/Client/ward-rounds', {
      name: 'Ward rounds',
      type: 'smart-app',
      grant_types: ['authorization_code'],
      scope: SCOPE.split(' '),
      auth: { authorization_code: { redirect_uri: redirectUri(), secret_required: false, pkce: true } },
      meta: { _tenant: TENANT },
    });
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await appServer?.close();
    await upstream?.close();
    await server?.stop();
  });

  /** A fresh browser profile (no Portico or upstream session) at 375 px. */
  const newPage = async (colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    context.setDefaultTimeout(60_000);
    contexts.push(context);
    return context.newPage();
  };

  /** The app's standalone launch: an authorization request (PKCE S256) at the tenant, and its verifier. */
  const authorization = () => {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'ward-rounds',
      redirect_uri: redirectUri(),
      scope: SCOPE,
      state: randomBytes(8).toString('hex'),
      aud: `${tenantBase()}/fhir`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return { url: `${tenantBase()}/auth/authorize?${query}`, verifier };
  };

  /** The page as it is, checked (width, axe-core, screenshot) in light and then dark, left in `end`. */
  const checkInBothSchemes = async (page: Page, name: string, end: 'light' | 'dark' = 'light') => {
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      await checkPage(page, `${name}-${colorScheme}-375`);
    }
    await page.emulateMedia({ colorScheme: end });
  };

  const providerButtons = async (page: Page) => (await page.locator('ul.sign-in-providers a.button-link').allInnerTexts()).sort();

  /**
   * On Portico's sign-in page: "Sign in with {title}" reached by Tab, its focus drawn (and kept as a screenshot when
   * `focusShot` names one), followed with Enter.
   */
  const followProviderByKeyboard = async (page: Page, title: string, focusShot?: string) => {
    const focus = await tabTo(page, 'a.button-link', `Sign in with ${title}`);
    assert.ok(focus.focusVisible, 'the keyboard focus is :focus-visible');
    assert.notEqual(focus.outlineStyle, 'none', 'the focus is drawn');
    assert.notEqual(focus.outlineWidth, '0px', 'the focus is drawn');
    if (focusShot) await checkPage(page, focusShot);
    await Promise.all([page.waitForURL((url) => url.origin === upstream.issuer && url.pathname.startsWith('/interaction/')), page.keyboard.press('Enter')]);
  };

  /** The upstream's own pages: its login (any password), then its consent; back at Portico's tenant. */
  const signInAtUpstream = async (page: Page, login: string) => {
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any-password');
    await Promise.all([page.waitForURL((url) => url.origin === upstream.issuer && url.pathname.startsWith('/interaction/')), page.locator('button[type=submit]').click()]);
    await page.locator('input[name=prompt][value=consent]').waitFor({ state: 'attached' });
    await Promise.all([page.waitForURL((url) => url.origin === server.baseUrl), page.locator('button[type=submit]').click()]);
  };

  for (const colorScheme of SCHEMES) {
    it(`${colorScheme}: launches standalone through Hospital SSO by keyboard, consents at Portico and gets the Practitioner as fhirUser`, async () => {
      const page = await newPage(colorScheme);
      const request = authorization();
      await page.goto(request.url);
      await page.waitForURL((url) => url.pathname === `/t/${TENANT}/auth/login`);
      assert.deepEqual(await providerButtons(page), ['Sign in with Hospital SSO', 'Sign in with Hospital staff directory'].sort());
      assert.equal(await page.locator('input[name=password]').count(), 1, 'password sign-in stays on by default');
      await checkInBothSchemes(page, 'federation-sign-in', colorScheme);

      await followProviderByKeyboard(page, 'Hospital SSO', `federation-sign-in-focus-${colorScheme}-375`);
      await signInAtUpstream(page, 'dr-grey');

      // Back through Portico's callback to the authorization request: its consent page.
      await page.locator('button[name=decision][value=allow]').waitFor();
      assert.equal(new URL(page.url()).pathname, `/t/${TENANT}/auth/authorize`);
      assert.match(await page.locator('main').innerText(), /Ward rounds/);
      await checkPage(page, `federation-consent-${colorScheme}-375`);
      await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri())), allow(page)]);

      const answer = new URL(page.url()).searchParams;
      assert.equal(answer.get('iss'), tenantBase(), 'RFC 9207 iss is the tenant issuer');
      const code = answer.get('code');
      assert.ok(code, page.url());
      const token = await fetch(`${tenantBase()}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: request.verifier, redirect_uri: redirectUri(), client_id: 'ward-rounds' }),
      });
      const tokens = (await token.json()) as Record<string, unknown>;
      assert.equal(token.status, 200, JSON.stringify(tokens));
      const idToken = decodeJwt(String(tokens.id_token));
      assert.ok(String(idToken.fhirUser).endsWith(`/t/${TENANT}/fhir/Practitioner/prac-grey`), String(idToken.fhirUser));
      assert.equal(idToken.iss, tenantBase());
    });
  }

  it('shows "No access" for an account nobody linked (existing-only): nothing secret named, back to sign-in by keyboard', async () => {
    const page = await newPage();
    await page.goto(authorization().url);
    await page.waitForURL((url) => url.pathname === `/t/${TENANT}/auth/login`);
    await followProviderByKeyboard(page, 'Hospital staff directory');
    await signInAtUpstream(page, UNLINKED);

    await page.locator('h1', { hasText: 'No access' }).waitFor();
    const at = new URL(page.url());
    assert.equal(at.pathname, `/t/${TENANT}/auth/federation/${DIRECTORY}/callback`);
    const text = await page.locator('main').innerText();
    assert.match(text, /You have no account here yet\. Ask an administrator to link your account\./);
    const html = await page.content();
    const secrets = [UPSTREAM_SECRET, upstream.issuer, new URL(upstream.issuer).host, UNLINKED, ACCOUNTS[UNLINKED].email, '1234567893', 'existing-only', 'provisioning', at.searchParams.get('code'), at.searchParams.get('state')];
    for (const secret of secrets) {
      assert.ok(secret, 'the callback carried code and state');
      assert.ok(!html.includes(secret), `the refusal page shows ${secret}`);
    }
    assert.doesNotMatch(html, /at \w+ \(|Error:/, 'no stack trace');
    await checkInBothSchemes(page, 'federation-no-access');

    const focus = await tabTo(page, 'a', 'Back to sign-in');
    assert.ok(focus.focusVisible);
    assert.notEqual(focus.outlineStyle, 'none');
    await Promise.all([page.waitForURL((url) => url.pathname === `/t/${TENANT}/auth/login`), page.keyboard.press('Enter')]);
    assert.match(new URL(page.url()).searchParams.get('return_to') ?? '', /^\/t\/hospital\/auth\/authorize\?/, 'the sign-in resumes the authorization request');
    assert.deepEqual(await providerButtons(page), ['Sign in with Hospital SSO', 'Sign in with Hospital staff directory'].sort());
  });

  it('offers only the providers when the tenant turns password sign-in off', async () => {
    await put(`/Tenant/${TENANT}`, { name: 'General Hospital', password_login: false });
    try {
      const page = await newPage();
      await page.goto(authorization().url);
      await page.waitForURL((url) => url.pathname === `/t/${TENANT}/auth/login`);
      assert.deepEqual(await providerButtons(page), ['Sign in with Hospital SSO', 'Sign in with Hospital staff directory'].sort());
      assert.equal(await page.locator('input[name=password]').count(), 0, 'no password field');
      assert.equal(await page.locator('main form').count(), 0, 'no sign-in form at all');
      assert.equal(await page.locator('ul.sign-in-providers a.button-link.primary').count(), 2, 'the providers are the primary action');
      assert.doesNotMatch(await page.locator('main').innerText(), /email and password/);
      await checkInBothSchemes(page, 'federation-sign-in-providers-only');
      const focus = await tabTo(page, 'a.button-link', 'Sign in with Hospital SSO');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
    } finally {
      await put(`/Tenant/${TENANT}`, { name: 'General Hospital', password_login: true });
    }
  });
});
