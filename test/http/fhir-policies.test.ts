import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;

const observation = (id: string, subject: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: `Patient/${subject}` },
});

const denialOf = (res: FhirReply): string => {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
  return String(res.body.issue[0].diagnostics);
};

for (const driver of drivers) {
  describe(`AccessPolicies on the FHIR API (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;
    let grantSeq = 0;

    /** An access token of `clientId` for `sub` (a User id, or the client itself for client_credentials). */
    async function token(clientId: string, sub: string, scope: string, patient?: string): Promise<FhirClient> {
      const grant = `grant-${++grantSeq}`;
      await portico.grants.save({ id: grant, clientId, scope, ...(sub !== clientId ? { userId: sub } : {}), ...(patient ? { patient } : {}) }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: TEST_BASE_URL, sub, aud: FHIR_BASE, client_id: clientId, scope, grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 600, ...(patient ? { patient } : {}) };
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key);
      return fhirClient(portico.app, `Bearer ${jwt}`);
    }

    async function put(path: string, body: Record<string, unknown>): Promise<void> {
      const res = await admin('PUT', path, { body });
      assert.ok(res.status === 200 || res.status === 201, res.text);
    }
    const client = (id: string) => put(`/Client/${id}`, { secret: `${id}-secret`, grant_types: ['client_credentials'], scope: ['system/*.rs'] });
    const user = (id: string) => put(`/User/${id}`, { email: `${id}@example.org`, password: 'a long sandbox password', fhirUser: { resourceType: 'Practitioner', id: 'doc' } });

    before(async () => {
      portico = await startPortico(driver);
      admin = adminHttp(portico.app);
      const root = fhirClient(portico.app);
      for (const resource of [
        { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] },
        { resourceType: 'Patient', id: 'pb', name: [{ family: 'Beta' }] },
        { resourceType: 'Practitioner', id: 'doc', name: [{ family: 'Doc' }] },
        observation('oa', 'pa'),
        observation('ob', 'pb'),
      ]) {
        const res = await root.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.ok(res.status === 201 || res.status === 200, res.text);
      }
      for (const id of ['no-policy-app', 'allowed-app', 'user-linked-app', 'read-only-app', 'gone-app']) await client(id);
      for (const id of ['alice', 'bob']) await user(id);
      await put('/AccessPolicy/allowed-app', { engine: 'allow', link: [{ resourceType: 'Client', id: 'allowed-app' }] });
      await put('/AccessPolicy/gone-app', { engine: 'allow', link: [{ resourceType: 'Client', id: 'gone-app' }] });
      await put('/AccessPolicy/alice', { engine: 'allow', link: [{ resourceType: 'User', id: 'alice' }] });
      // Reads and searches of Patient only, for one client.
      await put('/AccessPolicy/read-only-app', {
        engine: 'matcho',
        link: [{ resourceType: 'Client', id: 'read-only-app' }],
        matcho: { operation: { id: { $enum: ['fhir.read', 'fhir.search-type'] } }, resourceType: 'Patient' },
      });
    });
    after(() => portico.stop());

    it('user/ scopes without any AccessPolicy: 403 naming the missing policy, not an empty 200', async () => {
      const app = await token('no-policy-app', 'bob', 'user/Patient.rs user/Observation.rs');
      assert.match(denialOf(await app.get('Patient/pa')), /no AccessPolicy allows Client\/no-policy-app or User\/bob/);
      denialOf(await app.get('Observation'));
    });

    it('system/ scopes without any AccessPolicy: 403', async () => {
      const backend = await token('no-policy-app', 'no-policy-app', 'system/*.rs');
      assert.match(denialOf(await backend.get('Observation')), /no AccessPolicy allows Client\/no-policy-app this request/);
    });

    it('an allow policy linked to the Client lets its user/ and system/ tokens act', async () => {
      const asUser = await token('allowed-app', 'bob', 'user/Patient.rs user/Observation.rs');
      assert.equal((await asUser.get('Patient/pb')).status, 200);
      assert.equal((await asUser.get('Observation')).body.entry.length, 2);
      const backend = await token('allowed-app', 'allowed-app', 'system/*.rs');
      assert.equal((await backend.get('Observation/ob')).status, 200);
    });

    it('an allow policy linked to a User covers that user only', async () => {
      const alice = await token('user-linked-app', 'alice', 'user/Patient.rs');
      assert.equal((await alice.get('Patient/pa')).status, 200);
      const bob = await token('user-linked-app', 'bob', 'user/Patient.rs');
      denialOf(await bob.get('Patient/pa'));
    });

    it('a matcho policy narrows what the scopes allow: Patient reads and searches only', async () => {
      const app = await token('read-only-app', 'bob', 'user/Patient.cruds user/Observation.rs');
      assert.equal((await app.get('Patient/pa')).status, 200);
      assert.equal((await app.get('Patient?name=Alpha')).body.entry.length, 1);
      denialOf(await app.put('Patient/pa', { resourceType: 'Patient', id: 'pa', name: [{ family: 'Changed' }] }));
      denialOf(await app.get('Observation/oa'));
      denialOf(await app.get('Patient/pa/_history'));
    });

    it('scopes still decide first: a policy never widens a token', async () => {
      const app = await token('allowed-app', 'bob', 'user/Patient.rs');
      const denied = denialOf(await app.get('Observation'));
      assert.match(denied, /no granted scope covers Observation/);
    });

    it('patient/ scopes need no policy; mixed with ungated user/ scopes, only the patient ones act', async () => {
      const patientApp = await token('no-policy-app', 'bob', 'launch/patient patient/Observation.rs patient/Patient.rs', 'pa');
      assert.equal((await patientApp.get('Observation/oa')).status, 200);
      assert.equal((await patientApp.get('Patient/pa')).status, 200);
      const mixed = await token('no-policy-app', 'bob', 'launch/patient patient/Observation.rs user/Observation.rs', 'pa');
      assert.deepEqual((await mixed.get('Observation')).body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['oa']);
      // Only the patient/ scope acts: another patient's Observation is not there for this token (catalogue K1).
      assert.equal((await mixed.get('Observation/ob')).status, 404);
    });

    it('batch entries are each decided with the policies', async () => {
      const app = await token('read-only-app', 'bob', 'user/Patient.rs user/Observation.rs');
      const batch = await app.post('', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Patient/pa' } }, { request: { method: 'GET', url: 'Observation/oa' } }],
      });
      assert.equal(batch.status, 200, batch.text);
      assert.deepEqual(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)), ['200', '403']);
    });

    it('_explain names the policy that allowed, or says none did (sandbox)', async () => {
      const allowed = await (await token('allowed-app', 'bob', 'user/Patient.rs')).get('Patient?_explain=true');
      assert.match(String(allowed.body.issue[0].diagnostics), /allowed: .*AccessPolicy\/allowed-app allows it/);
      const denied = await (await token('no-policy-app', 'bob', 'user/Patient.rs')).get('Patient?_explain=true');
      assert.match(String(denied.body.issue[0].diagnostics), /denied: .*no AccessPolicy allows/);
    });

    it('a deleted Client loses its policy-backed access at once: its token no longer authenticates', async () => {
      const app = await token('gone-app', 'gone-app', 'system/Patient.rs');
      assert.equal((await app.get('Patient/pa')).status, 200);
      assert.equal((await admin('DELETE', '/Client/gone-app')).status, 200);
      const res = await app.get('Patient/pa');
      assert.equal(res.status, 401, res.text);
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    });
  });
}
