import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { SANDBOX_LOGINS } from '../../src/sandbox/auth/sandbox-users.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';
import { assertAccessible } from './support/page-checks.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');
const SAMPLE_APP = 'portico-sample-app';
// A seeded patient with visits: not the practitioner's default, so only the launch can name it.
const PATIENT = 'pt-00002';
const PRACTITIONER = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-practitioner');

/**
 * The whole front door as a new developer meets it, in Chromium against a listening sandbox Portico: sign up on the
 * portal, register a confidential app and see its secret once; launch the built-in sample app from the EHR launcher
 * as the practitioner with a patient and one of their visits; the app shows that patient's record; revoke it on
 * "My apps"; the app's next request fails. Then each simulated error of the launcher reaches the sample app as the
 * real server's error.
 */
describe('the front door in Chromium: portal, launcher, sample app, My apps', { skip: chromiumSkipReason() }, () => {
  let server: ListeningPortico;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let consoleLines: string[] = [];

  before(async () => {
    assert.ok(PRACTITIONER);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startListeningPortico({ SEED: 'demo' });
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const newPage = async (): Promise<Page> => {
    await context?.close();
    // Wide enough for an EHR frame: the pages' 375 px checks are their own tests'.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    return page;
  };
  const diagnostics = () => consoleLines.join('\n');
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `journey-${name}.png`), fullPage: true });
  const submit = (page: Page, name: string | RegExp) => Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name }).click()]);

  /** The launcher filled as a user would: the sample app, an EHR provider launch, the practitioner, the patient found by id. */
  const launchFromLauncher = async (page: Page, options: { encounter?: boolean; sim?: string } = {}): Promise<FrameLocator> => {
    assert.ok(PRACTITIONER);
    await page.goto(`${server.baseUrl}/launcher`);
    await page.selectOption('#app', SAMPLE_APP);
    await page.check('input[name=launch_type][value=ehr-provider]');
    await page.selectOption('#user', PRACTITIONER.id);
    await page.fill('#patient_q', PATIENT);
    await Promise.all([page.waitForLoadState('load'), page.press('#patient_q', 'Enter')]);
    await page.check(`input[name=patient][value=${PATIENT}]`);
    if (options.encounter) {
      await submit(page, 'Show encounters');
      await page.locator('input[name=encounter]:not([value=""])').first().check();
    }
    if (options.sim) await page.selectOption('#sim', options.sim);
    await Promise.all([page.waitForURL(/\/launcher\/launch$/), page.click('button[value=launch]')]);
    return page.frameLocator('iframe.ehr-app');
  };

  /** The sample app in the frame, once it has read the record or failed. */
  const appSettled = (frame: FrameLocator) => frame.locator('#status', { hasText: /^Connected/ }).or(frame.locator('#failure:not([hidden])')).first().waitFor();

  it('sign up, register a confidential app (its secret shown once), launch the sample app from the launcher, revoke it on My apps: its next request fails', async () => {
    assert.ok(PRACTITIONER);
    const page = await newPage();

    // 1. The landing page leads to the portal.
    await page.goto(server.baseUrl);
    await Promise.all([page.waitForURL((url) => url.pathname === '/portal' || url.pathname.startsWith('/portal/') || url.pathname === '/auth/login'), page.getByRole('link', { name: /Developer portal/ }).first().click()]);

    // 2. Sign up, sign in.
    await page.goto(`${server.baseUrl}/portal/signup`);
    await page.getByLabel('Name').fill('Journey Developer');
    await page.getByLabel('Email').fill('journey@dev.example');
    await page.getByLabel('Password').fill('a journey password');
    await Promise.all([page.waitForURL((url) => url.pathname === '/auth/login'), page.getByRole('button', { name: 'Sign up' }).click()]);
    await page.getByLabel('Email').fill('journey@dev.example');
    await page.getByLabel('Password').fill('a journey password');
    await Promise.all([page.waitForURL((url) => url.pathname === '/portal/apps'), page.getByRole('button', { name: 'Sign in' }).click()]);

    // 3. Register a confidential app; its secret is shown once and works at the token endpoint.
    await Promise.all([page.waitForURL((url) => url.pathname === '/portal/apps/new'), page.getByRole('link', { name: 'Register an app' }).click()]);
    await page.getByLabel('App name').fill('Journey Chart');
    await page.getByLabel('Redirect URIs').fill('https://journey.example.org/cb');
    for (const scope of ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs']) await page.check(`input[type=checkbox][value="${scope}"]`);
    await submit(page, 'Register app');
    assert.equal(await page.locator('h1').innerText(), 'Journey Chart');
    const clientId = await page.locator('#client-id').inputValue();
    const secret = await page.locator('#client-secret').inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    await shot(page, 'portal-secret');
    // The secret authenticates the app: a code it never got is refused as a bad grant, not as a bad client.
    const exchange = await fetch(`${server.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'never-issued', redirect_uri: 'https://journey.example.org/cb' }).toString(),
    });
    assert.equal(exchange.status, 400);
    assert.equal(((await exchange.json()) as { error: string }).error, 'invalid_grant');
    await page.goto(`${server.baseUrl}/portal/apps/${clientId}`);
    assert.equal(await page.locator('#client-secret').count(), 0, 'the secret is shown once');
    assert.ok(!(await page.content()).includes(secret));

    // 4. The launcher: the sample app, as the practitioner, with the patient and one of their visits.
    const frame = await launchFromLauncher(page, { encounter: true });
    const banner = await page.locator('.ehr-banner').innerText();
    assert.ok(banner.includes(PRACTITIONER.email), banner);
    await frame.locator('button[name=decision][value=allow]').click();
    await appSettled(frame);
    assert.equal(await frame.locator('#failure').isHidden(), true, `${await frame.locator('#failure').innerText()}\n${diagnostics()}`);

    // 5. The sample app shows that patient's record, in the launch's visit.
    assert.equal(await frame.locator('#patient-id').innerText(), PATIENT);
    assert.ok(banner.includes(PATIENT) || banner.includes(await frame.locator('#patient-name').innerText()), banner);
    assert.match(await frame.locator('#encounter').innerText(), /^Encounter\/\S+$/);
    assert.ok((await frame.locator('#observations tbody tr').count()) > 0, 'observations are listed');
    await shot(page, 'launcher-sample-app');

    // 6. My apps, in the same browser: the sample app's card; Revoke.
    const apps = await context!.newPage();
    await apps.goto(`${server.baseUrl}/auth/apps`);
    const revoke = apps.getByRole('button', { name: /^Revoke access of Portico sample app/ }).first();
    await Promise.all([apps.waitForURL((url) => url.searchParams.has('revoked')), revoke.click()]);
    assert.match(await apps.locator('main').innerText(), /Portico sample app/);
    await assertAccessible(apps);
    await shot(apps, 'my-apps-revoked');

    // 7. Back in the EHR: the app's next request fails.
    await frame.locator('#reload').click();
    await frame.locator('#action-result', { hasText: 'Reading the record failed' }).waitFor();
    assert.match(await frame.locator('#action-result').innerText(), /401|invalid_grant/, diagnostics());
    await shot(page, 'sample-app-after-revoke');
  });

  /** What each simulated error looks like from inside the frame, produced by the real endpoints. */
  const SIMULATED: Record<string, { consent: boolean; check: (frame: FrameLocator) => Promise<void> }> = {
    auth_invalid_client_id: { consent: false, check: async (frame) => assert.equal(await frame.locator('h1').innerText(), 'Unknown application') },
    auth_invalid_redirect_uri: { consent: false, check: async (frame) => assert.equal(await frame.locator('h1').innerText(), 'Invalid redirect address') },
    auth_invalid_scope: { consent: false, check: async (frame) => assert.match(await failure(frame), /invalid_scope/) },
    auth_invalid_client_secret: { consent: true, check: async (frame) => assert.match(await failure(frame), /401|invalid_client/) },
    token_invalid_token: { consent: true, check: async (frame) => assert.match(await failure(frame), /400|invalid_grant/) },
    token_expired_refresh_token: {
      consent: true,
      check: async (frame) => {
        await appSettled(frame);
        assert.equal(await frame.locator('#failure').isHidden(), true, 'the tokens themselves work');
        await frame.locator('#refresh').click();
        await frame.locator('#action-result', { hasText: 'The refresh failed' }).waitFor();
        assert.match(await frame.locator('#action-result').innerText(), /400|invalid_grant/);
      },
    },
    request_invalid_token: { consent: true, check: async (frame) => assert.match(await failure(frame), /401/) },
    request_expired_token: { consent: true, check: async (frame) => assert.match(await failure(frame), /401/) },
  };
  const failure = async (frame: FrameLocator) => {
    await frame.locator('#failure:not([hidden])').waitFor();
    return frame.locator('#failure').innerText();
  };

  it('each simulated error of the launcher reaches the sample app as the real error', async () => {
    // The control: the same launch without a simulated error works.
    const control = await launchFromLauncher(await newPage());
    await control.locator('button[name=decision][value=allow]').click();
    await appSettled(control);
    assert.equal(await control.locator('#failure').isHidden(), true, diagnostics());
    assert.equal(await control.locator('#patient-id').innerText(), PATIENT);

    for (const [sim, expected] of Object.entries(SIMULATED)) {
      const page = await newPage();
      const frame = await launchFromLauncher(page, { sim });
      if (expected.consent) await frame.locator('button[name=decision][value=allow]').click();
      await expected.check(frame).catch((err: unknown) => {
        throw new Error(`${sim}: ${err instanceof Error ? err.message : String(err)}\n${diagnostics()}`);
      });
      await shot(page, `simulated-${sim}`);
    }
  });

  it('the sample app is registered out of the box, and the launcher offers it first, already chosen', async () => {
    const res = await fetch(`${server.baseUrl}/Client/${SAMPLE_APP}`, { headers: { authorization: ROOT_BASIC } });
    assert.equal(res.status, 200);
    const page = await newPage();
    await page.goto(`${server.baseUrl}/launcher`);
    // Chosen already, and the first app listed after the prompt.
    assert.equal(await page.inputValue('#app'), SAMPLE_APP);
    assert.equal(await page.locator('#app option:not([value=""])').first().getAttribute('value'), SAMPLE_APP);
  });
});
