import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fhirClient, ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;

for (const driver of drivers) {
  describe(`Bulk Data export of the sandbox Group, background worker (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { SEED: 'demo', BULK_EXPORT_POLL_INTERVAL_MS: '3600000' });
    });
    after(() => portico.stop());

    it('Group/sandbox-patients/$export: the worker started by the kick-off exports all 25 patients and their data', async () => {
      const client = fhirClient(portico.app);
      const kickOff = await client.get('Group/sandbox-patients/$export', { accept: 'application/fhir+json', prefer: 'respond-async' });
      assert.equal(kickOff.status, 202, kickOff.text);
      const path = String(kickOff.headers['content-location']).slice(FHIR_BASE.length + 1);
      // The kick-off wakes this process's worker (the poll interval is an hour): wait for it, not for a timer.
      let status = await client.get(path);
      for (let i = 0; status.status === 202 && i < 600; i++) {
        await sleep(100);
        status = await client.get(path);
      }
      assert.equal(status.status, 200, status.text);
      const types = new Set<string>();
      const patients = new Set<string>();
      for (const entry of status.body.output as { type: string; url: string; count: number }[]) {
        const res = await portico.app.inject({ method: 'GET', url: entry.url.slice(TEST_BASE_URL.length), headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+ndjson' } });
        assert.equal(res.statusCode, 200);
        const lines = res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { resourceType: string; id: string });
        assert.equal(lines.length, entry.count);
        for (const line of lines) {
          assert.equal(line.resourceType, entry.type);
          if (line.resourceType === 'Patient') patients.add(line.id);
        }
        types.add(entry.type);
      }
      assert.equal(patients.size, 25);
      assert.ok(patients.has('test-pt-1'));
      for (const type of ['AllergyIntolerance', 'Condition', 'Encounter', 'Observation', 'MedicationRequest', 'Practitioner', 'Organization', 'Provenance']) {
        assert.ok(types.has(type), `${type} exported (got ${[...types].join(', ')})`);
      }
    });
  });
}
