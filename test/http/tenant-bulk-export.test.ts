import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminHttp } from '../auth/support/admin-http.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

type Line = { resourceType: string; id: string; name?: { family: string }[] };

/** Bulk Data export at a tenant: its own resources, its own jobs, under its own FHIR base. */
for (const driver of drivers) for (const files of ['database', 'directory'] as const) {
  describe(`Tenants: Bulk Data export (${driver}, files in the ${files})`, () => {
    let portico: TestPortico;
    let exportDir: string | undefined;
    const base = (tenant: string | undefined) => (tenant === undefined ? '' : `/t/${tenant}`);
    const get = (url: string, headers: Record<string, string> = {}) =>
      portico.app.inject({ method: 'GET', url, headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+json', ...headers } });

    /** Kicks off at the tenant, runs the job, and answers the manifest's lines and its status path. */
    async function exportAt(tenant: string | undefined, path: string): Promise<{ lines: Line[]; status: string; fileUrls: string[] }> {
      const kickOff = await get(`${base(tenant)}/fhir/${path}`, { prefer: 'respond-async' });
      assert.equal(kickOff.statusCode, 202, kickOff.body);
      const location = String(kickOff.headers['content-location']);
      assert.ok(location.startsWith(`${TEST_BASE_URL}${base(tenant)}/fhir/$export-status/`), location);
      await portico.bulkExport.worker.runPending();
      const status = location.slice(TEST_BASE_URL.length);
      const manifest = await get(status, { accept: 'application/json' });
      assert.equal(manifest.statusCode, 200, manifest.body);
      const { output, request } = JSON.parse(manifest.body) as { output: { url: string; count: number }[]; request: string };
      assert.ok(request.startsWith(`${TEST_BASE_URL}${base(tenant)}/fhir/`), request);
      const lines: Line[] = [];
      for (const file of output) {
        assert.ok(file.url.startsWith(`${TEST_BASE_URL}${base(tenant)}/fhir/$export-file/`), file.url);
        const res = await get(file.url.slice(TEST_BASE_URL.length), { accept: 'application/fhir+ndjson' });
        assert.equal(res.statusCode, 200, res.body);
        lines.push(...res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
      }
      return { lines, status, fileUrls: output.map((f) => f.url.slice(TEST_BASE_URL.length)) };
    }
    const names = (lines: Line[]) => lines.map((l) => `${l.resourceType}/${l.id}${l.name ? `:${l.name[0]?.family ?? ''}` : ''}`).sort();

    before(async () => {
      exportDir = files === 'directory' ? await mkdtemp(join(tmpdir(), 'portico-tenant-exports-')) : undefined;
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false', BULK_EXPORT_FILES: files, ...(exportDir ? { BULK_EXPORT_DIR: exportDir } : {}) });
      const admin = adminHttp(portico.app);
      for (const tenant of ['acme', 'beta']) assert.equal((await admin('PUT', `/Tenant/${tenant}`, { body: { name: tenant } })).status, 201);
      for (const [tenant, family] of [[undefined, 'Default'], ['acme', 'Acme'], ['beta', 'Beta']] as const) {
        const res = await portico.app.inject({ method: 'PUT', url: `${base(tenant)}/fhir/Patient/p1`, headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' }, payload: JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family }] }) });
        assert.equal(res.statusCode, 201, res.body);
      }
      for (const resource of [
        { resourceType: 'Patient', id: 'only-beta', name: [{ family: 'Beta' }] },
        { resourceType: 'Group', id: 'g1', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/only-beta' } }] },
      ]) {
        const res = await portico.app.inject({ method: 'PUT', url: `/t/beta/fhir/${resource.resourceType}/${resource.id}`, headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(resource) });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(async () => {
      await portico.stop();
      if (exportDir) await rm(exportDir, { recursive: true, force: true });
    });

    it("exports a tenant's resources only, under its FHIR base", async () => {
      assert.deepEqual(names((await exportAt('acme', '$export?_type=Patient,Group')).lines), ['Patient/p1:Acme']);
      assert.deepEqual(names((await exportAt('beta', '$export?_type=Patient,Group')).lines), ['Group/g1', 'Patient/only-beta:Beta', 'Patient/p1:Beta']);
      assert.deepEqual(names((await exportAt(undefined, '$export?_type=Patient,Group')).lines), ['Patient/p1:Default']);
      assert.deepEqual(names((await exportAt('beta', 'Group/g1/$export?_type=Patient')).lines), ['Patient/only-beta:Beta']);
      const elsewhere = await get('/t/acme/fhir/Group/g1/$export?_type=Patient', { prefer: 'respond-async' });
      assert.equal(elsewhere.statusCode, 404, elsewhere.body);
    });

    it("serves a job's status and files at its tenant only", async () => {
      const { status, fileUrls } = await exportAt('beta', '$export?_type=Patient');
      assert.ok(fileUrls.length > 0);
      const jobPath = status.slice('/t/beta'.length);
      for (const tenant of [undefined, 'acme']) {
        assert.equal((await get(`${base(tenant)}${jobPath}`, { accept: 'application/json' })).statusCode, 404, `status at ${tenant ?? 'default'}`);
        for (const url of fileUrls) assert.equal((await get(`${base(tenant)}${url.slice('/t/beta'.length)}`, { accept: 'application/fhir+ndjson' })).statusCode, 404, `file at ${tenant ?? 'default'}`);
        const cancel = await portico.app.inject({ method: 'DELETE', url: `${base(tenant)}${jobPath}`, headers: { authorization: ROOT_AUTHORIZATION } });
        assert.equal(cancel.statusCode, 404, `cancel at ${tenant ?? 'default'}: ${cancel.body}`);
      }
      assert.equal((await get(status, { accept: 'application/json' })).statusCode, 200, 'still there at beta');
    });
  });
}
