import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { AccessTokenClaims } from '../../src/auth/grants/grant.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { auditEvent, onlyRecordedByTheTest } from '../support/audit-events.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

type Claims = Partial<AccessTokenClaims> & Record<string, unknown>;
type Entry = { fullUrl: string; resource: { id: string; outcomeDesc?: string; recorded: string; meta: { versionId: string } } };

const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const CLIENT_SYSTEM = 'http://portico.example.org/fhir/sid/client';

/** The events of a searchset (a refusal or an error never reads as "none"). */
function entries(res: FhirReply): Entry[] {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.resourceType, 'Bundle', res.text);
  assert.equal(res.body.type, 'searchset', res.text);
  return res.body.entry ?? [];
}

for (const driver of drivers) {
  describe(`AuditEvent read and search from the audit trail (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let grantSeq = 0;
    /** The events recorded below by name, with the ids the trail gave them. */
    const ids = new Map<string, string>();
    const names = (res: FhirReply) => entries(res).map((e) => [...ids].find(([, id]) => id === e.resource.id)?.[0] ?? `?${e.resource.id}`).sort();

    /** An access token as the token endpoint issues it (as in fhir-auth.test.ts), its grant stored and active. */
    async function token(scope: string, claims: Claims = {}): Promise<string> {
      const grant = `grant-${++grantSeq}`;
      await portico.grants.save({ id: grant, clientId: 'app', scope, ...(claims.patient ? { patient: claims.patient } : {}) }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const body: Claims = { iss: TEST_BASE_URL, sub: 'user-1', aud: `${TEST_BASE_URL}/fhir`, client_id: 'app', scope, grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 600, ...claims };
      return new SignJWT(body).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key);
    }
    const as = async (scope: string, claims: Claims = {}) => fhirClient(portico.app, `Bearer ${await token(scope, claims)}`);

    /** Records an event at a tenant and keeps its id under `name` (found by a root search on a marker entity). */
    async function record(name: string, shape: Parameters<typeof auditEvent>[0], tenant = 'default') {
      const marker = `Basic/${name}`;
      await portico.audit.record(tenant, auditEvent({ ...shape, entities: [...(shape?.entities ?? []), marker] }));
      const [found] = await auditEvents(portico, {}, tenant).then((all) => all.filter((e) => e.entity?.some((x) => x.what?.reference === marker)));
      assert.ok(found, `${name} recorded`);
      ids.set(name, found.id);
    }

    before(async () => {
      portico = await startPortico(driver, {}, onlyRecordedByTheTest);
      root = fhirClient(portico.app);
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Client/app', { body: { secret: 'app-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
      assert.equal((await admin('PUT', '/AccessPolicy/app-allow', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'app' }] } })).status, 201);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'ACME' } })).status, 201);
      await record('doc-reads-pa', { agents: ['Practitioner/doc'], client: 'app-a', entities: ['Patient/pa', 'Observation/o1'] });
      await record('pa-searches', { agents: ['Patient/pa'], client: 'app-b', subtype: [{ system: RESTFUL, code: 'search-type' }], entities: ['Observation/o2'] });
      await record('doc-refused-pb', { agents: ['Practitioner/doc'], client: 'app-a', entities: ['Patient/pb'], outcome: '4', outcomeDesc: 'no granted scope reaches Patient/pb' });
      await record('login', { type: { system: DICOM, code: '110114' }, subtype: [{ system: DICOM, code: '110122' }], action: 'E', agents: ['Practitioner/doc'], observer: 'Device/portico' });
      await record('refused-pa', { agents: ['Practitioner/nurse'], entities: ['Patient/pa'], action: 'U', outcome: '4', outcomeDesc: 'policy nurse-read-only' });
      await record('acme-pa', { agents: ['Practitioner/doc'], entities: ['Patient/pa'] }, 'acme');
    });
    after(() => portico.stop());

    it('root reads an event by id, as version 1, and its one-version history; an unknown id is 404', async () => {
      const id = ids.get('doc-refused-pb');
      const read = await root.get(`AuditEvent/${id}`);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.id, id);
      assert.equal(read.body.meta.versionId, '1');
      assert.equal(read.body.meta.lastUpdated, read.body.recorded);
      assert.equal(read.body.outcomeDesc, 'no granted scope reaches Patient/pb', 'root sees why it was refused');
      assert.equal(read.headers.etag, 'W/"1"');
      const vread = await root.get(`AuditEvent/${id}/_history/1`);
      assert.equal(vread.status, 200, vread.text);
      assert.deepEqual(vread.body, read.body);
      assert.equal((await root.get(`AuditEvent/${id}/_history/2`)).status, 404);
      const history = await root.get(`AuditEvent/${id}/_history`);
      assert.equal(history.status, 200, history.text);
      assert.equal(history.body.type, 'history');
      assert.deepEqual(history.body.entry.map((e: Entry) => e.resource.id), [id]);
      assert.equal((await root.get('AuditEvent/no-such-event')).status, 404);
      assert.equal((await root.get('AuditEvent/no-such-event/_history')).status, 404);
      const typeHistory = await root.get('AuditEvent/_history');
      assert.equal(typeHistory.status, 405, typeHistory.text);
    });

    it('each search parameter narrows the default tenant\'s events, and a value matching nothing finds none', async () => {
      const all = ['doc-reads-pa', 'doc-refused-pb', 'login', 'pa-searches', 'refused-pa'];
      const cases: [string, string[]][] = [
        ['', all],
        ['patient=Patient/pa', ['doc-reads-pa', 'pa-searches', 'refused-pa']],
        ['patient=pa', ['doc-reads-pa', 'pa-searches', 'refused-pa']],
        ['patient=pb,pa', ['doc-reads-pa', 'doc-refused-pb', 'pa-searches', 'refused-pa']],
        [`patient=${TEST_BASE_URL}/fhir/Patient/pb`, ['doc-refused-pb']],
        ['patient=nobody', []],
        ['agent=Practitioner/doc', ['doc-reads-pa', 'doc-refused-pb', 'login']],
        ['agent=nurse', ['refused-pa']],
        ['agent=Practitioner/nobody', []],
        [`agent:identifier=${CLIENT_SYSTEM}|app-a`, ['doc-reads-pa', 'doc-refused-pb']],
        ['agent:identifier=app-b', ['pa-searches']],
        ['entity=Observation/o1', ['doc-reads-pa']],
        ['entity=o2', ['pa-searches']],
        ['entity=Observation/none', []],
        ['type=110114', ['login']],
        [`type=${DICOM}|110114`, ['login']],
        ['type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest', ['doc-reads-pa', 'doc-refused-pb', 'pa-searches', 'refused-pa']],
        ['type=http://elsewhere|110114', []],
        [`subtype=${RESTFUL}|search-type`, ['pa-searches']],
        ['subtype=read,110122', ['doc-reads-pa', 'doc-refused-pb', 'login', 'refused-pa']],
        ['subtype:not=read', ['login', 'pa-searches']],
        ['action=E', ['login']],
        ['action=U', ['refused-pa']],
        ['action=D', []],
        ['outcome=4', ['doc-refused-pb', 'refused-pa']],
        ['outcome=8', []],
        ['source=Device/portico', ['login']],
        ['source=Device/other', []],
        // Repeated parameters AND, commas OR.
        ['patient=pa&outcome=4', ['refused-pa']],
        ['agent=Practitioner/doc&agent=Practitioner/doc&outcome=0', ['doc-reads-pa', 'login']],
      ];
      for (const [query, expected] of cases) {
        assert.deepEqual(names(await root.get(`AuditEvent?${query}`)), expected, query);
      }
      const id = ids.get('login');
      assert.deepEqual(names(await root.get(`AuditEvent?_id=${id}`)), ['login']);
      // The same search by POST _search.
      const posted = await portico.app.inject({
        method: 'POST',
        url: '/fhir/AuditEvent/_search',
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/fhir+json' },
        payload: 'patient=pa&outcome=4',
      });
      assert.equal(posted.statusCode, 200, posted.body);
      assert.deepEqual(JSON.parse(posted.body).entry.map((e: Entry) => e.resource.id), [ids.get('refused-pa')]);
    });

    it('date narrows on recorded with prefixes and partial dates; _sort orders by it, newest first by default', async () => {
      const everything = entries(await root.get('AuditEvent?_count=100'));
      const recorded = everything.map((e) => e.resource.recorded);
      assert.deepEqual([...recorded].sort().reverse(), recorded, 'newest first');
      const oldest = entries(await root.get('AuditEvent?_count=100&_sort=date')).map((e) => e.resource.recorded);
      assert.deepEqual(oldest, [...recorded].reverse());
      const year = new Date(recorded[0] ?? '').getUTCFullYear();
      assert.equal(entries(await root.get(`AuditEvent?date=${year}&_count=100`)).length, 5);
      assert.equal(entries(await root.get(`AuditEvent?date=${year + 1}`)).length, 0);
      assert.equal(entries(await root.get(`AuditEvent?date=lt${year}`)).length, 0);
      assert.equal(entries(await root.get(`AuditEvent?date=ge${year}-01-01&date=le${year}-12-31&_count=100`)).length, 5);
      assert.equal(entries(await root.get(`AuditEvent?date=ne${year}`)).length, 0);
      const first = [...recorded].sort()[0] ?? '';
      const atOrBefore = entries(await root.get(`AuditEvent?date=le${first}`)).map((e) => e.resource.recorded);
      assert.ok(atOrBefore.length >= 1 && atOrBefore.every((r) => r === first), 'le an instant includes it');
      assert.ok(entries(await root.get(`AuditEvent?date=gt${first}&_count=100`)).every((e) => e.resource.recorded > first));
      assert.equal((await root.get('AuditEvent?date=not-a-date')).status, 400);
      assert.equal((await root.get('AuditEvent?_sort=_id')).status, 400);
    });

    it('paging with next links covers every event exactly once, in order; _summary=count and _total count them', async () => {
      for (const sort of ['', '&_sort=date']) {
        const seen: string[] = [];
        let url: string | undefined = `AuditEvent?_count=2${sort}`;
        let pages = 0;
        while (url) {
          const page: FhirReply = await root.get(url);
          seen.push(...entries(page).map((e) => e.resource.id));
          const next: string | undefined = page.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
          url = next?.slice(`${TEST_BASE_URL}/fhir/`.length);
          assert.ok(++pages <= 5, 'paging ends');
        }
        assert.equal(seen.length, 5, sort);
        assert.deepEqual([...new Set(seen)].sort(), [...ids].filter(([n]) => n !== 'acme-pa').map(([, id]) => id).sort(), sort);
      }
      const count = await root.get('AuditEvent?patient=pa&_summary=count');
      assert.equal(count.status, 200, count.text);
      assert.equal(count.body.total, 3);
      assert.equal(count.body.entry, undefined);
      const total = await root.get('AuditEvent?_count=1&_total=accurate');
      assert.equal(total.body.total, 5);
      assert.equal(entries(total).length, 1);
      assert.equal((await root.get('AuditEvent?_page_token=forged')).status, 400);
    });

    it('unknown and unsupported parameters behave as in every search: dropped, or 400 under handling=strict', async () => {
      const lenient = await root.get('AuditEvent?site=x&patient=pa');
      assert.deepEqual(names(lenient), ['doc-reads-pa', 'pa-searches', 'refused-pa']);
      assert.ok(!lenient.body.link[0].url.includes('site'), 'the self link names what was applied');
      const strict = await root.get('AuditEvent?site=x&patient=pa', { prefer: 'handling=strict' });
      assert.equal(strict.status, 400, strict.text);
      assert.equal((await root.get('AuditEvent?patient.name=x')).status, 400, 'a chain is refused, not ignored');
      assert.equal((await root.get('AuditEvent?_include=AuditEvent:patient')).status, 400);
    });

    it('a patient token sees only events about its patient, never outcomeDesc', async () => {
      const patient = await as('launch/patient patient/AuditEvent.rs', { patient: 'pa' });
      const found = await patient.get('AuditEvent?_count=100');
      assert.deepEqual(names(found), ['doc-reads-pa', 'pa-searches', 'refused-pa']);
      assert.ok(entries(found).every((e) => e.resource.outcomeDesc === undefined), 'no outcomeDesc for a patient');
      // Narrowing further stays inside; asking for another patient finds nothing.
      assert.deepEqual(names(await patient.get('AuditEvent?outcome=4')), ['refused-pa']);
      assert.deepEqual(names(await patient.get('AuditEvent?patient=pb')), []);
      const own = await patient.get(`AuditEvent/${ids.get('refused-pa')}`);
      assert.equal(own.status, 200, own.text);
      assert.equal(own.body.outcomeDesc, undefined);
      assert.equal((await root.get(`AuditEvent/${ids.get('refused-pa')}`)).body.outcomeDesc, 'policy nurse-read-only');
      // Another patient's event is not there for it.
      assert.equal((await patient.get(`AuditEvent/${ids.get('doc-refused-pb')}`)).status, 404);
      assert.equal((await patient.get(`AuditEvent/${ids.get('login')}/_history/1`)).status, 404);
      const count = await patient.get('AuditEvent?_summary=count');
      assert.equal(count.body.total, 3);
    });

    it('a token without an AuditEvent scope is refused; a user token with one reads every event but outcomeDesc', async () => {
      const without = await as('user/Observation.rs');
      const refused = await without.get('AuditEvent');
      assert.equal(refused.status, 403, refused.text);
      const user = await as('user/AuditEvent.rs');
      const found = await user.get('AuditEvent?_count=100');
      assert.equal(entries(found).length, 5);
      assert.ok(entries(found).every((e) => e.resource.outcomeDesc === undefined));
      const system = await as('system/AuditEvent.rs');
      assert.equal(entries(await system.get('AuditEvent?outcome=4')).length, 2);
    });

    it('a tenant sees only its own events; another tenant\'s event by id is 404', async () => {
      const atAcme = (path: string) => portico.app.inject({ method: 'GET', url: `/t/acme/fhir/${path}`, headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+json' } });
      const acme = await atAcme('AuditEvent');
      assert.equal(acme.statusCode, 200, acme.body);
      const bundle = JSON.parse(acme.body);
      assert.deepEqual(bundle.entry.map((e: Entry) => e.resource.id), [ids.get('acme-pa')]);
      assert.ok(bundle.entry[0].fullUrl.startsWith(`${TEST_BASE_URL}/t/acme/fhir/AuditEvent/`));
      assert.equal((await atAcme(`AuditEvent/${ids.get('acme-pa')}`)).statusCode, 200);
      assert.equal((await atAcme(`AuditEvent/${ids.get('doc-reads-pa')}`)).statusCode, 404);
      assert.equal((await root.get(`AuditEvent/${ids.get('acme-pa')}`)).status, 404);
      assert.ok(!names(await root.get('AuditEvent?patient=pa')).includes('acme-pa'));
    });

    it('the CapabilityStatement lists what is served: reads, the instance history, search with the trail\'s parameters', async () => {
      const metadata = await root.get('metadata');
      assert.equal(metadata.status, 200, metadata.text);
      const auditEventEntry = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'AuditEvent');
      assert.deepEqual(auditEventEntry.interaction.map((i: { code: string }) => i.code).sort(), ['history-instance', 'read', 'search-type', 'vread']);
      assert.deepEqual(
        auditEventEntry.searchParam.map((p: { name: string }) => p.name).sort(),
        ['_id', '_lastUpdated', 'action', 'agent', 'date', 'entity', 'outcome', 'patient', 'source', 'subtype', 'type'],
      );
      // No includes: the element is left out (FHIR R4 json.html: no empty arrays).
      assert.equal(auditEventEntry.searchInclude, undefined);
    });

    it('the test helper reads them oldest first, filtered by type, subtype and action', async () => {
      const all = await auditEvents(portico);
      assert.equal(all.length, 5);
      assert.deepEqual(all.map((e) => e.recorded), all.map((e) => e.recorded).sort());
      assert.deepEqual((await auditEvents(portico, { type: '110114' })).map((e) => e.id), [ids.get('login')]);
      assert.deepEqual((await auditEvents(portico, { subtype: `${RESTFUL}|search-type` })).map((e) => e.id), [ids.get('pa-searches')]);
      assert.deepEqual((await auditEvents(portico, { action: 'U' })).map((e) => e.id), [ids.get('refused-pa')]);
      assert.deepEqual((await auditEvents(portico, {}, 'acme')).map((e) => e.id), [ids.get('acme-pa')]);
    });

    it('writes stay refused (405)', async () => {
      const id = ids.get('login');
      const put = await root.put(`AuditEvent/${id}`, { ...auditEvent(), id });
      assert.equal(put.status, 405, put.text);
      assert.equal((await root.delete(`AuditEvent/${id}`)).status, 405);
      assert.equal((await root.get(`AuditEvent/${id}`)).status, 200);
    });
  });
}
