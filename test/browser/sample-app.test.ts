import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SANDBOX_LOGINS } from '../../src/sandbox/auth/sandbox-users.ts';
import { allow, signIn } from './support/app-page.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible, assertFitsWidth, tabTo } from './support/page-checks.ts';

const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
// The second seeded patient: not the practitioner's or the patient user's default, so only the launch can name it.
const LAUNCHED_PATIENT = 'pt-00002';

type Resource = { resourceType: string; id: string; [key: string]: unknown };

const login = (role: 'patient' | 'practitioner') => {
  const found = SANDBOX_LOGINS.find((l) => l.id === `sandbox-${role}`);
  assert.ok(found);
  return found;
};

/**
 * The built-in sample app (/sample-app/, the fhirclient browser build) in headless Chromium against a listening
 * sandbox Portico: launched by an EHR launch (aidbox.smart/get-launch-uri), standalone, and as demo-public-app;
 * it shows the patient's banner, the granted scopes and the records the FHIR API holds for them, refreshes its
 * token and revokes it, after which its next request visibly fails. At 375 px in light and dark, through axe-core.
 */
describe('the sample app in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let consoleLines: string[] = [];

  before(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico({ SEED: 'demo' });
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  /** A fresh browser profile at 375 px: no session cookie, no fhirclient state from the previous test. */
  const newPage = async (colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
    // Generous: the suite shares two cores with the rest of `npm test`.
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    return page;
  };
  const diagnostics = (page: Page) => `at ${page.url()}\nconsole:\n${consoleLines.join('\n')}`;

  /** What the FHIR API answers the root client (the data the app must show). */
  const read = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.fhirBase}/${path}`, { headers: { authorization: ROOT_BASIC } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  const searched = async (path: string) => ((await read<{ entry?: { resource: Resource }[] }>(path)).entry ?? []).map((e) => e.resource).filter((r) => r.resourceType !== 'OperationOutcome');

  const launchUri = async (client: string, user: string, patient: string) => {
    const rpc = await fetch(`${server.baseUrl}/rpc`, {
      method: 'POST',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'aidbox.smart/get-launch-uri', params: { client, user, iss: server.fhirBase, ctx: { patient } } }),
    });
    assert.equal(rpc.status, 200);
    return ((await rpc.json()) as { result: { uri: string } }).result.uri;
  };

  /** Waits for the app to have read the record (or to have failed), on its own page. */
  const appReady = async (page: Page) => {
    await page.waitForURL((url) => url.pathname === '/sample-app/');
    // A locator, not waitForFunction: the app's CSP refuses the string evaluation that would need.
    await page.locator('#status', { hasText: /^Connected/ }).or(page.locator('#failure:not([hidden])')).first().waitFor();
    assert.equal(await page.locator('#failure').isHidden(), true, `${await page.locator('#failure').innerText()}\n${diagnostics(page)}`);
  };

  const rowIds = (page: Page, list: string) => page.locator(`#${list} tbody tr`).evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id));

  it('EHR launch as the practitioner: banner, scopes and the records of the launched patient; refresh; revoke, then the next request fails', async () => {
    const practitioner = login('practitioner');
    const patient = await read<Resource & { name: { family: string; given: string[] }[]; birthDate: string; gender: string; identifier: { value: string }[] }>(`Patient/${LAUNCHED_PATIENT}`);
    const observations = await searched(`Observation?patient=${LAUNCHED_PATIENT}&_sort=-date&_count=10`);
    const conditions = await searched(`Condition?patient=${LAUNCHED_PATIENT}&_count=10`);
    const medications = await searched(`MedicationRequest?patient=${LAUNCHED_PATIENT}&_sort=-authoredon&_count=10`);
    assert.ok(observations.length > 0 && conditions.length > 0 && medications.length > 0, 'the seeded patient has records of each kind');

    const uri = await launchUri('portico-sample-app', practitioner.id, LAUNCHED_PATIENT);
    assert.ok(uri.startsWith(`${server.baseUrl}/sample-app/launch.html?`), uri);
    const page = await newPage();
    await page.goto(uri);
    await signIn(page, practitioner.email, practitioner.password);
    await allow(page);
    await appReady(page);

    assert.equal(await page.locator('#patient-id').innerText(), LAUNCHED_PATIENT);
    const name = await page.locator('#patient-name').innerText();
    assert.ok(name.includes(patient.name[0]?.family ?? '?'), `${name} names ${JSON.stringify(patient.name[0])}`);
    assert.equal(await page.locator('#patient-birth-date').innerText(), patient.birthDate);
    assert.equal(await page.locator('#patient-gender').innerText(), patient.gender);
    assert.equal(await page.locator('#patient-identifier').innerText(), patient.identifier[0]?.value);
    assert.equal(await page.locator('#client-id').innerText(), 'portico-sample-app');
    const scopes = await page.locator('#scopes li').allInnerTexts();
    for (const scope of ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs']) assert.ok(scopes.includes(scope), `${scope} not shown: ${scopes.join(' ')}`);
    // The same resources, in the same order, as the FHIR API gives the root client.
    assert.deepEqual(await rowIds(page, 'observations'), observations.map((r) => r.id));
    assert.deepEqual(await rowIds(page, 'conditions'), conditions.map((r) => r.id));
    assert.deepEqual(await rowIds(page, 'medications'), medications.map((r) => r.id));
    const firstObservation = observations[0] as unknown as { code: { coding: { display: string }[]; text?: string } };
    assert.ok((await page.locator('#observations tbody tr').first().innerText()).includes(firstObservation.code.text ?? firstObservation.code.coding[0]?.display ?? '?'));

    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `sample-app-${colorScheme}-375.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // By keyboard: refresh, then revoke.
    const expiry = await page.locator('#token-expiry').innerText();
    const refreshFocus = await tabTo(page, '#refresh');
    assert.ok(refreshFocus.focusVisible);
    assert.notEqual(refreshFocus.outlineStyle, 'none');
    await page.keyboard.press('Enter');
    await page.locator('#action-result', { hasText: 'Token refreshed' }).waitFor();
    assert.notEqual(await page.locator('#token-expiry').innerText(), '', expiry);

    await tabTo(page, '#revoke');
    await page.keyboard.press('Enter');
    await page.locator('#action-result', { hasText: 'Access revoked' }).waitFor();
    const result = await page.locator('#action-result').innerText();
    assert.match(result, new RegExp(`GET Patient/${LAUNCHED_PATIENT}, failed: 401`), result);
    assert.match(result, /WWW-Authenticate: Bearer/, result);
    assert.equal(await page.locator('#revoke').isDisabled(), true);
    await assertAccessible(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'sample-app-revoked-light-375.png'), fullPage: true });
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: standalone launch from its launch page as the sandbox patient shows their own record`, async () => {
      const patient = login('patient');
      const ownId = patient.fhirUser.replace('Patient/', '');
      const page = await newPage(colorScheme);
      await page.goto(`${server.baseUrl}/sample-app/launch.html`);
      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `sample-app-launch-${colorScheme}-375.png`), fullPage: true });

      const focus = await tabTo(page, 'a[href^="launch.html?iss="]');
      assert.ok(focus.focusVisible);
      await Promise.all([page.waitForURL((url) => url.pathname === '/auth/login'), page.keyboard.press('Enter')]);
      await signIn(page, patient.email, patient.password);
      await allow(page);
      await appReady(page);
      assert.equal(await page.locator('#patient-id').innerText(), ownId);
      const scopes = await page.locator('#scopes li').allInnerTexts();
      assert.ok(scopes.includes('launch/patient'), scopes.join(' '));
      assert.deepEqual(await rowIds(page, 'conditions'), (await searched(`Condition?patient=${ownId}&_count=10`)).map((r) => r.id));
      await assertFitsWidth(page);
      await assertAccessible(page);
    });
  }

  it('demo-public-app: its EHR launch opens the sample app, acting as that client', async () => {
    const practitioner = login('practitioner');
    const uri = await launchUri('demo-public-app', practitioner.id, LAUNCHED_PATIENT);
    assert.ok(uri.startsWith(`${server.baseUrl}/sample-app/launch.html?client_id=demo-public-app&`), uri);
    const page = await newPage();
    await page.goto(uri);
    await signIn(page, practitioner.email, practitioner.password);
    await allow(page);
    await appReady(page);
    assert.equal(await page.locator('#client-id').innerText(), 'demo-public-app');
    assert.equal(await page.locator('#patient-id').innerText(), LAUNCHED_PATIENT);
  });

  it('demo-confidential-app: launched standalone with its published secret, it refreshes with it', async () => {
    const patient = login('patient');
    const page = await newPage();
    await page.goto(`${server.baseUrl}/sample-app/launch.html?client_id=demo-confidential-app&iss=${encodeURIComponent(server.fhirBase)}`);
    await signIn(page, patient.email, patient.password);
    await allow(page);
    await appReady(page);
    assert.equal(await page.locator('#client-id').innerText(), 'demo-confidential-app');
    await page.click('#refresh');
    await page.locator('#action-result', { hasText: 'Token refreshed' }).waitFor();
  });

  it('a denied authorization: the app shows the error and its description, no stack trace', async () => {
    const patient = login('patient');
    const page = await newPage('dark');
    await page.goto(`${server.baseUrl}/sample-app/launch.html?iss=${encodeURIComponent(server.fhirBase)}`);
    await signIn(page, patient.email, patient.password);
    await page.click('button[name=decision][value=deny]');
    await page.waitForURL((url) => url.pathname === '/sample-app/');
    await page.locator('#failure').waitFor();
    assert.equal(await page.locator('#failure-error').innerText(), 'access_denied');
    const description = await page.locator('#failure-description').innerText();
    assert.notEqual(description, '');
    assert.doesNotMatch(await page.locator('body').innerText(), /\bat .*\.js:\d+/);
    assert.equal(await page.locator('#app').isHidden(), true);
    await assertFitsWidth(page);
    await assertAccessible(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'sample-app-denied-dark-375.png'), fullPage: true });
  });
});
