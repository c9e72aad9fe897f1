import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { signIn } from './support/app-page.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { BACK_IN_THE_APP, assertAccessible, assertFitsWidth, startLoopbackServer, tabTo } from './support/page-checks.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
/** Registered without a port: the app listens on whatever port it gets (RFC 8252 §7.3). */
const REGISTERED_REDIRECT = 'http://127.0.0.1/callback';
const SCOPE = 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs offline_access';
const STATE = 'browser-state';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** Where the screenshots go: SCREENSHOT_DIR, else a directory under the system's temporary one. */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const patient = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-patient');

/** The app's loopback listener: answers any path with a plain page, so the browser lands somewhere. */
const startCallback = () => startLoopbackServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BACK_IN_THE_APP));

/**
 * The consent page as a user sees it, in headless Chromium at 375 px, light and dark: an app that registered
 * itself (RFC 7591) carries an "unverified" warning and the host the answer goes to; it is usable by keyboard
 * with a visible focus; nothing overflows the width. Screenshots of each are kept for a person to look at.
 */
describe('consent page of an unverified app in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let callback: Awaited<ReturnType<typeof startCallback>>;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let unverifiedId: string;

  before(async () => {
    assert.ok(patient);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    callback = await startCallback();
    const registered = await fetch(`${server.baseUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Health Records Helper',
        redirect_uris: [REGISTERED_REDIRECT],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        scope: SCOPE,
      }),
    });
    assert.equal(registered.status, 201, await registered.clone().text());
    unverifiedId = String(((await registered.json()) as { client_id: string }).client_id);
    const put = await fetch(`${server.baseUrl}/Client/reviewed-app`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceType: 'Client',
        name: 'Clinic Portal',
        type: 'smart-app',
        active: true,
        grant_types: ['authorization_code'],
        auth: { authorization_code: { redirect_uri: REGISTERED_REDIRECT, pkce: true, secret_required: false } },
      }),
    });
    assert.ok(put.status === 200 || put.status === 201, await put.text());
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await callback?.close();
    await server?.stop();
  });

  const redirectUri = () => `http://127.0.0.1:${callback.port}/callback`;
  const authorizeUrl = (clientId: string) =>
    `${server.baseUrl}/auth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri(),
      scope: SCOPE,
      state: STATE,
      aud: server.fhirBase,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    }).toString()}`;

  /** A fresh profile at phone width in one color scheme, signed in, on the consent page of `clientId`. */
  const consentPage = async (clientId: string, colorScheme: 'light' | 'dark'): Promise<Page> => {
    assert.ok(patient);
    await context?.close();
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(authorizeUrl(clientId));
    await signIn(page, patient.email, patient.password);
    await page.locator('button[name=decision][value=allow]').waitFor();
    return page;
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: the warning and the host show, nothing overflows, the keyboard reaches the answer with a visible focus`, async () => {
      const page = await consentPage(unverifiedId, colorScheme);
      const warning = page.locator('p.warning');
      assert.ok(await warning.isVisible());
      const text = await warning.innerText();
      assert.match(text, /^Unverified app\. “Health Records Helper” registered itself with this server, and no administrator has checked who made it\./);
      assert.match(text, new RegExp(`expected to be sent to 127\\.0\\.0\\.1:${callback.port}\\.$`));
      assert.equal(await page.locator('p.destination strong').innerText(), `127.0.0.1:${callback.port}`);
      // The page follows the scheme: the text is dark on light, light on dark.
      const textColor = await page.evaluate('getComputedStyle(document.body).color');
      assert.equal(textColor, colorScheme === 'dark' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
      const border = await page.evaluate("getComputedStyle(document.querySelector('p.warning')).borderLeftColor");
      assert.equal(border, 'rgb(197, 34, 31)');
      await assertFitsWidth(page);

      const button = colorScheme === 'light' ? 'deny' : 'allow';
      const focus = await tabTo(page, `button[name=decision][value=${button}]`);
      assert.ok(focus.focusVisible, 'the keyboard focus is :focus-visible');
      assert.notEqual(focus.outlineStyle, 'none');
      assert.notEqual(focus.outlineWidth, '0px');
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `consent-unverified-${colorScheme}-375.png`), fullPage: true });

      await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri())), page.keyboard.press('Enter')]);
      const back = new URL(page.url()).searchParams;
      assert.equal(back.get('state'), STATE);
      assert.equal(back.get('iss'), server.baseUrl);
      if (button === 'deny') {
        assert.equal(back.get('error'), 'access_denied');
        assert.equal(back.get('code'), null);
      } else {
        assert.ok(back.get('code'));
        assert.equal(back.get('error'), null);
      }
    });
  }

  it('an administrator’s client: the host, and no warning', async () => {
    const page = await consentPage('reviewed-app', 'light');
    assert.equal(await page.locator('p.warning').count(), 0);
    assert.equal(await page.locator('p.destination strong').count(), 1);
    assert.equal(await page.locator('p.destination strong').innerText(), `127.0.0.1:${callback.port}`);
    await assertFitsWidth(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'consent-reviewed-light-375.png'), fullPage: true });
  });
});
