import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { auditEvent, onlyRecordedByTheTest } from '../support/audit-events.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };
type Line = { resourceType: string; id: string; outcomeDesc?: string; entity?: { what?: { reference?: string } }[] };

for (const driver of drivers) {
  describe(`$export of AuditEvent from the audit trail (${driver})`, () => {
    let portico: TestPortico;

    /** Kicks off an export at `base` (`/fhir` or a tenant's), runs it, and returns every output line. */
    async function exported(base: string, path: string, authorization = ROOT_AUTHORIZATION): Promise<Line[]> {
      const headers = { ...ASYNC, authorization };
      const kick = await portico.app.inject({ method: 'GET', url: `${base}/${path}`, headers });
      assert.equal(kick.statusCode, 202, kick.body);
      await portico.bulkExport.worker.runPending();
      const status = await portico.app.inject({ method: 'GET', url: String(kick.headers['content-location']).slice(TEST_BASE_URL.length), headers: { authorization, accept: 'application/json' } });
      assert.equal(status.statusCode, 200, status.body);
      const manifest = JSON.parse(status.body) as { output: { type: string; url: string }[]; error: unknown[] };
      assert.deepEqual(manifest.error, []);
      const lines: Line[] = [];
      for (const file of manifest.output) {
        const res = await portico.app.inject({ method: 'GET', url: file.url.slice(TEST_BASE_URL.length), headers: { authorization, accept: 'application/fhir+ndjson' } });
        assert.equal(res.statusCode, 200, res.body);
        lines.push(...res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
      }
      return lines;
    }
    const about = (lines: Line[]) => lines.filter((l) => l.resourceType === 'AuditEvent').map((l) => l.entity?.[0]?.what?.reference).sort();

    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false' }, onlyRecordedByTheTest);
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'ACME' } })).status, 201);
      const root = fhirClient(portico.app);
      const put: FhirReply = await root.put('Patient/pa', { resourceType: 'Patient', id: 'pa' });
      assert.equal(put.status, 201, put.text);
      await portico.audit.record('default', auditEvent({ entities: ['Patient/pa'], outcome: '4', outcomeDesc: 'refused: policy p' }));
      await portico.audit.record('default', auditEvent({ entities: ['Patient/pb'] }));
      await portico.audit.record('acme', auditEvent({ entities: ['Patient/acme-patient'] }));
    });
    after(() => portico.stop());

    it('_type=AuditEvent exports the tenant\'s events, outcomeDesc for root only', async () => {
      const lines = await exported('/fhir', '$export?_type=AuditEvent');
      assert.deepEqual(about(lines), ['Patient/pa', 'Patient/pb']);
      assert.equal(lines.find((l) => l.outcomeDesc !== undefined)?.outcomeDesc, 'refused: policy p');
      assert.deepEqual(about(await exported('/t/acme/fhir', '$export?_type=AuditEvent')), ['Patient/acme-patient']);
    });

    it('a plain export leaves AuditEvent out; a Patient export names it to include the events about its patients', async () => {
      const plain = await exported('/fhir', '$export');
      assert.deepEqual(plain.map((l) => l.resourceType), ['Patient'], 'the data, and no event');
      const patientLevel = await exported('/fhir', 'Patient/$export?_type=AuditEvent&patient=Patient/pa');
      assert.deepEqual(about(patientLevel), ['Patient/pa']);
    });

    it('a backend token with system/AuditEvent.rs exports them without outcomeDesc', async () => {
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Client/archiver', { body: { secret: 'archiver-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
      assert.equal((await admin('PUT', '/AccessPolicy/archiver-allow', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'archiver' }] } })).status, 201);
      const scope = 'system/AuditEvent.rs';
      await portico.grants.save({ id: 'archiver-grant', clientId: 'archiver', scope }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iss: TEST_BASE_URL, sub: 'archiver', aud: `${TEST_BASE_URL}/fhir`, client_id: 'archiver', scope, grant: 'archiver-grant', jti: 'archiver-jti', iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .sign(key.key);
      const lines = await exported('/fhir', '$export?_type=AuditEvent', `Bearer ${jwt}`);
      assert.deepEqual(about(lines), ['Patient/pa', 'Patient/pb']);
      assert.ok(lines.every((l) => l.outcomeDesc === undefined));
    });
  });
}
