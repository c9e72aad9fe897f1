import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://smart-app.example/redirect';
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };

const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_COND = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';
const US_CORE = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
/** The category-level choices for Condition and Observation, exactly as Inferno's granular groups spell them. */
const CONDITION_CATEGORIES = [`${COND}|encounter-diagnosis`, `${COND}|problem-list-item`, `${US_CORE_COND}|health-concern`];
const OBSERVATION_CATEGORIES = [`${OBS}|laboratory`, `${OBS}|vital-signs`, `${OBS}|social-history`, `${OBS}|survey`, `${US_CORE}|sdoh`, `${OBS}|procedure`, `${US_CORE}|clinical-test`];
const LAB = `patient/Observation.rs?category=${OBS}|laboratory`;

const CLIENT = {
  resourceType: 'Client',
  active: true,
  name: 'Granular App',
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
};

interface Checkbox {
  value: string;
  checked: boolean;
}

/** The page's `scope` checkboxes, in page order, values unescaped. */
function checkboxes(body: string): Checkbox[] {
  return [...body.matchAll(/<input type="checkbox" id="[^"]+" name="scope" value="([^"]*)"( checked)?>/g)].map((m) => ({
    value: (m[1] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
    checked: m[2] !== undefined,
  }));
}

for (const driver of drivers) {
  describe(`consent page: granular scope selection (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      const res = await portico.app.inject({ method: 'PUT', url: '/Client/granular-app', headers: { authorization: ROOT_BASIC }, payload: CLIENT });
      assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
      const fhir = fhirClient(portico.app);
      const put = async (resource: Record<string, unknown>) => {
        const r = await fhir.put(`${String(resource.resourceType)}/${String(resource.id)}`, resource);
        assert.ok(r.status === 200 || r.status === 201, r.text);
      };
      await put({ resourceType: 'Patient', id: 'test-pt-1', name: [{ family: 'Granular', given: ['Gina'] }] });
      const observation = (id: string, code: string) => ({
        resourceType: 'Observation',
        id,
        status: 'final',
        category: [{ coding: [{ system: OBS, code }] }],
        code: { text: id },
        subject: { reference: 'Patient/test-pt-1' },
      });
      await put(observation('obs-lab', 'laboratory'));
      await put(observation('obs-vitals', 'vital-signs'));
      await put({
        resourceType: 'Condition',
        id: 'cond-problem',
        category: [{ coding: [{ system: COND, code: 'problem-list-item' }] }],
        code: { text: 'a problem' },
        subject: { reference: 'Patient/test-pt-1' },
      });
    });
    after(() => portico.stop());

    const signedIn = async (who = PATIENT): Promise<Browser> => {
      const b = browser(portico.app);
      assert.equal((await b.signIn(who.email, who.password)).statusCode, 303);
      return b;
    };

    /** Opens the consent page for `scope`; returns the page and a function posting the user's choice. */
    const openConsent = async (b: Browser, scope: string) => {
      const codeVerifier = randomBytes(48).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: 'granular-app',
        redirect_uri: REDIRECT,
        scope,
        state: 'granular-state',
        aud: `${TEST_BASE_URL}/fhir`,
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      let page = await b.get(`/auth/authorize?${params.toString()}`);
      assert.equal(page.statusCode, 200, page.body);
      // A practitioner chooses the patient first; consent follows, naming them.
      if (page.body.includes('name="patient_action"')) {
        const picker = page;
        const request = (/name="authorize_request" value="([^"]+)"/.exec(picker.body)?.[1] ?? '').replace(/&amp;/g, '&');
        page = await portico.app.inject({
          method: 'POST',
          url: '/auth/authorize/decision',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
          payload: new URLSearchParams({ csrf_token: csrfTokenIn(picker.body), authorize_request: request, patient: 'test-pt-1', patient_action: 'choose' }).toString(),
        });
        assert.equal(page.statusCode, 200, page.body);
        assert.match(page.body, /this patient’s record/);
      }
      /** Posts the decision with exactly these `scope` values checked. */
      const decide = (checked: readonly string[]) => {
        const request = (/name="authorize_request" value="([^"]+)"/.exec(page.body)?.[1] ?? '').replace(/&amp;/g, '&');
        const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), authorize_request: request, decision: 'allow' });
        // The patient chosen before, as the page carries it.
        const patient = /<input type="hidden" name="patient" value="([^"]+)">/.exec(page.body)?.[1];
        if (patient) form.append('patient', patient);
        for (const value of checked) form.append('scope', value);
        return portico.app.inject({
          method: 'POST',
          url: '/auth/authorize/decision',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
          payload: form.toString(),
        });
      };
      /** The decision's redirect redeemed at the token endpoint: the token response. */
      const redeem = async (res: LightMyRequestResponse) => {
        assert.equal(res.statusCode, 303, res.body);
        const code = new URL(String(res.headers.location)).searchParams.get('code');
        assert.ok(code, String(res.headers.location));
        const token = await portico.app.inject({
          method: 'POST',
          url: '/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'granular-app', code_verifier: codeVerifier }).toString(),
        });
        assert.equal(token.statusCode, 200, token.body);
        return token.json() as Record<string, unknown>;
      };
      return { page, decide, redeem };
    };

    it('offers category checkboxes, unchecked, under each whole Condition and Observation scope (v1 and v2, patient/ and user/)', async () => {
      // A practitioner: a patient user is offered user/ scopes as patient/ ones.
      const b = await signedIn(PRACTITIONER);
      const scope = 'launch/patient openid offline_access patient/Condition.rs user/Observation.read patient/Patient.rs patient/Observation.cruds';
      const { page } = await openConsent(b, scope);
      assert.deepEqual(checkboxes(page.body), [
        { value: 'launch/patient', checked: true },
        { value: 'openid', checked: true },
        { value: 'offline_access', checked: true },
        { value: 'patient/Condition.rs', checked: true },
        ...CONDITION_CATEGORIES.map((c) => ({ value: `patient/Condition.rs?category=${c}`, checked: false })),
        { value: 'user/Observation.read', checked: true },
        // A v1 `read` is narrowed in v2 syntax.
        ...OBSERVATION_CATEGORIES.map((c) => ({ value: `user/Observation.rs?category=${c}`, checked: false })),
        { value: 'patient/Patient.rs', checked: true },
        { value: 'patient/Observation.cruds', checked: true },
        // Categories narrow reading only.
        ...OBSERVATION_CATEGORIES.map((c) => ({ value: `patient/Observation.rs?category=${c}`, checked: false })),
      ]);
      assert.match(page.body, /Read this patient’s lab results/);
      assert.match(page.body, /Read this patient’s problem list/);
      assert.match(page.body, /Read this patient’s social needs \(SDOH\) assessments/);
      assert.match(page.body, /Read this patient’s clinical test results/);
      assert.match(page.body, /Long-lived access/);
      assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'self'/);
    });

    it('only laboratory chosen: the token carries the granular scope, search returns only lab results, a vital sign reads as unknown (404)', async () => {
      const b = await signedIn();
      const { decide, redeem } = await openConsent(b, 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs');
      const token = await redeem(await decide(['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs', LAB]));
      const granted = String(token.scope).split(' ');
      assert.ok(granted.includes(LAB), String(token.scope));
      assert.ok(!granted.includes('patient/Observation.rs'), String(token.scope));
      assert.equal(token.patient, 'test-pt-1');

      const api = fhirClient(portico.app, `Bearer ${String(token.access_token)}`);
      const search = await api.get('Observation?patient=test-pt-1');
      assert.equal(search.status, 200, search.text);
      const ids = (search.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
      assert.deepEqual(ids, ['obs-lab']);
      assert.equal((await api.get('Observation/obs-lab')).status, 200);
      // Outside the granted category: not there for this token, as if it did not exist (catalogue J6).
      const vitals = await api.get('Observation/obs-vitals');
      assert.equal(vitals.status, 404, vitals.text);
      assert.equal(vitals.body.resourceType, 'OperationOutcome');
      assert.equal((await api.get('Patient/test-pt-1')).status, 200);
    });

    it('Inferno granular selection: Condition and Observation by category instead of by type, Patient whole', async () => {
      const b = await signedIn();
      const { page, decide, redeem } = await openConsent(b, 'launch/patient openid fhirUser offline_access patient/Condition.rs patient/Observation.rs patient/Patient.rs');
      const offered = checkboxes(page.body).map((c) => c.value);
      const chosen = [
        'launch/patient',
        'openid',
        'fhirUser',
        'offline_access',
        'patient/Patient.rs',
        `patient/Condition.rs?category=${COND}|problem-list-item`,
        `patient/Condition.rs?category=${US_CORE_COND}|health-concern`,
        LAB,
        `patient/Observation.rs?category=${US_CORE}|sdoh`,
      ];
      for (const value of chosen) assert.ok(offered.includes(value), value);
      const token = await redeem(await decide(chosen));
      assert.deepEqual(String(token.scope).split(' ').sort(), [...chosen].sort());
      assert.doesNotMatch(String(token.scope), /(Condition|Observation)\.(\*|read|c?ru?d?s?)(\s|$)/);
      assert.ok(token.refresh_token);

      const api = fhirClient(portico.app, `Bearer ${String(token.access_token)}`);
      assert.equal((await api.get('Condition/cond-problem')).status, 200);
      assert.equal((await api.get('Observation/obs-vitals')).status, 404);
    });

    it('a category is granted only as a narrowing of an offered scope: same context, type, no more permissions, a known category', async () => {
      const b = await signedIn();
      const { decide, redeem } = await openConsent(b, 'launch/patient patient/Observation.read');
      const forged = [
        `patient/Condition.rs?category=${COND}|problem-list-item`, // a type not offered
        `user/Observation.rs?category=${OBS}|vital-signs`, // another context
        `patient/Observation.cruds?category=${OBS}|vital-signs`, // more permissions than offered
        `patient/Observation.rs?category=${OBS}|imaging`, // not a category the page offers
        `patient/Observation.rs?code=http://loinc.org|1234-5`, // not a category at all
        'patient/*.rs',
      ];
      const token = await redeem(await decide(['launch/patient', `patient/Observation.rs?category=${OBS}%7Csocial-history`, ...forged]));
      // The `%7C` form is the same scope, granted in its plain form; every forged one is dropped.
      assert.deepEqual(String(token.scope).split(' ').sort(), ['launch/patient', `patient/Observation.rs?category=${OBS}|social-history`]);
    });

    it('granular scopes the app asked for itself stay checked choices of their own, without duplicates', async () => {
      const b = await signedIn();
      const { page, decide, redeem } = await openConsent(b, `launch/patient ${LAB} patient/Observation.rs`);
      const boxes = checkboxes(page.body);
      assert.deepEqual(boxes.filter((c) => c.value === LAB), [{ value: LAB, checked: true }]);
      assert.equal(boxes.length, 2 + OBSERVATION_CATEGORIES.length, 'the requested laboratory scope is not offered twice');
      assert.match(page.body, /patient\/Observation\.rs\?category=http:\/\/terminology\.hl7\.org\/CodeSystem\/observation-category\|vital-signs/);
      const token = await redeem(await decide(['launch/patient', LAB]));
      assert.deepEqual(String(token.scope).split(' ').sort(), ['launch/patient', LAB]);
    });

    it('no long-lived notice without offline_access; no categories for other types', async () => {
      const b = await signedIn();
      const { page } = await openConsent(b, 'launch/patient patient/Patient.rs patient/MedicationRequest.rs');
      assert.doesNotMatch(page.body, /Long-lived/);
      assert.deepEqual(
        checkboxes(page.body).map((c) => c.value),
        ['launch/patient', 'patient/Patient.rs', 'patient/MedicationRequest.rs'],
      );
    });
  });
}
