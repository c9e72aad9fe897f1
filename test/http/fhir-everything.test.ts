import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;

interface Entry {
  fullUrl: string;
  resource: { resourceType: string; id: string };
  search: { mode: string };
}

const observation = (id: string, patient: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: `Patient/${patient}` },
  performer: [{ reference: 'Practitioner/pr1' }],
});

for (const driver of drivers) {
  describe(`Patient/$everything (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    let grantSeq = 0;

    /** An access token of `clientId` as the token endpoint issues it, its grant stored and active. */
    async function token(clientId: string, scope: string, claims: Record<string, unknown> = {}): Promise<string> {
      const grant = `grant-${++grantSeq}`;
      await portico.grants.save({ id: grant, clientId, scope, ...(claims.patient ? { patient: claims.patient as string } : {}) }, new Date(clock));
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(clock / 1000);
      const body = { iss: TEST_BASE_URL, sub: clientId, aud: FHIR_BASE, client_id: clientId, scope, grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 3000, ...claims };
      return `Bearer ${await new SignJWT(body).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key)}`;
    }
    const patientApp = async (scope: string, patient = 'p1') => fhirClient(portico.app, await token('patient-app', scope, { patient }));
    /** A backend client's system/ token, an `allow` AccessPolicy linked to the client. */
    async function backend(clientId: string, scope: string): Promise<FhirClient> {
      const admin = adminHttp(portico.app);
      const client = await admin('PUT', `/Client/${clientId}`, { body: { secret: 'backend-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } });
      assert.ok(client.status === 200 || client.status === 201, client.text);
      const res = await admin('PUT', `/AccessPolicy/${clientId}-allow`, { body: { engine: 'allow', link: [{ resourceType: 'Client', id: clientId }] } });
      assert.ok(res.status === 200 || res.status === 201, res.text);
      return fhirClient(portico.app, await token(clientId, scope));
    }

    const ok = (res: FhirReply): Entry[] => {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.resourceType, 'Bundle');
      assert.equal(res.body.type, 'searchset');
      return res.body.entry ?? [];
    };
    const refs = (entries: Entry[], mode = 'match') => entries.filter((e) => e.search.mode === mode).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
    const nextOf = (res: FhirReply): string | undefined => res.body.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
    /** Every page, following `next` from `path` to the end. */
    async function allPages(client: FhirClient, path: string): Promise<FhirReply[]> {
      const pages: FhirReply[] = [];
      for (let url: string | undefined = path; url !== undefined; ) {
        const res = await client.get(url);
        ok(res);
        pages.push(res);
        const next = nextOf(res);
        if (next !== undefined) assert.ok(next.startsWith(`${FHIR_BASE}/Patient/`), next);
        url = next?.slice(FHIR_BASE.length + 1);
        assert.ok(pages.length < 50, 'paging ends');
      }
      return pages;
    }

    const P1_RECORD = ['Condition/c1', 'Encounter/e1', 'Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o5', 'Patient/p1'];

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      root = fhirClient(portico.app);
      const registered = await adminHttp(portico.app)('PUT', '/Client/patient-app', { body: { secret: 'app-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } });
      assert.equal(registered.status, 201, registered.text);
      for (const resource of [
        { resourceType: 'Organization', id: 'org1', name: 'Clinic' },
        { resourceType: 'Organization', id: 'org2', name: 'Not referenced' },
        { resourceType: 'Practitioner', id: 'pr1', name: [{ family: 'Doc' }] },
        { resourceType: 'Patient', id: 'p1', name: [{ family: 'One' }], managingOrganization: { reference: 'Organization/org1' } },
        { resourceType: 'Patient', id: 'p2', name: [{ family: 'Two' }] },
        ...['o1', 'o2', 'o3', 'o4', 'o5'].map((id) => observation(id, 'p1')),
        observation('o6', 'p2'),
        { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' } },
        { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: `${FHIR_BASE}/Patient/p1` } },
        { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p2' } },
      ]) {
        clock += 1000;
        const res = await root.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.equal(res.status, 201, res.text);
      }
    });
    after(() => portico.stop());

    it("answers the patient's record and the practitioners and organizations it references", async () => {
      const entries = ok(await root.get('Patient/p1/$everything'));
      assert.deepEqual(refs(entries), P1_RECORD);
      assert.deepEqual(refs(entries, 'include'), ['Organization/org1', 'Practitioner/pr1']);
      assert.equal(entries[0]?.resource.resourceType, 'Patient');
      assert.equal(entries[0]?.fullUrl, `${FHIR_BASE}/Patient/p1`);
    });

    it('is invoked by POST with a Parameters body too', async () => {
      const res = await root.post('Patient/p1/$everything', { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Observation' }, { name: '_count', valueInteger: 100 }] });
      assert.deepEqual(refs(ok(res)), ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o5']);
      const bad = await root.post('Patient/p1/$everything', { resourceType: 'Patient' });
      assert.equal(bad.status, 400, bad.text);
    });

    it('gives a patient token its own record, and refuses another patient as a read does (404)', async () => {
      const app = await patientApp('patient/*.rs');
      const entries = ok(await app.get('Patient/p1/$everything'));
      assert.deepEqual(refs(entries), P1_RECORD);
      // Practitioner and Organization are read by reference under patient/*.rs.
      assert.deepEqual(refs(entries, 'include'), ['Organization/org1', 'Practitioner/pr1']);
      // The same request for the other patient: not there for this token, as GET Patient/p2 is not.
      const other = await app.get('Patient/p2/$everything');
      assert.equal(other.status, 404, other.text);
      assert.equal((await app.get('Patient/p2')).status, 404);
      assert.equal((await root.get('Patient/p2/$everything')).status, 200);
      // At type level, the patients it may see: its own.
      const typeLevel = await allPages(app, 'Patient/$everything?_count=100');
      assert.deepEqual(refs(typeLevel.flatMap((p) => p.body.entry ?? [])), P1_RECORD);
    });

    it('leaves out silently the types a token may not search', async () => {
      const app = await patientApp('patient/Patient.rs patient/Observation.rs');
      const entries = ok(await app.get('Patient/p1/$everything'));
      assert.deepEqual(refs(entries), ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o5', 'Patient/p1']);
      // No scope reaches Practitioner or Organization: they are not included.
      assert.deepEqual(refs(entries, 'include'), []);
      // Without Patient read, the patient's record is refused as its read is.
      const noPatient = await patientApp('patient/Observation.rs');
      const refused = await noPatient.get('Patient/p1/$everything');
      assert.equal(refused.status, 403, refused.text);
      assert.equal((await noPatient.get('Patient/p1')).status, 403);
    });

    it('narrows to the types _type names', async () => {
      assert.deepEqual(refs(ok(await root.get('Patient/p1/$everything?_type=Condition,Encounter'))), ['Condition/c1', 'Encounter/e1']);
      const entries = ok(await root.get('Patient/p1/$everything?_type=Observation,Practitioner'));
      assert.deepEqual(refs(entries), ['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o5']);
      assert.deepEqual(refs(entries, 'include'), ['Practitioner/pr1']);
      const outside = await root.get('Patient/p1/$everything?_type=Group');
      assert.equal(outside.status, 400, outside.text);
      assert.equal(outside.body.resourceType, 'OperationOutcome');
      assert.equal((await root.get('Patient/p1/$everything?_type=not-a-type')).status, 400);
    });

    it('answers only what was updated since _since', async () => {
      const since = new Date(clock + 500).toISOString();
      clock += 1000;
      const updated = await root.put('Observation/o3', { ...observation('o3', 'p1'), status: 'amended' });
      assert.equal(updated.status, 200, updated.text);
      const entries = ok(await root.get(`Patient/p1/$everything?_since=${encodeURIComponent(since)}`));
      assert.deepEqual(refs(entries), ['Observation/o3']);
      assert.equal(ok(await root.get(`Patient/p1/$everything?_since=${encodeURIComponent(new Date(clock + 1000).toISOString())}`)).length, 0);
      assert.equal((await root.get('Patient/p1/$everything?_since=yesterday')).status, 400);
    });

    it('pages by _count, every resource once, and the pages end', async () => {
      for (const count of [1, 2, 3, 8]) {
        const pages = await allPages(root, `Patient/p1/$everything?_count=${count}`);
        const matches = pages.flatMap((p) => refs(p.body.entry ?? []));
        assert.equal(matches.length, new Set(matches).size, `no duplicates at _count=${count}`);
        assert.deepEqual(matches.sort(), P1_RECORD, `no gaps at _count=${count}`);
        for (const page of pages) assert.ok(refs(page.body.entry ?? []).length <= count);
        // No empty page: each page holds matches.
        for (const page of pages) assert.ok(refs(page.body.entry ?? []).length > 0, `an empty page at _count=${count}`);
        assert.equal(pages.length, Math.ceil(P1_RECORD.length / count));
      }
    });

    it('a paging link works only as far as the token that follows it reaches', async () => {
      const app = await patientApp('patient/*.rs');
      const first = await app.get('Patient/p1/$everything?_count=2');
      const next = nextOf(first);
      assert.ok(next);
      assert.equal((await app.get(next.slice(FHIR_BASE.length + 1))).status, 200);
      // The same link for the other patient, with the same page token: 404 for this token.
      const moved = next.slice(FHIR_BASE.length + 1).replace('Patient/p1/', 'Patient/p2/');
      assert.equal((await app.get(moved)).status, 404);
      // A page token naming a type outside the operation's list.
      const forged = await app.get('Patient/p1/$everything?_count=2&_page_token=WyJHcm91cCJd');
      assert.equal(forged.status, 400, forged.text);
      assert.equal((await app.get('Patient/p1/$everything?_page_token=garbage')).status, 400);
    });

    it('answers every patient a system token may see at type level, and only the types it may search', async () => {
      const system = await backend('everything-backend', 'system/*.rs');
      const all = (await allPages(system, 'Patient/$everything?_count=4')).flatMap((p) => p.body.entry ?? []);
      const matches = refs(all);
      assert.equal(matches.length, new Set(matches).size);
      assert.deepEqual(matches, ['Condition/c1', 'Condition/c2', 'Encounter/e1', ...['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].map((o) => `Observation/${o}`), 'Patient/p1', 'Patient/p2']);
      // Organizations and Practitioners are not patient data: only the ones referenced are included.
      assert.ok(!refs(all, 'include').includes('Organization/org2'));
      assert.ok(refs(all, 'include').includes('Practitioner/pr1'));

      const narrow = await backend('everything-narrow', 'system/Patient.rs system/Observation.rs');
      const entries = (await allPages(narrow, 'Patient/p2/$everything')).flatMap((p) => p.body.entry ?? []);
      assert.deepEqual(refs(entries), ['Observation/o6', 'Patient/p2']);
      assert.deepEqual(refs(entries, 'include'), []);
      // A patient/ token at type level is held to its patient, and a token that may not search Patient is refused.
      const noPatients = await backend('everything-none', 'system/Observation.rs');
      assert.equal((await noPatients.get('Patient/$everything')).status, 403);
    });

    it('answers a user token as its AccessPolicies say', async () => {
      const admin = adminHttp(portico.app);
      const put = async (path: string, body: Record<string, unknown>) => {
        const res = await admin('PUT', path, { body });
        assert.ok(res.status === 200 || res.status === 201, res.text);
      };
      await put('/User/carol', { email: 'carol@example.org', password: 'a long sandbox password', fhirUser: { resourceType: 'Practitioner', id: 'pr1' } });
      await put('/User/dave', { email: 'dave@example.org', password: 'a long sandbox password', fhirUser: { resourceType: 'Practitioner', id: 'pr1' } });
      await put('/AccessPolicy/carol', { engine: 'allow', link: [{ resourceType: 'User', id: 'carol' }] });
      // Dave may read and search Patients, nothing else.
      await put('/AccessPolicy/dave', {
        engine: 'matcho',
        link: [{ resourceType: 'User', id: 'dave' }],
        matcho: { operation: { id: { $enum: ['fhir.read', 'fhir.search-type'] } }, resourceType: 'Patient' },
      });
      const userToken = async (userId: string) => {
        const grant = `grant-${++grantSeq}`;
        await portico.grants.save({ id: grant, clientId: 'patient-app', scope: 'user/*.rs', userId }, new Date(clock));
        const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
        const now = Math.floor(clock / 1000);
        const claims = { iss: TEST_BASE_URL, sub: userId, aud: FHIR_BASE, client_id: 'patient-app', scope: 'user/*.rs', grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 3000 };
        return fhirClient(portico.app, `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key)}`);
      };
      const carol = ok(await (await userToken('carol')).get('Patient/p2/$everything'));
      assert.deepEqual(refs(carol), ['Condition/c2', 'Observation/o6', 'Patient/p2']);
      assert.deepEqual(refs(carol, 'include'), ['Practitioner/pr1']);
      const dave = ok(await (await userToken('dave')).get('Patient/p2/$everything'));
      assert.deepEqual(refs(dave), ['Patient/p2']);
      assert.deepEqual(refs(dave, 'include'), []);
    });

    it('runs as a batch entry, and HEAD invokes it as GET', async () => {
      const res = await root.post('', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/p1/$everything?_type=Condition' } }, { request: { method: 'GET', url: 'Patient/nobody/$everything' } }] });
      assert.equal(res.status, 200, res.text);
      const [found, missing] = res.body.entry;
      assert.equal(found.response.status, '200 OK');
      assert.deepEqual(refs(found.resource.entry), ['Condition/c1']);
      assert.match(missing.response.status, /^404/);
      const head = await root.request('HEAD', 'Patient/p1/$everything');
      assert.equal(head.status, 200);
    });

    it('answers 404 for an unknown patient, 410 for a deleted one, and refuses a care date range', async () => {
      const unknown = await root.get('Patient/nobody/$everything');
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal(unknown.body.resourceType, 'OperationOutcome');
      clock += 1000;
      assert.equal((await root.put('Patient/p3', { resourceType: 'Patient', id: 'p3' })).status, 201);
      assert.equal((await root.delete('Patient/p3')).status, 204);
      assert.equal((await root.get('Patient/p3/$everything')).status, 410);
      const range = await root.get('Patient/p1/$everything?start=2020-01-01');
      assert.equal(range.status, 400, range.text);
      assert.equal((await root.get('Patient/p1/$everything?color=blue')).status, 400);
      // Not an operation of other types, nor of the system.
      assert.equal((await root.get('Observation/o1/$everything')).status, 404);
      assert.equal((await root.get('$everything')).status, 404);
    });

    it('is recorded in the audit trail as the operation, naming the patient', async () => {
      const res = await root.get('Patient/p1/$everything?_type=Condition', { 'x-request-id': 'everything-audit' });
      ok(res);
      const events = (await auditEvents(portico, { subtype: '$everything' })).filter((e) =>
        (e.entity ?? []).some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === 'everything-audit'));
      assert.equal(events.length, 1);
      const event = events[0]!;
      assert.equal(event.action, 'E');
      assert.ok((event.entity ?? []).some((e) => e.role?.code === '1' && e.what?.reference === 'Patient/p1'), JSON.stringify(event.entity));
    });
  });
}
