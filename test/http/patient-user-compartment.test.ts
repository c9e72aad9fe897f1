import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { createLaunchToken } from '../../src/auth/launch/launch-token.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, type Browser } from './login-support.ts';

/**
 * A user whose fhirUser is a Patient (or a RelatedPerson) reaches their patient's compartment and nothing
 * else, whatever the client's scopes and AccessPolicies: at authorization (what is granted) and on every
 * FHIR request (what any token acting for them can do). The sandbox population (25 patients) and its
 * demo clients, as a sandbox start seeds them.
 */

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const ME = 'test-pt-1';
const OTHER = 'pt-00002';
const THIRD = 'pt-00003';
/** test-pt-1 is Amy Shaw (also Amy Baker); pt-00003 is a Garcia, a family test-pt-1 does not have. */
const OWN_FAMILY = 'Shaw';
const OTHER_FAMILY = 'Garcia';
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };
const DEMO_REDIRECT = `${TEST_BASE_URL}/sample-app/`;
const WIDE_REDIRECT = 'http://wide-app.example/redirect';
const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
/** Everything a client may ask for, and more than any patient/ scope can do. */
const WIDE_SCOPE = `openid fhirUser launch/patient user/*.cruds user/Practitioner.cud user/Practitioner.rs user/Location.* user/Group.rs system/*.rs user/Observation.rs?${LAB}`;

type Json = Record<string, unknown>;
type Entry = { resource: { resourceType: string; id: string; [key: string]: unknown }; search?: { mode?: string } };

const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The page's `scope` checkboxes, values unescaped. */
const checkboxes = (body: string): string[] =>
  [...body.matchAll(/<input type="checkbox" id="[^"]+" name="scope" value="([^"]*)"( checked)?>/g)].map((m) => unescape(m[1] ?? ''));

const entriesOf = (res: FhirReply): Entry[] => {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.resourceType, 'Bundle', res.text);
  return (res.body.entry ?? []) as Entry[];
};
const matches = (res: FhirReply) => entriesOf(res).filter((e) => e.search?.mode !== 'include');
const included = (res: FhirReply) => entriesOf(res).filter((e) => e.search?.mode === 'include');
const keys = (entries: Entry[]) => entries.map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
const subjectOf = (entry: Entry) => (entry.resource.subject as { reference?: string } | undefined)?.reference;

/** A refusal: 403, an OperationOutcome, and the RFC 6750 insufficient_scope challenge. */
function assertForbidden(res: FhirReply): void {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].code, 'forbidden');
  assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
}

/** Not there for the caller: the 404 of an unknown id. */
function assertNotFound(res: FhirReply): void {
  assert.equal(res.status, 404, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].code, 'not-found');
}

const observation = (id: string, subject: string, extra: Json = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: `Patient/${subject}` },
  ...extra,
});

for (const driver of drivers) {
  describe(`a patient user stays in their patient's compartment (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let admin: ReturnType<typeof adminHttp>;
    let patientBrowser: Browser;
    let practitionerBrowser: Browser;
    /** The finding's request: the sandbox patient, demo-public-app, `openid fhirUser user/*.rs`. */
    let patientToken: Json;
    let patientApi: FhirClient;
    /** The sandbox practitioner with the same client and scopes: what a leak would look like. */
    let practitionerApi: FhirClient;
    let patientAuthorization: string;
    let grantSeq = 0;
    let browsers = 0;

    const signedIn = async (who: { email: string; password: string }): Promise<Browser> => {
      const b = browser(portico.app, `203.0.113.${++browsers}`);
      assert.equal((await b.signIn(who.email, who.password)).statusCode, 303);
      return b;
    };

    /** One authorization in a signed-in browser: open it, answer its pages as a browser would, redeem the code. */
    const authorization = (b: Browser, clientId: string, scope: string, extra: Record<string, string> = {}) => {
      const redirectUri = clientId === 'demo-public-app' ? DEMO_REDIRECT : WIDE_REDIRECT;
      const verifier = randomBytes(48).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope,
        state: 'compartment-state',
        aud: FHIR_BASE,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...extra,
      });
      const open = () => b.get(`/auth/authorize?${params.toString()}`);
      /** Submits a page's form: its hidden fields, every checked scope box, and `fields`. */
      const submit = (page: LightMyRequestResponse, fields: [string, string][]) => {
        const form = new URLSearchParams([...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1] ?? '', unescape(m[2] ?? '')]));
        for (const m of page.body.matchAll(/type="checkbox" id="[^"]+" name="scope" value="([^"]+)" checked>/g)) form.append('scope', unescape(m[1] ?? ''));
        for (const [name, value] of fields) form.append(name, value);
        return portico.app.inject({
          method: 'POST',
          url: '/auth/authorize/decision',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
          payload: form.toString(),
        });
      };
      const redeem = async (res: LightMyRequestResponse): Promise<Json> => {
        assert.ok(res.statusCode === 302 || res.statusCode === 303, `${res.statusCode} ${res.body}`);
        const code = new URL(String(res.headers.location)).searchParams.get('code');
        assert.ok(code, String(res.headers.location));
        const token = await portico.app.inject({
          method: 'POST',
          url: '/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }).toString(),
        });
        assert.equal(token.statusCode, 200, token.body);
        return token.json() as Json;
      };
      /** The consent page, every offered scope allowed, the code redeemed. */
      const allowAll = async (fields: [string, string][] = []) => {
        const page = await open();
        assert.equal(page.statusCode, 200, page.body);
        return redeem(await submit(page, [['decision', 'allow'], ...fields]));
      };
      return { open, submit, redeem, allowAll };
    };

    /** An error redirect back to the app: its `error`, with no code. */
    const errorOf = (res: LightMyRequestResponse): string | null => {
      assert.ok(res.statusCode === 302 || res.statusCode === 303, `${res.statusCode} ${res.body}`);
      const params = new URL(String(res.headers.location)).searchParams;
      assert.equal(params.get('code'), null);
      assert.equal(params.get('state'), 'compartment-state');
      return params.get('error');
    };

    const bearer = (token: Json) => fhirClient(portico.app, `Bearer ${String(token.access_token)}`);

    /**
     * An access token as the token endpoint signs it, for a grant stored as active: what an earlier
     * version of the server issued, or any other path that builds a grant.
     */
    async function issuedToken(clientId: string, sub: string, scope: string, context: { fhirUser?: string; patient?: string }): Promise<FhirClient> {
      const grant = `old-grant-${++grantSeq}`;
      // A client_credentials grant (sub = the client) has no user; a grant is stored only for a User that exists.
      await portico.grants.save({ id: grant, clientId, ...(sub !== clientId ? { userId: sub } : {}), scope, ...context }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: TEST_BASE_URL, sub, aud: FHIR_BASE, client_id: clientId, scope, grant, jti: `old-jti-${grantSeq}`, iat: now, exp: now + 600, ...context };
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key);
      return fhirClient(portico.app, `Bearer ${jwt}`);
    }

    const mintDebug = (body: Json) => portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: body });

    before(async () => {
      portico = await startPortico(driver, { SEED: 'demo', BULK_EXPORT_WORKER: 'false' });
      root = fhirClient(portico.app);
      admin = adminHttp(portico.app);
      const put = async (path: string, body: Json) => {
        const res = await admin('PUT', path, { body });
        assert.ok(res.status === 200 || res.status === 201, res.text);
      };
      // A public app that may ask for any scope, with an AccessPolicy linked to it that allows everything.
      await put('/Client/wide-app', {
        resourceType: 'Client',
        active: true,
        name: 'Wide App',
        type: 'smart-app',
        grant_types: ['authorization_code', 'refresh_token'],
        auth: { authorization_code: { redirect_uri: WIDE_REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
      });
      await put('/AccessPolicy/wide-app', { engine: 'allow', link: [{ resourceType: 'Client', id: 'wide-app' }] });
      // In test-pt-1's compartment by its performer, about another patient: its subject must never be included.
      const shared = await root.put('Observation/shared-obs', observation('shared-obs', OTHER, { performer: [{ reference: `Patient/${ME}` }] }));
      assert.equal(shared.status, 201, shared.text);

      patientBrowser = await signedIn(PATIENT);
      practitionerBrowser = await signedIn(PRACTITIONER);
      patientToken = await authorization(patientBrowser, 'demo-public-app', 'openid fhirUser user/*.rs').allowAll();
      patientAuthorization = `Bearer ${String(patientToken.access_token)}`;
      patientApi = bearer(patientToken);
      practitionerApi = bearer(await authorization(practitionerBrowser, 'demo-public-app', 'openid fhirUser user/*.rs').allowAll());
    });
    after(() => portico.stop());

    describe('authorization', () => {
      it('the finding\'s request grants the same scopes as patient/ ones, with the patient in context; a practitioner keeps user/', async () => {
        const page = await authorization(patientBrowser, 'demo-public-app', 'openid fhirUser user/*.rs').open();
        assert.equal(page.statusCode, 200, page.body);
        // The consent page shows what will be granted.
        assert.deepEqual(checkboxes(page.body), ['openid', 'fhirUser', 'patient/*.rs']);
        assert.equal(patientToken.scope, 'openid fhirUser patient/*.rs');
        assert.equal(patientToken.patient, ME);
        assert.equal(patientToken.need_patient_banner, true);

        const doctor = await authorization(practitionerBrowser, 'demo-public-app', 'openid fhirUser user/*.rs').open();
        assert.deepEqual(checkboxes(doctor.body), ['openid', 'fhirUser', 'user/*.rs']);
      });

      it('every user/ scope becomes the same patient/ scope (v1 and v2, granular), with only what a patient/ scope can do; no system/ scope', async () => {
        const flow = authorization(patientBrowser, 'wide-app', WIDE_SCOPE);
        const page = await flow.open();
        const expected = [
          'openid',
          'fhirUser',
          'launch/patient',
          'patient/*.cruds',
          'patient/Practitioner.rs',
          // v1 stays v1: read and search of a type read by reference is `read`.
          'patient/Location.read',
          `patient/Observation.rs?${LAB}`,
        ];
        assert.deepEqual(checkboxes(page.body), expected);
        assert.doesNotMatch(page.body, /user\/|system\//);
        const token = await flow.redeem(await flow.submit(page, [['decision', 'allow']]));
        assert.deepEqual(String(token.scope).split(' '), expected);
        assert.equal(token.patient, ME);
        // The same request by a practitioner is granted as asked (the client may have any scope).
        // (a practitioner chooses the patient first).
        const doctorFlow = authorization(practitionerBrowser, 'wide-app', WIDE_SCOPE);
        const doctor = await doctorFlow.submit(await doctorFlow.open(), [['patient', OTHER], ['patient_action', 'choose']]);
        assert.ok(checkboxes(doctor.body).includes('user/Practitioner.cud'), doctor.body);
      });

      it('a patient user asking only for what a patient/ scope cannot do gets invalid_scope and no code', async () => {
        const res = await authorization(patientBrowser, 'wide-app', 'user/Practitioner.cud user/Group.rs system/*.rs').open();
        assert.equal(errorOf(res), 'invalid_scope');
      });

      it('the patient picker is never theirs: a posted patient id is ignored, the token patient is their own', async () => {
        const token = await authorization(patientBrowser, 'demo-public-app', 'launch/patient openid fhirUser user/*.rs').allowAll([
          ['patient', OTHER],
          ['patient_action', 'choose'],
        ]);
        assert.equal(token.patient, ME);
        assertNotFound(await bearer(token).get(`Patient/${OTHER}`));
      });

      it('an EHR launch for another patient is refused (access_denied); one for their own patient works', async () => {
        const launchFor = (patient: string) =>
          createLaunchToken(
            { client: 'wide-app', user: 'sandbox-patient', patient },
            { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date(), newId: randomUUID },
          );
        const own = await authorization(patientBrowser, 'wide-app', 'launch openid fhirUser user/*.rs', { launch: await launchFor(ME) }).allowAll();
        assert.equal(own.patient, ME);
        assert.equal(own.scope, 'launch openid fhirUser patient/*.rs');
        const other = await authorization(patientBrowser, 'wide-app', 'launch openid fhirUser user/*.rs', { launch: await launchFor(OTHER) }).open();
        assert.equal(errorOf(other), 'access_denied');
        // A practitioner's launch for that patient is still theirs.
        const doctorLaunch = await createLaunchToken(
          { client: 'wide-app', user: 'sandbox-practitioner', patient: OTHER },
          { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date(), newId: randomUUID },
        );
        const doctor = await authorization(practitionerBrowser, 'wide-app', 'launch openid fhirUser user/*.rs', { launch: doctorLaunch }).allowAll();
        assert.equal(doctor.patient, OTHER);
      });
    });

    describe('the FHIR API with the patient user\'s token', () => {
      it('reads their own Patient; another patient is not there for them (404), as the practitioner shows it exists', async () => {
        assert.equal((await patientApi.get(`Patient/${ME}`)).status, 200);
        assertNotFound(await patientApi.get(`Patient/${OTHER}`));
        assert.equal((await practitionerApi.get(`Patient/${OTHER}`)).status, 200);
        const theirs = matches(await root.get(`Observation?patient=${THIRD}&_count=1`))[0];
        assert.ok(theirs);
        assertNotFound(await patientApi.get(`Observation/${theirs.resource.id}`));
        assert.equal((await practitionerApi.get(`Observation/${theirs.resource.id}`)).status, 200);
      });

      it('searches list only their compartment: Patient is themselves, another patient\'s Observations are no error and no entries', async () => {
        assert.deepEqual(keys(matches(await patientApi.get('Patient?_count=100'))), [`Patient/${ME}`]);
        assert.equal(matches(await practitionerApi.get('Patient?_count=100')).length, 25);

        const others = await patientApi.get(`Observation?patient=${THIRD}&_count=100`);
        assert.deepEqual(matches(others), []);
        assert.ok(matches(await practitionerApi.get(`Observation?patient=${THIRD}&_count=100`)).length > 0);

        const own = matches(await patientApi.get(`Observation?patient=${ME}&_count=1000`));
        assert.ok(own.length > 0);
        for (const entry of own) assert.equal(subjectOf(entry), `Patient/${ME}`);
        // Without a patient parameter: still their compartment only (their own, and the one they performed).
        for (const entry of matches(await patientApi.get('Observation?_count=1000'))) {
          assert.ok(subjectOf(entry) === `Patient/${ME}` || entry.resource.id === 'shared-obs', `${entry.resource.id} is about ${subjectOf(entry)}`);
        }
      });

      it('_include and _revinclude bring no other patient\'s resources', async () => {
        const include = await patientApi.get('Observation?_id=shared-obs&_include=Observation:subject');
        assert.deepEqual(keys(matches(include)), ['Observation/shared-obs']);
        assert.deepEqual(keys(included(include)), []);
        assert.deepEqual(keys(included(await practitionerApi.get('Observation?_id=shared-obs&_include=Observation:subject'))), [`Patient/${OTHER}`]);

        const groups = await patientApi.get(`Patient?_id=${ME}&_revinclude=Group:member`);
        assert.deepEqual(keys(matches(groups)), [`Patient/${ME}`]);
        assert.deepEqual(keys(included(groups)), []);
        assert.deepEqual(keys(included(await practitionerApi.get(`Patient?_id=${ME}&_revinclude=Group:member`))), ['Group/sandbox-patients']);

        const revinclude = await patientApi.get(`Patient?_revinclude=Observation:subject&_count=1000`);
        assert.deepEqual(keys(matches(revinclude)), [`Patient/${ME}`]);
        assert.ok(included(revinclude).length > 0);
        for (const entry of included(revinclude)) assert.equal(subjectOf(entry), `Patient/${ME}`);
      });

      it('chained search: another patient\'s family name finds nothing, their own finds their own', async () => {
        assert.deepEqual(matches(await patientApi.get(`Observation?subject:Patient.name=${OTHER_FAMILY}&_count=100`)), []);
        assert.ok(matches(await practitionerApi.get(`Observation?subject:Patient.name=${OTHER_FAMILY}&_count=100`)).length > 0);
        const own = matches(await patientApi.get(`Observation?subject:Patient.name=${OWN_FAMILY}&_count=1000`));
        assert.ok(own.length > 0);
        for (const entry of own) assert.equal(subjectOf(entry), `Patient/${ME}`);
        // pt-00009 is a Shaw too: the practitioner sees that family's other Observations.
        const doctor = matches(await practitionerApi.get(`Observation?subject:Patient.name=${OWN_FAMILY}&_count=1000`));
        assert.ok(doctor.some((entry) => subjectOf(entry) !== `Patient/${ME}`));
      });

      it('_has and chains reach other types only as the token may: their own records count, a type without a scope is refused', async () => {
        const own = matches(await patientApi.get(`Observation?patient=${ME}&_count=1`));
        const code = (own[0]?.resource.code as { coding: { code: string }[] } | undefined)?.coding[0]?.code;
        assert.ok(code, 'test-pt-1 has a coded Observation');
        assert.deepEqual(keys(matches(await patientApi.get(`Patient?_has:Observation:patient:code=${code}`))), [`Patient/${ME}`]);
        // Another patient's Observation is not theirs to count: _has through it finds nothing.
        assert.deepEqual(keys(matches(await patientApi.get(`Patient?_has:Observation:subject:_id=shared-obs`))), []);
        assert.deepEqual(keys(matches(await practitionerApi.get(`Patient?_has:Observation:subject:_id=shared-obs`))), [`Patient/${OTHER}`]);

        const patientsOnly = bearer(await authorization(patientBrowser, 'demo-public-app', 'openid fhirUser patient/Patient.rs').allowAll());
        assert.deepEqual(keys(matches(await patientsOnly.get(`Patient?_id=${ME}`))), [`Patient/${ME}`]);
        assertForbidden(await patientsOnly.get(`Patient?_has:Observation:patient:code=${code}`));
        const observationsOnly = bearer(await authorization(patientBrowser, 'demo-public-app', 'openid fhirUser patient/Observation.rs').allowAll());
        assert.ok(matches(await observationsOnly.get(`Observation?patient=${ME}&_count=5`)).length > 0);
        assertForbidden(await observationsOnly.get(`Observation?subject:Patient.name=${OWN_FAMILY}`));
      });

      it('history: another patient\'s is 404, the type\'s holds only their own, the system\'s is refused', async () => {
        assertNotFound(await patientApi.get(`Patient/${OTHER}/_history`));
        assert.equal((await patientApi.get(`Patient/${ME}/_history`)).status, 200);
        const typeHistory = entriesOf(await patientApi.get('Patient/_history?_count=100'));
        assert.deepEqual([...new Set(keys(typeHistory))], [`Patient/${ME}`]);
        assert.ok(new Set(keys(entriesOf(await practitionerApi.get('Patient/_history?_count=100')))).size > 1);
        assertForbidden(await patientApi.get('_history'));
      });

      it('Group is out of reach: read and search are 403, where the practitioner reads all 25 members', async () => {
        assertForbidden(await patientApi.get('Group/sandbox-patients'));
        assertForbidden(await patientApi.get('Group'));
        assertForbidden(await patientApi.get(`Group?member=Patient/${ME}`));
        const group = await practitionerApi.get('Group/sandbox-patients');
        assert.equal(group.status, 200, group.text);
        assert.equal((group.body.member as unknown[]).length, 25);
      });

      it('batches read only their own compartment', async () => {
        const res = await patientApi.post('', {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: `Patient/${ME}` } },
            { request: { method: 'GET', url: `Patient/${OTHER}` } },
            { request: { method: 'GET', url: `Observation?patient=${THIRD}` } },
            { request: { method: 'GET', url: 'Group/sandbox-patients' } },
          ],
        });
        assert.equal(res.status, 200, res.text);
        const [own, other, search, group] = res.body.entry;
        assert.equal(own.response.status, '200 OK');
        assert.equal(other.response.status, '404 Not Found');
        assert.equal(search.response.status, '200 OK');
        assert.deepEqual(search.resource.entry ?? [], []);
        assert.equal(group.response.status, '403 Forbidden');
      });

      it('transactions write only into their compartment; conditional references do not resolve to another patient', async () => {
        // The wide app's token: user/*.cruds, granted as patient/*.cruds.
        const writer = bearer(await authorization(patientBrowser, 'wide-app', 'openid fhirUser user/*.cruds').allowAll());
        const transaction = (resource: Json, request: Json) =>
          writer.post('', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource, request }] });
        const tagged = (id: string, subject: string, extra: Json = {}) =>
          observation(id, subject, { identifier: [{ system: 'urn:test:compartment', value: id }], ...extra });
        const written = async (id: string) => matches(await root.get(`Observation?identifier=urn:test:compartment|${id}`)).length;

        const own = await transaction(tagged('tx-own', ME), { method: 'POST', url: 'Observation' });
        assert.equal(own.status, 200, own.text);
        assert.equal(await written('tx-own'), 1);
        const other = await transaction(tagged('tx-other', OTHER), { method: 'POST', url: 'Observation' });
        assertForbidden(other);
        assert.equal(await written('tx-other'), 0);

        // Overwriting another patient's Observation (moving it into their own compartment) is refused too.
        const theirs = matches(await root.get(`Observation?patient=${THIRD}&_count=1`))[0];
        assert.ok(theirs);
        const before = await root.get(`Observation/${theirs.resource.id}`);
        assertForbidden(await transaction(tagged(theirs.resource.id, ME), { method: 'PUT', url: `Observation/${theirs.resource.id}` }));
        const after = await root.get(`Observation/${theirs.resource.id}`);
        assert.equal(after.body.meta.versionId, before.body.meta.versionId);
        assert.equal(subjectOf({ resource: after.body }), `Patient/${THIRD}`);

        // Another patient answers like nobody; their own resolves.
        const conditional = (id: string, reference: string) => transaction(tagged(id, ME, { subject: { reference } }), { method: 'POST', url: 'Observation' });
        const toOther = await conditional('tx-cond-other', `Patient?_id=${OTHER}`);
        const toNobody = await conditional('tx-cond-nobody', 'Patient?_id=no-such-patient');
        assert.equal(toOther.status, 400, toOther.text);
        assert.equal(toOther.body.issue[0].code, toNobody.body.issue[0].code);
        assert.equal(await written('tx-cond-other'), 0);
        const toSelf = await conditional('tx-cond-own', `Patient?_id=${ME}`);
        assert.equal(toSelf.status, 200, toSelf.text);
        assert.equal(toSelf.body.entry[0].resource.subject.reference, `Patient/${ME}`);
      });
    });

    describe('Bulk Data export with the patient user\'s token', () => {
      const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };
      type Line = { resourceType: string; id: string; [key: string]: unknown };

      /** Kicks off an export with the patient user's token, runs it, and reads every line of its files. */
      async function exported(path: string): Promise<Line[]> {
        const kickOff = await patientApi.get(path, ASYNC);
        assert.equal(kickOff.status, 202, kickOff.text);
        const status = String(kickOff.headers['content-location']).slice(FHIR_BASE.length + 1);
        await portico.bulkExport.worker.runPending();
        const manifest = await patientApi.get(status, { accept: 'application/json' });
        assert.equal(manifest.status, 200, manifest.text);
        assert.deepEqual(manifest.body.error, []);
        const lines: Line[] = [];
        for (const output of manifest.body.output as { url: string }[]) {
          const file = await portico.app.inject({
            method: 'GET',
            url: output.url.slice(TEST_BASE_URL.length),
            headers: { accept: 'application/fhir+ndjson', authorization: patientAuthorization },
          });
          assert.equal(file.statusCode, 200, file.body);
          lines.push(...file.body.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line));
        }
        return lines;
      }
      /** Whether an exported resource is in test-pt-1's compartment (or read by reference from it). */
      const mine = (line: Line) =>
        ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication'].includes(line.resourceType) ||
        (line.resourceType === 'Patient' ? line.id === ME : JSON.stringify(line).includes(`"Patient/${ME}"`));

      it('system and Group exports are refused (403); the practitioner may start both', async () => {
        assertForbidden(await patientApi.get('$export', ASYNC));
        assertForbidden(await patientApi.get('Group/sandbox-patients/$export', ASYNC));
        for (const path of ['$export?_type=Patient', 'Group/sandbox-patients/$export?_type=Patient']) {
          const res = await practitionerApi.get(path, ASYNC);
          assert.equal(res.status, 202, res.text);
          // Not needed here: cancelled, so the worker never runs it.
          const status = String(res.headers['content-location']).slice(FHIR_BASE.length + 1);
          assert.equal((await practitionerApi.delete(status)).status, 202);
        }
      });

      it('Patient/$export exports their compartment only, even when it names another patient', async () => {
        const lines = await exported('Patient/$export');
        assert.deepEqual(lines.filter((l) => l.resourceType === 'Patient').map((l) => l.id), [ME]);
        assert.ok(lines.some((l) => l.resourceType === 'Observation'));
        assert.deepEqual(lines.filter((l) => l.resourceType === 'Group'), []);
        for (const line of lines) assert.ok(mine(line), `${line.resourceType}/${line.id} is not test-pt-1's`);

        const named = await exported(`Patient/$export?patient=Patient/${OTHER}`);
        assert.deepEqual(named.filter((l) => l.resourceType === 'Patient'), []);
        for (const line of named) assert.ok(mine(line), `${line.resourceType}/${line.id} is not test-pt-1's`);
      });
    });

    describe('patient/ scopes without a patient user', () => {
      it('a Group is out of reach of patient/ scopes too (it lists its other members)', async () => {
        const res = await mintDebug({ client_id: 'demo-confidential-app', scope: 'launch/patient patient/*.rs', patient_id: ME });
        assert.equal(res.statusCode, 200, res.body);
        const api = bearer(res.json());
        assert.equal((await api.get(`Patient/${ME}`)).status, 200);
        assertForbidden(await api.get('Group/sandbox-patients'));
        assertForbidden(await api.get(`Group?member=Patient/${ME}`));
        assert.deepEqual(keys(included(await api.get(`Patient?_id=${ME}&_revinclude=Group:member`))), []);
      });
    });

    describe('tokens acting for a patient user, however they were issued', () => {
      it('an earlier token with user/*.rs and their own patient acts as patient/*.rs: no policy widens it', async () => {
        const old = await issuedToken('demo-public-app', 'sandbox-patient', 'openid fhirUser user/*.rs', { fhirUser: `Patient/${ME}`, patient: ME });
        assert.equal((await old.get(`Patient/${ME}`)).status, 200);
        assertNotFound(await old.get(`Patient/${OTHER}`));
        assert.deepEqual(keys(matches(await old.get('Patient?_count=100'))), [`Patient/${ME}`]);
        assert.deepEqual(matches(await old.get(`Observation?patient=${THIRD}`)), []);
        assertForbidden(await old.get('Group/sandbox-patients'));
        // The same token for the practitioner reaches what the client's policy allows.
        const doctor = await issuedToken('demo-public-app', 'sandbox-practitioner', 'openid fhirUser user/*.rs', { fhirUser: 'Practitioner/sandbox-practitioner' });
        assert.equal((await doctor.get(`Patient/${OTHER}`)).status, 200);
      });

      it('with another patient in context, or none, it reaches no patient data at all', async () => {
        const launched = await issuedToken('wide-app', 'sandbox-patient', 'launch openid fhirUser user/*.rs', { fhirUser: `Patient/${ME}`, patient: OTHER });
        assertForbidden(await launched.get(`Patient/${OTHER}`));
        assertForbidden(await launched.get(`Observation?patient=${OTHER}`));
        assertForbidden(await launched.get(`Patient/${ME}`));
        const none = await issuedToken('wide-app', 'sandbox-patient', 'openid fhirUser user/*.rs', { fhirUser: `Patient/${ME}` });
        assertForbidden(await none.get(`Patient/${OTHER}`));
        assertForbidden(await none.get('Patient'));
        assertForbidden(await none.get('Practitioner'));
      });

      it('system/ scopes give a patient user nothing', async () => {
        const backend = await issuedToken('demo-backend-app', 'sandbox-patient', 'system/*.rs', { fhirUser: `Patient/${ME}`, patient: ME });
        assertForbidden(await backend.get(`Patient/${OTHER}`));
        assertForbidden(await backend.get('Patient'));
        assertForbidden(await backend.get('$export', { prefer: 'respond-async', accept: 'application/fhir+json' }));
        // Without a user, the backend client's system/ token reads every patient.
        const service = await issuedToken('demo-backend-app', 'demo-backend-app', 'system/*.rs', {});
        assert.equal((await service.get(`Patient/${OTHER}`)).status, 200);
      });

      it('the sandbox debug token endpoint grants a patient user their own record only', async () => {
        const res = await mintDebug({ client_id: 'demo-confidential-app', scope: 'openid fhirUser user/*.rs', user_name: PATIENT.email });
        assert.equal(res.statusCode, 200, res.body);
        const token = res.json() as Json;
        assert.equal(token.scope, 'openid fhirUser patient/*.rs');
        assert.equal(token.patient, ME);
        assert.equal((await bearer(token).get(`Patient/${ME}`)).status, 200);
        assertNotFound(await bearer(token).get(`Patient/${OTHER}`));

        const own = await mintDebug({ client_id: 'demo-confidential-app', scope: 'user/*.rs', user_name: PATIENT.email, patient_id: ME });
        assert.equal(own.statusCode, 200, own.body);
        const other = await mintDebug({ client_id: 'demo-confidential-app', scope: 'user/*.rs', user_name: PATIENT.email, patient_id: OTHER });
        assert.equal(other.statusCode, 400, other.body);
        assert.equal(other.json().error, 'invalid_request');
        const backend = await mintDebug({ client_id: 'demo-backend-app', scope: 'system/*.rs', user_name: PATIENT.email });
        assert.equal(backend.statusCode, 400, backend.body);
        assert.equal(backend.json().error, 'invalid_scope');

        const doctor = await mintDebug({ client_id: 'demo-confidential-app', scope: 'user/*.rs', user_name: PRACTITIONER.email });
        assert.equal(doctor.statusCode, 200, doctor.body);
        assert.equal(doctor.json().scope, 'user/*.rs');
        assert.equal((await bearer(doctor.json()).get(`Patient/${OTHER}`)).status, 200);
      });
    });

    describe('a RelatedPerson user', () => {
      const RELATED = 'rp-of-pt-00004';
      before(async () => {
        const put = async (path: string, body: Json) => {
          const res = await admin('PUT', path, { body });
          assert.ok(res.status === 200 || res.status === 201, res.text);
        };
        const related = (id: string, patient: string) => ({ resourceType: 'RelatedPerson', id, active: true, patient: { reference: `Patient/${patient}` } });
        assert.equal((await root.put(`RelatedPerson/${RELATED}`, related(RELATED, 'pt-00004'))).status, 201);
        assert.equal((await root.put('RelatedPerson/rp-of-nobody', related('rp-of-nobody', 'no-such-patient'))).status, 201);
        await put('/User/related-user', { email: 'related@example.test', password: 'a long sandbox password', fhirUser: `RelatedPerson/${RELATED}`, active: true });
        await put('/User/orphan-user', { email: 'orphan@example.test', password: 'a long sandbox password', fhirUser: 'RelatedPerson/rp-of-nobody', active: true });
      });

      it('is confined to RelatedPerson.patient, and loses it when the RelatedPerson no longer names that patient', async () => {
        const b = await signedIn({ email: 'related@example.test', password: 'a long sandbox password' });
        const flow = authorization(b, 'demo-public-app', 'openid fhirUser user/*.rs');
        assert.deepEqual(checkboxes((await flow.open()).body), ['openid', 'fhirUser', 'patient/*.rs']);
        const token = await flow.allowAll();
        assert.equal(token.scope, 'openid fhirUser patient/*.rs');
        assert.equal(token.patient, 'pt-00004');
        const api = bearer(token);
        assert.equal((await api.get('Patient/pt-00004')).status, 200);
        assertNotFound(await api.get(`Patient/${ME}`));
        assert.deepEqual(keys(matches(await api.get('Patient?_count=100'))), ['Patient/pt-00004']);

        const moved = await root.put(`RelatedPerson/${RELATED}`, { resourceType: 'RelatedPerson', id: RELATED, active: true, patient: { reference: 'Patient/pt-00005' } });
        assert.equal(moved.status, 200, moved.text);
        assertForbidden(await api.get('Patient/pt-00004'));
        assertForbidden(await api.get('Observation?patient=pt-00004'));
      });

      it('without a patient this server has, gets no patient data (access_denied)', async () => {
        const b = await signedIn({ email: 'orphan@example.test', password: 'a long sandbox password' });
        assert.equal(errorOf(await authorization(b, 'demo-public-app', 'openid fhirUser user/*.rs').open()), 'access_denied');
        // Its identity alone is still available.
        const token = await authorization(b, 'demo-public-app', 'openid fhirUser').allowAll();
        assert.equal(token.scope, 'openid fhirUser');
        assert.equal(token.patient, undefined);
      });
    });
  });
}
