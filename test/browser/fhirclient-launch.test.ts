import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SANDBOX_LOGINS } from '../../src/sandbox/auth/sandbox-users.ts';
import { allow, appOutcome, signIn } from './support/app-page.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { startStaticApp, type StaticApp } from './support/static-app.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const CLIENT_ID = 'fhirclient-test-app';
const EHR_SCOPE = 'launch openid fhirUser patient/*.rs';
const STANDALONE_SCOPE = 'launch/patient openid fhirUser patient/*.rs offline_access';
// The second seeded patient: not the practitioner's or the patient user's default, so only the launch can name it.
const LAUNCHED_PATIENT = 'pt-00002';

const login = (role: 'patient' | 'practitioner') => {
  const found = SANDBOX_LOGINS.find((l) => l.id === `sandbox-${role}`);
  assert.ok(found);
  return found;
};

/**
 * The SMART JavaScript client (fhirclient) in headless Chromium against a listening Portico with the sandbox
 * data: a static app's launch.html calls FHIR.oauth2.authorize, its index.html FHIR.oauth2.ready() and then
 * client.patient.read(). Sign-in and consent happen on Portico's own pages, clicked like a user would.
 */
describe('fhirclient in Chromium: EHR and standalone launch', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let app: StaticApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleLines: string[];

  before(async () => {
    server = await startListeningPortico({ SEED: 'demo' });
    app = await startStaticApp({ clientId: CLIENT_ID, ehrScope: EHR_SCOPE, standaloneScope: STANDALONE_SCOPE });
    const put = await fetch(`${server.baseUrl}/Client/${CLIENT_ID}`, {
      method: 'PUT',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceType: 'Client',
        name: 'fhirclient test app',
        type: 'smart-app',
        active: true,
        grant_types: ['authorization_code', 'refresh_token'],
        auth: { authorization_code: { redirect_uri: app.redirectUri, pkce: true, refresh_token: true, secret_required: false } },
        smart: { launch_uri: app.launchUri },
      }),
    });
    assert.ok(put.status === 200 || put.status === 201, await put.text());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
  });

  /** A fresh browser profile per launch: no session cookie, no fhirclient state from the previous test. */
  const newPage = async () => {
    await context?.close();
    context = await browser.newContext();
    // Generous: the suite shares two cores with the rest of `npm test`.
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    return page;
  };
  const diagnostics = () => `at ${page.url()}\nconsole:\n${consoleLines.join('\n')}`;

  it('EHR launch: the launch from aidbox.smart/get-launch-uri reaches the app, which reads the launched Patient', async () => {
    const practitioner = login('practitioner');
    const rpc = await fetch(`${server.baseUrl}/rpc`, {
      method: 'POST',
      headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'aidbox.smart/get-launch-uri',
        params: { client: CLIENT_ID, user: practitioner.id, iss: server.fhirBase, ctx: { patient: LAUNCHED_PATIENT } },
      }),
    });
    assert.equal(rpc.status, 200);
    const { result } = (await rpc.json()) as { result: { uri: string } };
    assert.ok(result.uri.startsWith(`${app.launchUri}?`), result.uri);

    const p = await newPage();
    await p.goto(result.uri);
    await signIn(p, practitioner.email, practitioner.password);
    await allow(p);
    const outcome = await appOutcome(p, app.redirectUri).catch((err: unknown) => assert.fail(`${String(err)}\n${diagnostics()}`));

    assert.equal(outcome.error, '', diagnostics());
    assert.equal(outcome.tokenPatient, LAUNCHED_PATIENT);
    assert.equal(outcome.patientId, LAUNCHED_PATIENT);
    assert.notEqual(outcome.patientName, '');
    assert.match(outcome.tokenScope, /(^| )launch( |$)/);
  });

  it('standalone launch as the sandbox patient: the app reads its own Patient', async () => {
    const patient = login('patient');
    const ownId = patient.fhirUser.replace('Patient/', '');

    const p = await newPage();
    await p.goto(`${app.launchUri}?iss=${encodeURIComponent(server.fhirBase)}`);
    await signIn(p, patient.email, patient.password);
    await allow(p);
    const outcome = await appOutcome(p, app.redirectUri).catch((err: unknown) => assert.fail(`${String(err)}\n${diagnostics()}`));

    assert.equal(outcome.error, '', diagnostics());
    assert.equal(outcome.tokenPatient, ownId);
    assert.equal(outcome.patientId, ownId);
    assert.notEqual(outcome.patientName, '');
    for (const scope of ['launch/patient', 'openid', 'fhirUser', 'offline_access']) {
      assert.ok(outcome.tokenScope.split(' ').includes(scope), `${scope} not granted: ${outcome.tokenScope}`);
    }
  });
});
