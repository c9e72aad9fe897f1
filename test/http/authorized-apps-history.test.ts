import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DICOM_SUBTYPE, ENTITY, EVENT_TYPE, porticoSubtype, USER_ID_SYSTEM } from '../../src/fhir/audit/audit-codes.ts';
import { serverSource } from '../../src/fhir/audit/audit-actor.ts';
import type { AuditEvent, RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, launch, PATIENT_LOGIN, putAdmin, ROOT_BASIC, type Json } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const QUINN = { email: 'quinn@example.org', password: 'quinn-patient-password' };
const ALICE = { email: 'alice@acme.example', password: 'alice-of-acme-password' };
const DORA = { email: 'dora@default.example', password: 'dora-of-default-password' };
/** No Patient scope: reading the Patient resource is refused (a refusal about the patient, with its reason). */
const SCOPE_A = 'launch/patient openid fhirUser offline_access patient/Observation.rs patient/Condition.rs';
const SCOPE_B = 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs';
const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The page's `7 Dec` for the day of `date` (UTC). */
const shortDay = (date: Date) => `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;

/** The HTML of one app's card on the page (its `<section>`), found by the app's name in its heading. */
function cardOf(body: string, appName: string): string {
  const cards = [...body.matchAll(/<section class="card (?:app|former-app)">[\s\S]*?<\/section>/g)].map((m) => m[0]);
  const card = cards.find((c) => c.includes(`<h2>${appName}`));
  assert.ok(card, `no card for ${appName} in:\n${body}`);
  return card;
}

/** The card's "read per day" line for a day: `7 Dec: Observation 3, Patient 1`. */
function readsLine(card: string, day: string): string | undefined {
  return new RegExp(`<li><time datetime="\\d{4}-\\d\\d-\\d\\d">${day}</time>: ([^<]*)</li>`).exec(card)?.[1];
}

/** A sign-in event as the authorization server records it (DICOM User Authentication, Portico's subtypes). */
function signInEvent(kind: 'sign-in' | 'sign-in-failed' | 'lockout', userId: string, address: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: EVENT_TYPE.userAuthentication,
    subtype: [DICOM_SUBTYPE.login, porticoSubtype(kind, kind)],
    action: 'E',
    outcome: kind === 'sign-in' ? '0' : '4',
    ...(kind === 'sign-in-failed' ? { outcomeDesc: 'wrong password' } : kind === 'lockout' ? { outcomeDesc: 'too many sign-in attempts for this account or address' } : {}),
    agent: [{ who: { reference: 'Patient/test-pt-1', identifier: { system: USER_ID_SYSTEM, value: userId } }, requestor: true, network: { address, type: '2' } }],
    source: serverSource(TEST_BASE_URL),
  };
}

/**
 * "Your apps" shows a patient what each app did with their record (from the FHIR API's AuditEvents): per app its
 * last access, successful reads per day and type, its latest requests allowed or refused (never why); apps no
 * longer allowed that still accessed it; and the sign-ins with their account. Only their own patient's events, made
 * for them, at their tenant.
 */
for (const driver of drivers) {
  describe(`authorized apps page: what each app did (${driver})`, () => {
    let portico: TestPortico;
    // Moved by the last test (never waited on), past the page's window.
    let clock = Date.now();

    const fhirGet = async (token: Json, path: string, status = 200) => {
      const res = await portico.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${String(token.access_token)}` } });
      assert.equal(res.statusCode, status, `${path}: ${res.body}`);
      return res;
    };
    const signedIn = async (who: { email: string; password: string }, site = '', address = '203.0.113.1'): Promise<Browser> => {
      const b = browser(portico.app, address);
      const page = await b.get(`${site}/auth/login`);
      const res = await b.post(`${site}/auth/login`, { username: who.email, password: who.password, csrf_token: csrfTokenIn(page.body) });
      assert.equal(res.statusCode, 303, res.body);
      return b;
    };
    const appsPage = async (b: Browser, site = '') => {
      const page = await b.get(`${site}/auth/apps`);
      assert.equal(page.statusCode, 200, page.body);
      return page.body;
    };
    const putFhir = async (path: string, resource: Json) => {
      const res = await portico.app.inject({ method: 'PUT', url: path, headers: { authorization: ROOT_BASIC, 'content-type': 'application/fhir+json' }, payload: resource });
      assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
    };
    const observation = (id: string, patient: string) => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patient}` },
    });

    let p: Browser;
    let tokenA: Json;
    let tokenB: Json;

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      await seedSandboxUsers(portico.auth.users);
      for (const [id, family] of [['test-pt-1', 'Shaw'], ['test-pt-2', 'Quinn']]) {
        await putFhir(`/fhir/Patient/${id}`, { resourceType: 'Patient', id, name: [{ family }] });
      }
      for (const id of ['obs-p-1', 'obs-p-2', 'obs-p-3']) await putFhir(`/fhir/Observation/${id}`, observation(id, 'test-pt-1'));
      await putFhir('/fhir/Observation/obs-q-1', observation('obs-q-1', 'test-pt-2'));
      await putFhir('/fhir/Condition/cond-p-1', { resourceType: 'Condition', id: 'cond-p-1', subject: { reference: 'Patient/test-pt-1' } });
      await putAdmin(portico.app, '/Client/app-a', firstPartyClient('Alpha Reader'));
      await putAdmin(portico.app, '/Client/app-b', firstPartyClient('Beta <Reader>'));
      await putAdmin(portico.app, '/User/quinn', { resourceType: 'User', ...QUINN, fhirUser: 'Patient/test-pt-2', roles: ['patient'] });

      // P: app A searches Observation twice, reads one, reads the Condition, is refused the Patient resource;
      // it also asks for another patient (refused, about them: never on P's page). App B reads the Patient and one Observation.
      p = await signedIn(PATIENT_LOGIN);
      tokenA = await launch(portico.app, p, 'app-a', SCOPE_A);
      tokenB = await launch(portico.app, p, 'app-b', SCOPE_B);
      await fhirGet(tokenA, '/fhir/Observation?patient=test-pt-1');
      await fhirGet(tokenA, '/fhir/Observation?patient=test-pt-1&_count=1');
      await fhirGet(tokenA, '/fhir/Observation/obs-p-2');
      await fhirGet(tokenA, '/fhir/Condition/cond-p-1');
      await fhirGet(tokenA, '/fhir/Patient/test-pt-1', 403);
      const other = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/test-pt-2', headers: { authorization: `Bearer ${String(tokenA.access_token)}` } });
      assert.ok(other.statusCode === 403 || other.statusCode === 404, other.body);
      await fhirGet(tokenB, '/fhir/Patient/test-pt-1');
      await fhirGet(tokenB, '/fhir/Observation/obs-p-1');

      // Q: app A reads Q's Observation once.
      const q = await signedIn(QUINN, '', '203.0.113.2');
      const quinnA = await launch(portico.app, q, 'app-a', SCOPE_A);
      await fhirGet(quinnA, '/fhir/Observation/obs-q-1');
    });
    after(() => portico.stop());

    it("P's page: A's and B's reads per day and type, separately and counted right; their latest requests", async () => {
      const body = await appsPage(p);
      const today = shortDay(new Date(clock));
      const a = cardOf(body, 'Alpha Reader');
      const b = cardOf(body, 'Beta &lt;Reader&gt;');
      assert.equal(readsLine(a, today), 'Condition 1, Observation 3');
      assert.equal(readsLine(b, today), 'Observation 1, Patient 1');
      assert.match(a, /Last accessed your record on <time datetime="\d{4}-/);
      assert.match(a, /<details class="activity">\n<summary>What Alpha Reader did in the last 14 days<\/summary>/);
      // Newest first: the refused read, then the Condition, the Observation, the two searches.
      const requests = [...a.matchAll(/<li><time datetime="[^"]+">[^<]+<\/time> ([^<]+) <span class="outcome (allowed|refused)">/g)].map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(requests, ['Read Patient/test-pt-1 refused', 'Read Condition/cond-p-1 allowed', 'Read Observation/obs-p-2 allowed', 'Searched Observation allowed', 'Searched Observation allowed']);
      assert.match(b, /Read Patient\/test-pt-1 <span class="outcome allowed">allowed<\/span>/);
      assert.doesNotMatch(b, /Condition\/|Condition \d|obs-p-2/);
    });

    it("refusal reasons never appear on the page; nor another patient's id, nor the id of a resource read with theirs", async () => {
      const refused = (await auditEvents(portico, { subtype: 'read' })).find(
        (e) => e.outcome === '4' && e.entity?.some((x) => x.what?.reference === 'Patient/test-pt-1'),
      );
      const reason = refused?.outcomeDesc?.replace(/^\d+: /, '');
      assert.ok(reason && reason.length > 10, `the refusal is recorded with its reason: ${JSON.stringify(refused)}`);
      // An event about P that also names another patient (as a request touching both would): its resource id is left out.
      const { id: _id, recorded: _recorded, ...shared } = refused as RecordedAuditEvent;
      await portico.audit.record('default', {
        ...shared,
        entity: [
          { what: { reference: 'Observation/obs-q-1' }, ...ENTITY.resource },
          { what: { reference: 'Patient/test-pt-1' }, ...ENTITY.patient },
          { what: { reference: 'Patient/test-pt-2' }, ...ENTITY.patient },
          ...(shared.entity ?? []).filter((x) => x.role?.code !== '4' && x.role?.code !== '1'),
        ],
      });
      const body = await appsPage(p);
      assert.match(body, /Read Patient\/test-pt-1 <span class="outcome refused">refused<\/span>/);
      assert.match(body, /<\/time> Read Observation <span class="outcome refused">refused<\/span>/);
      assert.ok(!body.includes(reason), reason);
      assert.ok(!body.includes(reason.replace(/'/g, '&#39;').replace(/"/g, '&quot;')), reason);
      assert.doesNotMatch(body, /test-pt-2|obs-q-1/);
    });

    it("Q's page shows Q's own reads by A and none of P's", async () => {
      const q = await signedIn(QUINN, '', '203.0.113.3');
      const body = await appsPage(q);
      const a = cardOf(body, 'Alpha Reader');
      assert.equal(readsLine(a, shortDay(new Date(clock))), 'Observation 1');
      assert.match(a, /Read Observation\/obs-q-1 /);
      assert.doesNotMatch(body, /test-pt-1|obs-p-|Condition\/|Condition \d|Beta &lt;Reader&gt;/);
    });

    it('sign-ins with the account: successes, failures and lockouts with their address, never why; nobody else\'s', async () => {
      const page = await p.get('/auth/apps');
      await portico.authAudit.record('default', signInEvent('sign-in', 'sandbox-patient', '198.51.100.7'));
      await portico.authAudit.record('default', signInEvent('sign-in-failed', 'sandbox-patient', '198.51.100.8'));
      await portico.authAudit.record('default', signInEvent('lockout', 'sandbox-patient', '198.51.100.9'));
      await portico.authAudit.record('default', signInEvent('sign-in', 'quinn', '198.51.100.66'));
      await portico.authAudit.record('acme', signInEvent('sign-in', 'sandbox-patient', '198.51.100.77'));
      assert.doesNotMatch(page.body, /198\.51\.100\.7</, 'the page before: not there yet');
      const body = await appsPage(p);
      const section = /<section class="sign-ins">[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
      assert.match(section, /<h2>Sign-ins with your account<\/h2>/);
      assert.match(section, /<\/time> Signed in from <span class="address">198\.51\.100\.7<\/span>/);
      assert.match(section, /<\/time> Sign-in failed from <span class="address">198\.51\.100\.8<\/span>/);
      assert.match(section, /<\/time> Sign-in refused: too many attempts from <span class="address">198\.51\.100\.9<\/span>/);
      // Newest first.
      assert.ok(section.indexOf('198.51.100.9') < section.indexOf('198.51.100.8') && section.indexOf('198.51.100.8') < section.indexOf('198.51.100.7<'));
      assert.doesNotMatch(body, /wrong password|too many sign-in attempts for/);
      assert.doesNotMatch(body, /198\.51\.100\.66|198\.51\.100\.77/, "another user's, another tenant's");
    });

    it('an app whose authorization was revoked still shows what it did, marked as no longer allowed', async () => {
      const page = await p.get('/auth/apps');
      const grant = String(JSON.parse(Buffer.from(String(tokenB.access_token).split('.')[1] ?? '', 'base64url').toString()).grant);
      const res = await p.post('/auth/apps/revoke', { csrf_token: csrfTokenIn(page.body), grant });
      assert.equal(res.statusCode, 303, res.body);
      const body = await appsPage(p);
      assert.equal(body.match(/<section class="card app">/g)?.length, 1, 'only A is still allowed');
      const b = cardOf(body, 'Beta &lt;Reader&gt;');
      assert.match(b, /^<section class="card former-app">\n<h2>Beta &lt;Reader&gt; <span class="badge">No longer allowed<\/span><\/h2>/);
      assert.equal(readsLine(b, shortDay(new Date(clock))), 'Observation 1, Patient 1');
      assert.doesNotMatch(b, /name="grant"/, 'nothing to revoke');
    });

    it('a tenant\'s page shows only that tenant\'s events', async () => {
      const root = (method: string, url: string, payload: Json) =>
        portico.app.inject({ method: method as 'PUT', url, headers: { authorization: ROOT_BASIC, 'content-type': url.includes('/fhir/') ? 'application/fhir+json' : 'application/json' }, payload });
      assert.equal((await root('PUT', '/Tenant/acme', { name: 'Acme Health' })).statusCode, 201);
      for (const site of ['/t/acme', '']) {
        const res = await root('PUT', `${site}/fhir/Patient/p1`, { resourceType: 'Patient', id: 'p1', name: [{ family: `Pat-${site || 'root'}` }] });
        assert.equal(res.statusCode, 201, res.body);
      }
      assert.equal((await root('PUT', '/User/alice', { resourceType: 'User', ...ALICE, fhirUser: 'Patient/p1', roles: ['patient'], meta: { _tenant: 'acme' } })).statusCode, 201);
      assert.equal((await root('PUT', '/User/dora', { resourceType: 'User', ...DORA, fhirUser: 'Patient/p1', roles: ['patient'] })).statusCode, 201);

      const alice = await signedIn(ALICE, '/t/acme', '203.0.113.20');
      const aliceA = await launch(portico.app, alice, 'app-a', SCOPE_B, { site: '/t/acme' });
      await fhirGet(aliceA, '/t/acme/fhir/Patient/p1');
      await fhirGet(aliceA, '/t/acme/fhir/Patient/p1');
      const dora = await signedIn(DORA, '', '203.0.113.21');
      const doraA = await launch(portico.app, dora, 'app-a', SCOPE_B);
      await fhirGet(doraA, '/fhir/Patient/p1');
      // An event at another tenant naming alice's user id and her patient (as a tenant's own chain would): not hers here.
      const [aliceRead] = (await auditEvents(portico, { subtype: 'read' }, 'acme')).filter((e) => e.entity?.some((x) => x.what?.reference === 'Patient/p1'));
      assert.ok(aliceRead);
      const { id: _id, recorded: _recorded, ...copy } = aliceRead;
      await portico.audit.record('beta', copy);
      await portico.audit.record('default', copy);

      const today = shortDay(new Date(clock));
      assert.equal(readsLine(cardOf(await appsPage(alice, '/t/acme'), 'Alpha Reader'), today), 'Patient 2');
      assert.equal(readsLine(cardOf(await appsPage(dora), 'Alpha Reader'), today), 'Patient 1');
    });

    it('the window is bounded: past 14 days an app shows no access', async () => {
      clock += 15 * DAY_MS;
      const later = await signedIn(PATIENT_LOGIN, '', '203.0.113.30');
      const body = await appsPage(later);
      const a = cardOf(body, 'Alpha Reader');
      assert.match(a, /No access to your record in the last 14 days\./);
      assert.doesNotMatch(a, /<details/);
      assert.doesNotMatch(body, /Beta &lt;Reader&gt;/, 'a revoked app without recent access is not listed');
    });
  });
}
