import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { DICOM_SUBTYPE, EVENT_TYPE, porticoSubtype, USER_ID_SYSTEM } from '../../src/fhir/audit/audit-codes.ts';
import { serverSource } from '../../src/fhir/audit/audit-actor.ts';
import type { AuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { firstPartyClient, launch, ROOT_BASIC } from '../http/launch-flow-support.ts';
import { browser as injectBrowser } from '../http/login-support.ts';
import { signIn } from './support/app-page.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible, assertFitsWidth, tabTo } from './support/page-checks.ts';

const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const patient = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-patient');
const SCOPE = 'launch/patient openid fhirUser offline_access patient/Observation.rs patient/Condition.rs';

/** A sign-in event as the authorization server records it (DICOM User Authentication, Portico's subtypes). */
function signInEvent(kind: 'sign-in' | 'sign-in-failed', userId: string, address: string, site: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: EVENT_TYPE.userAuthentication,
    subtype: [DICOM_SUBTYPE.login, porticoSubtype(kind, kind)],
    action: 'E',
    outcome: kind === 'sign-in' ? '0' : '4',
    agent: [{ who: { identifier: { system: USER_ID_SYSTEM, value: userId } }, requestor: true, network: { address, type: '2' } }],
    source: serverSource(site),
  };
}

/**
 * "Your apps" in Chromium at 375 px, light and dark, after an app read the patient's record over the FHIR API: the
 * card says when it last accessed the record; the keyboard opens its disclosure, which shows the reads per day and
 * type and the latest requests (a refused one marked); the sign-ins are listed; axe finds nothing.
 */
describe('what each app did, on the authorized-apps page in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;

  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.status === 200 || res.status === 201, await res.text());
  };

  before(async () => {
    assert.ok(patient);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    await put('/fhir/Patient/test-pt-1', { resourceType: 'Patient', id: 'test-pt-1', name: [{ family: 'Shaw', given: ['Amy'] }] });
    for (const id of ['bp-1', 'bp-2', 'hr-1']) {
      await put(`/fhir/Observation/${id}`, { resourceType: 'Observation', id, status: 'final', code: { text: id }, subject: { reference: 'Patient/test-pt-1' } });
    }
    await put('/fhir/Condition/asthma', { resourceType: 'Condition', id: 'asthma', subject: { reference: 'Patient/test-pt-1' } });
    await put('/Client/health-diary', firstPartyClient('Health Diary'));

    // The app gets its token through the real flow (authorize, then the token endpoint) and reads over HTTP.
    const b = injectBrowser(server.portico.app, '198.51.100.20');
    assert.equal((await b.signIn(patient.email, patient.password)).statusCode, 303);
    const tokens = await launch(server.portico.app, b, 'health-diary', SCOPE, { fhirBase: server.fhirBase });
    const read = async (path: string, status: number) => {
      const res = await fetch(`${server.fhirBase}/${path}`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
      assert.equal(res.status, status, `${path}: ${await res.text()}`);
    };
    for (const id of ['bp-1', 'bp-2', 'hr-1']) await read(`Observation/${id}`, 200);
    await read('Observation?patient=test-pt-1', 200);
    await read('Condition/asthma', 200);
    await read('Patient/test-pt-1', 403);
    for (const [kind, address] of [['sign-in', '198.51.100.20'], ['sign-in-failed', '203.0.113.99']] as const) {
      await server.portico.authAudit.record('default', signInEvent(kind, 'sandbox-patient', address, server.baseUrl));
    }
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: last access on the card; the keyboard opens what it read per day and its latest requests`, async () => {
      assert.ok(patient);
      await context?.close();
      context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/auth/apps`);
      await signIn(page, patient.email, patient.password);
      await page.waitForURL((url) => url.pathname === '/auth/apps');

      const card = page.locator('section.card.app', { hasText: 'Health Diary' });
      assert.match(await card.locator('.last-access').innerText(), /^Last accessed your record on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
      const reads = card.locator('ul.reads-per-day li');
      assert.equal(await reads.first().isVisible(), false, 'closed until asked');

      const focus = await tabTo(page, 'details.activity summary', 'What Health Diary did');
      assert.ok(focus.focusVisible);
      assert.notEqual(focus.outlineStyle, 'none');
      await page.keyboard.press('Enter');
      assert.equal(await reads.count(), 1);
      assert.match(await reads.first().innerText(), /^\d{1,2} [A-Z][a-z]{2}: Condition 1, Observation 4$/);
      const requests = await card.locator('ol.requests li').allInnerTexts();
      assert.equal(requests.length, 6);
      assert.match(requests[0] ?? '', /Read Patient\/test-pt-1\s+refused$/);
      assert.match(requests[1] ?? '', /Read Condition\/asthma\s+allowed$/);
      assert.match(requests[2] ?? '', /Searched Observation\s+allowed$/);

      const signIns = await page.locator('section.sign-ins li').allInnerTexts();
      assert.ok(signIns.some((s) => /Signed in from 198\.51\.100\.20$/.test(s)), signIns.join(' | '));
      assert.ok(signIns.some((s) => /Sign-in failed from 203\.0\.113\.99$/.test(s)), signIns.join(' | '));

      await assertFitsWidth(page);
      await assertAccessible(page);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `apps-history-${colorScheme}-375.png`), fullPage: true });
    });
  }

  it('wide, light: the same page on a desktop screen', async () => {
    assert.ok(patient);
    await context?.close();
    context = await browser.newContext({ viewport: { width: 1024, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/auth/apps`);
    await signIn(page, patient.email, patient.password);
    await page.waitForURL((url) => url.pathname === '/auth/apps');
    await page.locator('details.activity summary').first().click();
    await assertAccessible(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'apps-history-light-1024.png'), fullPage: true });
  });
});
