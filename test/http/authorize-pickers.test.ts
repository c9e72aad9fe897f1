import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createLaunchToken } from '../../src/auth/launch/launch-token.ts';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, type Browser } from './login-support.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://smart-app.example/redirect';
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };

const CLIENT = {
  resourceType: 'Client',
  active: true,
  name: 'Picker App',
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
};

const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The page's hidden fields, in order (a browser submits them all). */
function hiddenFields(body: string): [string, string][] {
  return [...body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1] ?? '', unescape(m[2] ?? '')]);
}

/** The values of the radio buttons named `name`, in page order. */
function radios(body: string, name: string): string[] {
  return [...body.matchAll(new RegExp(`<input type="radio" id="[^"]+" name="${name}" value="([^"]+)" required>`, 'g'))].map((m) => unescape(m[1] ?? ''));
}

for (const driver of drivers) {
  describe(`authorize: patient and encounter pickers (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      for (const [id, client] of Object.entries({ 'picker-app': CLIENT, 'ehr-app': { ...CLIENT, first_party: true } })) {
        const res = await portico.app.inject({ method: 'PUT', url: `/Client/${id}`, headers: { authorization: ROOT_BASIC }, payload: client });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
      }
      const fhir = fhirClient(portico.app);
      const put = async (resource: Record<string, unknown>) => {
        const r = await fhir.put(`${String(resource.resourceType)}/${String(resource.id)}`, resource);
        assert.ok(r.status === 200 || r.status === 201, r.text);
      };
      await put({ resourceType: 'Patient', id: 'test-pt-1', name: [{ family: 'Sandbox', given: ['Sam'] }] });
      await put({ resourceType: 'Patient', id: 'smith-1', name: [{ family: 'Smith', given: ['Alice'] }], birthDate: '1980-01-02' });
      await put({ resourceType: 'Patient', id: 'smith-2', name: [{ family: 'Smith', given: ['Bob'] }] });
      await put({ resourceType: 'Patient', id: 'jones-1', name: [{ family: 'Jones', given: ['<Carol>'] }], birthDate: '1990-03-04' });
      const encounter = (id: string, patient: string, start: string, extra: Record<string, unknown>) => ({
        resourceType: 'Encounter',
        id,
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        subject: { reference: `Patient/${patient}` },
        period: { start },
        ...extra,
      });
      await put(encounter('enc-old', 'smith-1', '2020-01-01T09:00:00Z', { status: 'finished', type: [{ text: 'Office visit' }] }));
      await put(encounter('enc-new', 'smith-1', '2024-05-06T10:00:00Z', { status: 'in-progress' }));
      await put(encounter('enc-jones', 'jones-1', '2023-02-03T10:00:00Z', { status: 'finished' }));
      await put(encounter('enc-pt1', 'test-pt-1', '2022-07-08T10:00:00Z', { status: 'finished', type: [{ coding: [{ code: 'checkup', display: 'Check-up' }] }] }));
    });
    after(() => portico.stop());

    const signedIn = async (who: { email: string; password: string }): Promise<Browser> => {
      const b = browser(portico.app);
      assert.equal((await b.signIn(who.email, who.password)).statusCode, 303);
      return b;
    };

    /** One authorization: opening it, submitting its forms as a browser would, redeeming the code. */
    const start = (b: Browser, scope: string, extra: Record<string, string> = {}) => {
      const codeVerifier = randomBytes(48).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: 'picker-app',
        redirect_uri: REDIRECT,
        scope,
        state: 'picker-state',
        aud: `${TEST_BASE_URL}/fhir`,
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...extra,
      });
      /** Submits `page`'s form: its hidden fields, the checked scope boxes (consent page), and `fields`. */
      const submit = (page: LightMyRequestResponse, fields: [string, string][]) => {
        const form = new URLSearchParams(hiddenFields(page.body));
        for (const m of page.body.matchAll(/type="checkbox" id="[^"]+" name="scope" value="([^"]+)" checked>/g)) form.append('scope', unescape(m[1] ?? ''));
        for (const [name, value] of fields) form.append(name, value);
        return portico.app.inject({
          method: 'POST',
          url: '/auth/authorize/decision',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
          payload: form.toString(),
        });
      };
      const redeem = async (res: LightMyRequestResponse, clientId = 'picker-app') => {
        assert.ok(res.statusCode === 302 || res.statusCode === 303, `${res.statusCode} ${res.body}`);
        const code = new URL(String(res.headers.location)).searchParams.get('code');
        assert.ok(code, String(res.headers.location));
        const token = await portico.app.inject({
          method: 'POST',
          url: '/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: codeVerifier }).toString(),
        });
        assert.equal(token.statusCode, 200, token.body);
        return token.json() as Record<string, unknown>;
      };
      return { open: () => b.get(`/auth/authorize?${params.toString()}`), submit, redeem };
    };

    it('the patient picker lists patients, searches by name or id, and the chosen one becomes the token patient', async () => {
      const b = await signedIn(PRACTITIONER);
      const flow = start(b, 'launch/patient openid fhirUser patient/Patient.rs');
      // The patient is chosen first, so that consent can name whose record it is.
      const picker = await flow.open();
      assert.equal(picker.statusCode, 200, picker.body);
      assert.doesNotMatch(picker.body, /name="decision"|name="scope"/, 'the picker grants nothing');
      assert.equal(picker.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(picker.headers['content-security-policy']), /default-src 'none'/);
      // The first page lists patients without a search.
      assert.deepEqual(radios(picker.body, 'patient').sort(), ['jones-1', 'smith-1', 'smith-2', 'test-pt-1']);
      assert.match(picker.body, /<input id="patient_search" name="patient_search" type="search" value=""/);
      assert.match(picker.body, /Alice Smith · born 1980-01-02 <code>smith-1<\/code>/);
      // Names are escaped.
      assert.match(picker.body, /&lt;Carol&gt; Jones/);
      assert.doesNotMatch(picker.body, /<Carol>/);

      const bySurname = await flow.submit(picker, [['patient_search', 'smi'], ['patient_action', 'search']]);
      assert.equal(bySurname.statusCode, 200);
      assert.deepEqual(radios(bySurname.body, 'patient').sort(), ['smith-1', 'smith-2']);
      assert.match(bySurname.body, /value="smi"/);
      const byFullName = await flow.submit(picker, [['patient_search', 'Alice Smith'], ['patient_action', 'search']]);
      assert.deepEqual(radios(byFullName.body, 'patient'), ['smith-1']);
      const byId = await flow.submit(picker, [['patient_search', 'jones-1'], ['patient_action', 'search']]);
      assert.deepEqual(radios(byId.body, 'patient'), ['jones-1']);
      const none = await flow.submit(picker, [['patient_search', 'nobody'], ['patient_action', 'search']]);
      assert.deepEqual(radios(none.body, 'patient'), []);
      assert.match(none.body, /No patient matches/);
      // A search button press with a patient selected still only searches.
      const searchWins = await flow.submit(picker, [['patient', 'smith-1'], ['patient_search', 'jones'], ['patient_action', 'search']]);
      assert.equal(searchWins.statusCode, 200);
      assert.deepEqual(radios(searchWins.body, 'patient'), ['jones-1']);

      // Continue with nothing chosen, or with an unknown id: the picker again, with an error.
      const nothing = await flow.submit(bySurname, [['patient_action', 'choose']]);
      assert.equal(nothing.statusCode, 200);
      assert.match(nothing.body, /role="alert">Choose a patient\./);
      const unknown = await flow.submit(bySurname, [['patient', 'no-such-patient'], ['patient_action', 'choose']]);
      assert.equal(unknown.statusCode, 200);
      assert.match(unknown.body, /No patient has that id/);

      const consent = await flow.submit(bySurname, [['patient', 'smith-2'], ['patient_action', 'choose']]);
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /this patient’s record/);
      assert.match(consent.body, /<p class="patient">Patient: <strong>Bob Smith<\/strong> \(smith-2\)<\/p>/);
      // The practitioner acts on the patient's record: the scopes say whose, never "your".
      assert.match(consent.body, /Read this patient(’|&#39;|')s demographics/);
      assert.doesNotMatch(consent.body, /Read your /);
      const token = await flow.redeem(await flow.submit(consent, [['decision', 'allow']]));
      assert.equal(token.patient, 'smith-2');
      assert.equal(token.encounter, undefined);
      // "My apps" lists the grant in the same words: a practitioner's app acts on a patient's record.
      const apps = await b.get('/auth/apps');
      assert.equal(apps.statusCode, 200, apps.body);
      assert.match(apps.body, /Read this patient(’|&#39;|')s demographics/);
      assert.doesNotMatch(apps.body, /Read your /);
    });

    it('launch/encounter: after the patient, the encounter picker lists that patient’s visits, most recent first; the choice is checked and reaches the token', async () => {
      const b = await signedIn(PRACTITIONER);
      const flow = start(b, 'launch/patient launch/encounter openid fhirUser patient/Encounter.rs');
      const picker = await flow.open();
      const encounters = await flow.submit(picker, [['patient', 'smith-1'], ['patient_action', 'choose']]);
      assert.equal(encounters.statusCode, 200, encounters.body);
      assert.equal(encounters.headers['x-frame-options'], 'SAMEORIGIN');
      assert.deepEqual(radios(encounters.body, 'encounter'), ['enc-new', 'enc-old']);
      assert.match(encounters.body, /2024-05-06 10:00 UTC · ambulatory · in-progress <code>enc-new<\/code>/);
      assert.match(encounters.body, /2020-01-01 09:00 UTC · Office visit · finished <code>enc-old<\/code>/);
      assert.match(encounters.body, /<input type="hidden" name="patient" value="smith-1">/);

      // Another patient's encounter, or none chosen: the picker again, with an error.
      const foreign = await flow.submit(encounters, [['encounter', 'enc-jones'], ['encounter_action', 'choose']]);
      assert.equal(foreign.statusCode, 200);
      assert.match(foreign.body, /role="alert">That visit is not one of this patient/);
      const nothing = await flow.submit(encounters, [['encounter_action', 'choose']]);
      assert.match(nothing.body, /role="alert">Choose a visit\./);
      // A tampered patient field is checked again too: jones-1 with smith-1's visit is refused.
      const tampered = new URLSearchParams(hiddenFields(encounters.body));
      tampered.set('patient', 'jones-1');
      const swapped = await portico.app.inject({
        method: 'POST',
        url: '/auth/authorize/decision',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: `${tampered.toString()}&encounter=enc-old&encounter_action=choose`,
      });
      assert.equal(swapped.statusCode, 200);
      assert.match(swapped.body, /That visit is not one of this patient/);

      const consent = await flow.submit(encounters, [['encounter', 'enc-old'], ['encounter_action', 'choose']]);
      assert.match(consent.body, /<input type="hidden" name="encounter" value="enc-old">/);
      const token = await flow.redeem(await flow.submit(consent, [['decision', 'allow']]));
      assert.equal(token.patient, 'smith-1');
      assert.equal(token.encounter, 'enc-old');
      assert.match(String(token.scope), /launch\/encounter/);
      const api = fhirClient(portico.app, `Bearer ${String(token.access_token)}`);
      assert.equal((await api.get('Encounter/enc-old')).status, 200);
    });

    it('launch/encounter for a patient without encounters: no encounter picker, no encounter', async () => {
      const b = await signedIn(PRACTITIONER);
      const flow = start(b, 'launch/patient launch/encounter openid fhirUser patient/Patient.rs');
      const picker = await flow.open();
      const token = await flow.redeem(await flow.submit(await flow.submit(picker, [['patient', 'smith-2'], ['patient_action', 'choose']]), [['decision', 'allow']]));
      assert.equal(token.patient, 'smith-2');
      assert.equal(token.encounter, undefined);
    });

    it('a patient user picks one of their own encounters', async () => {
      const b = await signedIn(PATIENT);
      const flow = start(b, 'launch/patient launch/encounter openid fhirUser patient/Encounter.rs');
      const encounters = await flow.open();
      assert.equal(encounters.statusCode, 200, encounters.body);
      assert.deepEqual(radios(encounters.body, 'encounter'), ['enc-pt1']);
      assert.match(encounters.body, /Check-up/);
      const refused = await flow.submit(encounters, [['encounter', 'enc-new'], ['encounter_action', 'choose']]);
      assert.match(refused.body, /That visit is not one of this patient/);
      const consent = await flow.submit(encounters, [['encounter', 'enc-pt1'], ['encounter_action', 'choose']]);
      // A patient reads about their own record.
      assert.match(consent.body, /Read your visits/);
      assert.doesNotMatch(consent.body, /this patient(’|&#39;|')s/);
      const token = await flow.redeem(await flow.submit(consent, [['decision', 'allow']]));
      assert.equal(token.patient, 'test-pt-1');
      assert.equal(token.encounter, 'enc-pt1');
    });

    it('an EHR launch keeps its own context: no encounter picker even with launch/encounter', async () => {
      const b = await signedIn(PRACTITIONER);
      const launch = await createLaunchToken(
        { client: 'ehr-app', user: 'sandbox-practitioner', patient: 'smith-1' },
        { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date(), newId: randomUUID },
      );
      const flow = start(b, 'launch launch/encounter openid fhirUser patient/Encounter.rs', { client_id: 'ehr-app', launch });
      const res = await flow.open();
      assert.equal(res.statusCode, 302, res.body);
      const token = await flow.redeem(res, 'ehr-app');
      assert.equal(token.patient, 'smith-1');
      assert.equal(token.encounter, undefined);
    });
  });
}
