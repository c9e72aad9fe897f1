import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const GRANT_SID = 'http://portico.example.org/fhir/sid/grant';
const CLIENT_SID = 'http://portico.example.org/fhir/sid/client';

const refs = (event: RecordedAuditEvent, role: string) =>
  (event.entity ?? []).filter((e) => e.role?.code === role).map((e) => e.what?.reference).sort();
const patientsOf = (event: RecordedAuditEvent) => refs(event, '1');
const requestor = (event: RecordedAuditEvent) => event.agent.find((a) => a.requestor);
const withRequestId = (events: RecordedAuditEvent[], id: string) =>
  events.filter((e) => (e.entity ?? []).some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === id));

/** The one event the request tagged `id` left (X-Request-Id), of the given subtype. */
async function eventOf(portico: TestPortico, id: string, subtype?: string, tenant = 'default'): Promise<RecordedAuditEvent> {
  const found = withRequestId(await auditEvents(portico, subtype ? { subtype } : {}, tenant), id);
  assert.equal(found.length, 1, `one event tagged ${id}${subtype ? ` (${subtype})` : ''}: ${JSON.stringify(found)}`);
  return found[0]!;
}

for (const driver of drivers) {
  describe(`FHIR API audit events (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let grantSeq = 0;
    const tokens: string[] = [];

    /** An access token as the token endpoint issues it, its grant stored and active. */
    async function token(scope: string, claims: Record<string, unknown> = {}, grant = `grant-${++grantSeq}`): Promise<string> {
      await portico.grants.save({ id: grant, clientId: 'app', scope, ...(claims.patient ? { patient: claims.patient as string } : {}) }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iss: TEST_BASE_URL, sub: 'user-1', aud: FHIR_BASE, client_id: 'app', scope, grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 600, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .sign(key.key);
      tokens.push(jwt);
      return jwt;
    }
    const tagged = (id: string) => ({ 'x-request-id': id });

    before(async () => {
      portico = await startPortico(driver);
      root = fhirClient(portico.app);
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Client/app', { body: { secret: 'app-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
      for (const resource of [
        { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] },
        { resourceType: 'Patient', id: 'pb', name: [{ family: 'Beta' }] },
        { resourceType: 'Observation', id: 'oa', status: 'final', code: { text: 'a' }, subject: { reference: 'Patient/pa' } },
        { resourceType: 'Observation', id: 'ob', status: 'final', code: { text: 'b' }, subject: { reference: 'Patient/pb' } },
      ]) {
        const res = await root.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.equal(res.status, 201, res.text);
      }
    });
    after(() => portico.stop());

    it('a read by the root client: BALP rest/read, the resource and its patient, the root client and its address', async () => {
      const res = await root.get('Observation/oa', tagged('read-1'));
      assert.equal(res.status, 200, res.text);
      const event = await eventOf(portico, 'read-1', 'read');
      assert.equal(event.type.code, 'rest');
      assert.equal(event.action, 'R');
      assert.equal(event.outcome, '0');
      assert.equal(event.outcomeDesc, undefined);
      assert.deepEqual(refs(event, '4'), ['Observation/oa']);
      assert.deepEqual(patientsOf(event), ['Patient/pa']);
      const agent = requestor(event);
      assert.deepEqual(agent?.who?.identifier, { system: CLIENT_SID, value: 'root' });
      assert.equal(agent?.network?.address, '127.0.0.1');
      assert.equal(event.source.site, FHIR_BASE);
      assert.ok(!Number.isNaN(Date.parse(event.recorded)));
    });

    it('a search by a patient token: its query (base64), the patients returned, the user, the client and the grant by id', async () => {
      const jwt = await token('launch/patient patient/Observation.rs', { patient: 'pa', fhirUser: 'Patient/pa', sub: 'user-pa' }, 'grant-search');
      const res = await fhirClient(portico.app, `Bearer ${jwt}`).get('Observation?code:text=a', tagged('search-1'));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.entry.length, 1);
      const event = await eventOf(portico, 'search-1', 'search-type');
      assert.equal(event.action, 'R');
      const query = event.entity?.find((e) => e.role?.code === '24');
      assert.equal(Buffer.from(query?.query ?? '', 'base64').toString('utf8'), 'code:text=a');
      assert.equal(query?.what?.type, 'Observation');
      assert.deepEqual(patientsOf(event), ['Patient/pa']);
      const user = requestor(event);
      assert.equal(user?.who?.reference, 'Patient/pa');
      assert.equal(user?.who?.identifier?.value, 'user-pa');
      assert.ok(event.agent.some((a) => a.who?.identifier?.system === CLIENT_SID && a.who.identifier.value === 'app'));
      assert.ok(event.entity?.some((e) => e.what?.identifier?.system === GRANT_SID && e.what.identifier.value === 'grant-search'));
    });

    it('a refused read is recorded with its reason; the same read by the right patient succeeds', async () => {
      const jwtA = await token('launch/patient patient/Observation.rs', { patient: 'pa' });
      const allowed = await fhirClient(portico.app, `Bearer ${jwtA}`).get('Observation/oa', tagged('own-1'));
      assert.equal(allowed.status, 200, allowed.text);
      assert.equal((await eventOf(portico, 'own-1', 'read')).outcome, '0');

      const refused = await fhirClient(portico.app, `Bearer ${jwtA}`).get('Patient/pb', tagged('refused-1'));
      assert.ok(refused.status === 403 || refused.status === 404, refused.text);
      const event = await eventOf(portico, 'refused-1', 'read');
      assert.equal(event.outcome, '4');
      assert.match(event.outcomeDesc ?? '', new RegExp(`^${refused.status}: .+`));
      assert.deepEqual(patientsOf(event), ['Patient/pb'], 'the patient whose data was sought');
    });

    it('no credentials and a forged token are recorded as refused, with the address only', async () => {
      const none = await fhirClient(portico.app, null).get('Observation/oa', tagged('anon-1'));
      assert.equal(none.status, 401);
      const event = await eventOf(portico, 'anon-1');
      assert.equal(event.outcome, '4');
      assert.equal(requestor(event)?.who?.display, 'unauthenticated');
      assert.equal(requestor(event)?.network?.address, '127.0.0.1');

      const forged = await fhirClient(portico.app, 'Bearer not.a.token').get('Observation/oa', tagged('forged-1'));
      assert.equal(forged.status, 401);
      assert.match((await eventOf(portico, 'forged-1')).outcomeDesc ?? '', /^401: /);
    });

    it('create, update and delete are C, U and D with the resource written and its patient', async () => {
      const created = await root.post('Observation', { resourceType: 'Observation', status: 'final', code: { text: 'c' }, subject: { reference: 'Patient/pb' } }, tagged('create-1'));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id as string;
      const create = await eventOf(portico, 'create-1', 'create');
      assert.equal(create.action, 'C');
      assert.deepEqual(refs(create, '4'), [`Observation/${id}/_history/1`]);
      assert.deepEqual(patientsOf(create), ['Patient/pb']);

      const updated = await root.put(`Observation/${id}`, { ...created.body, status: 'amended' }, tagged('update-1'));
      assert.equal(updated.status, 200, updated.text);
      assert.equal((await eventOf(portico, 'update-1', 'update')).action, 'U');

      const deleted = await root.request('DELETE', `Observation/${id}`, undefined, tagged('delete-1'));
      assert.ok(deleted.status === 200 || deleted.status === 204, deleted.text);
      const del = await eventOf(portico, 'delete-1', 'delete');
      assert.equal(del.action, 'D');
      assert.deepEqual(refs(del, '4'), [`Observation/${id}`]);
    });

    it('a transaction is recorded once as a whole and once per entry', async () => {
      const res = await root.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'GET', url: 'Patient/pa' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 't' }, subject: { reference: 'Patient/pb' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      }, tagged('tx-1'));
      assert.equal(res.status, 200, res.text);
      const events = withRequestId(await auditEvents(portico), 'tx-1');
      const subtypes = events.map((e) => e.subtype?.[0]?.code).sort();
      assert.deepEqual(subtypes, ['create', 'read', 'transaction']);
      assert.deepEqual(patientsOf(events.find((e) => e.subtype?.[0]?.code === 'create')!), ['Patient/pb']);
      assert.deepEqual(patientsOf(events.find((e) => e.subtype?.[0]?.code === 'read')!), ['Patient/pa']);
      assert.equal(events.find((e) => e.subtype?.[0]?.code === 'transaction')?.action, 'E');
    });

    it("a tenant's requests are recorded in that tenant, not at the root", async () => {
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'Acme' } })).status, 201);
      const res = await portico.app.inject({ method: 'GET', url: '/t/acme/fhir/Patient?name=x', headers: { authorization: ROOT_AUTHORIZATION, ...tagged('tenant-1') } });
      assert.equal(res.statusCode, 200, res.body);
      const event = await eventOf(portico, 'tenant-1', 'search-type', 'acme');
      assert.equal(event.source.site, `${TEST_BASE_URL}/t/acme/fhir`);
      assert.deepEqual(withRequestId(await auditEvents(portico), 'tenant-1'), []);
    });

    it('no event holds a token', async () => {
      const all = JSON.stringify(await auditEvents(portico));
      assert.ok(tokens.length > 0);
      for (const jwt of tokens) assert.ok(!all.includes(jwt) && !all.includes(jwt.split('.')[2]!), 'a token in an event');
    });

    it('when its event cannot be recorded the answer is withheld: 503, no ETag, and the trail resumes afterwards', async () => {
      assert.equal((await root.get('Patient/pa', tagged('before-outage'))).status, 200);
      await portico.db.query('ALTER TABLE audit_event RENAME TO audit_event_away');
      let res;
      try {
        res = await root.get('Patient/pa', tagged('outage'));
      } finally {
        await portico.db.query('ALTER TABLE audit_event_away RENAME TO audit_event');
      }
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.equal(res.headers.etag, undefined);
      assert.ok(!res.text.includes('Alpha'), 'the patient is not in the withheld answer');
      assert.equal((await root.get('Patient/pa', tagged('after-outage'))).status, 200);
      await eventOf(portico, 'after-outage', 'read');
    });
  });
}
