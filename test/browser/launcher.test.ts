import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible, assertFitsWidth, tabTo } from './support/page-checks.ts';
import { startStaticApp, type StaticApp } from './support/static-app.ts';

const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const CLIENT_ID = 'launcher-browser-app';
const PATIENT = 'banner-pt-1';
const ENCOUNTER = 'banner-enc-1';
const PRACTITIONER = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-practitioner')!;

/**
 * The EHR launcher in Chromium at 375 px, light and dark: the form by keyboard and pointer, the EHR frame with its
 * banner and the fhirclient test app inside it (consent on our own pages, in the frame), a simulated error reaching
 * the app as the FHIR API's real 401, and the token inspector on the app's own access token. axe-core on every page.
 */
describe('the EHR launcher in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let app: StaticApp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let lines: string[] = [];

  const put = async (url: string, body: unknown, type = 'application/json') => {
    const res = await fetch(`${server.baseUrl}${url}`, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': type }, body: JSON.stringify(body) });
    assert.ok(res.status === 200 || res.status === 201, await res.text());
  };

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    app = await startStaticApp({ clientId: CLIENT_ID, ehrScope: 'launch openid fhirUser patient/*.rs', standaloneScope: 'launch/patient openid fhirUser patient/*.rs' });
    // The app at 127.0.0.1 (another port: another origin, the same site). At `localhost` it would be a cross-site
    // frame, where Chromium denies the sessionStorage fhirclient keeps its state in (third-party storage): such an
    // app works through the frame page's "open in a new tab" link, which the HTTP tests check.
    const appAt = (url: string) => url.replace('//localhost:', '//127.0.0.1:');
    await put(`/Client/${CLIENT_ID}`, {
      resourceType: 'Client',
      name: 'Chart viewer',
      type: 'smart-app',
      active: true,
      grant_types: ['authorization_code', 'refresh_token'],
      auth: { authorization_code: { redirect_uri: appAt(app.redirectUri), pkce: true, refresh_token: true, secret_required: false } },
      smart: { launch_uri: appAt(app.launchUri) },
    });
    const fhirJson = 'application/fhir+json';
    await put(`/fhir/Patient/${PATIENT}`, { resourceType: 'Patient', id: PATIENT, name: [{ family: 'Bannerman', given: ['Beatrix'] }], birthDate: '1984-07-09', identifier: [{ system: 'urn:mrn', value: 'MRN-2024-77' }] }, fhirJson);
    await put(`/fhir/Encounter/${ENCOUNTER}`, { resourceType: 'Encounter', id: ENCOUNTER, status: 'finished', class: { code: 'AMB', display: 'ambulatory' }, subject: { reference: `Patient/${PATIENT}` }, period: { start: '2024-03-01T09:00:00Z' } }, fhirJson);
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  const newPage = async (colorScheme: 'light' | 'dark'): Promise<Page> => {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    lines = [];
    page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const checked = async (page: Page, name: string) => {
    await assertFitsWidth(page);
    await assertAccessible(page);
    await shot(page, name);
  };

  /** Fills the launcher as a user would: app, EHR provider launch, the practitioner, a searched patient, the encounter. */
  const fillLauncher = async (page: Page, sim?: string) => {
    await page.goto(`${server.baseUrl}/launcher`);
    await page.selectOption('#app', CLIENT_ID);
    await page.check('input[name=launch_type][value=ehr-provider]');
    await page.selectOption('#user', PRACTITIONER.id);
    await page.fill('#patient_q', 'Bannerman');
    // Enter in the search box searches (the form's first button), keeping every choice made.
    await Promise.all([page.waitForURL(/\/launcher$/), page.press('#patient_q', 'Enter')]);
    assert.equal(await page.inputValue('#app'), CLIENT_ID);
    await page.check(`input[name=patient][value=${PATIENT}]`);
    await Promise.all([page.waitForLoadState('load'), page.click('button[name=action][value=encounters]')]);
    await page.check(`input[name=encounter][value=${ENCOUNTER}]`);
    if (sim) await page.selectOption('#sim', sim);
    await Promise.all([page.waitForURL(/\/launcher\/launch$/), page.click('button[value=launch]')]);
  };

  /** Allows in the frame; once the app is back at its redirect page and done: what it shows, and its access token. */
  const appResult = async (page: Page): Promise<{ patientId: string; error: string; accessToken: string }> => {
    const frame = page.frameLocator('iframe.ehr-app');
    // The app's token response, as the app's code exchange receives it.
    const tokenResponse = page.waitForResponse((r) => r.url() === `${server.baseUrl}/auth/token` && r.request().method() === 'POST');
    await frame.locator('button[name=decision][value=allow]').click();
    const token = (await (await tokenResponse).json()) as { access_token?: string };
    await frame.locator('#done', { hasText: 'done' }).waitFor();
    return { patientId: await frame.locator('#patient-id').innerText(), error: await frame.locator('#error').innerText(), accessToken: String(token.access_token) };
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: the launcher form is labelled, reachable by keyboard with a visible focus, and fits 375 px`, async () => {
      const page = await newPage(colorScheme);
      await page.goto(`${server.baseUrl}/launcher?patient_q=Bannerman`);
      assert.equal(await page.locator('h1').innerText(), 'EHR launcher');
      await checked(page, `launcher-form-${colorScheme}-375`);
      const focus = await tabTo(page, '#app');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
      await tabTo(page, 'button[value=launch]');
    });
  }

  it('launch: the EHR frame shows the banner, consent happens in the frame, the app reads the patient; the inspector reads its token', async () => {
    const page = await newPage('light');
    await fillLauncher(page);
    const banner = await page.locator('.ehr-banner').innerText();
    for (const text of ['Beatrix Bannerman', '1984-07-09', 'MRN-2024-77', ENCOUNTER, PRACTITIONER.email]) assert.ok(banner.includes(text), `${text} not in ${banner}`);
    assert.equal(await page.locator('a', { hasText: 'Open Chart viewer in a new tab' }).count(), 1);
    assert.equal(await page.locator('iframe.ehr-app').getAttribute('title'), 'Chart viewer');
    await page.frameLocator('iframe.ehr-app').locator('button[name=decision][value=allow]').waitFor();
    await checked(page, 'launcher-frame-consent-light-375');

    const { patientId, error, accessToken } = await appResult(page);
    assert.equal(error, '', lines.join('\n'));
    assert.equal(patientId, PATIENT);
    await shot(page, 'launcher-frame-app-light-375');

    await page.goto(`${server.baseUrl}/launcher/inspect`);
    await page.fill('#token', accessToken);
    await Promise.all([page.waitForLoadState('load'), page.click('button.primary')]);
    assert.match(await page.locator('main').innerText(), /Verified with a key of this server/);
    assert.match(await page.locator('main').innerText(), /"active": true/);
    assert.match(await page.locator('main').innerText(), /"patient": "banner-pt-1"/);
    await checked(page, 'launcher-inspector-light-375');
  });

  it('dark: a simulated request_expired_token reaches the app as the FHIR API’s real 401; the inspector calls the token inactive', async () => {
    const page = await newPage('dark');
    await fillLauncher(page, 'request_expired_token');
    assert.match(await page.locator('.ehr-actions').innerText(), /Simulating request_expired_token/);
    await page.frameLocator('iframe.ehr-app').locator('button[name=decision][value=allow]').waitFor();
    await checked(page, 'launcher-frame-consent-dark-375');

    const { error, accessToken } = await appResult(page);
    assert.match(error, /401/, lines.join('\n'));
    await shot(page, 'launcher-frame-expired-dark-375');

    await page.goto(`${server.baseUrl}/launcher/inspect`);
    await page.fill('#token', accessToken);
    await Promise.all([page.waitForLoadState('load'), page.click('button.primary')]);
    assert.match(await page.locator('main').innerText(), /Not active/);
    await checked(page, 'launcher-inspector-dark-375');
  });
});
