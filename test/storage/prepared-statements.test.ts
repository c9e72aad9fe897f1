import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * Fixed hot statements (a read by id) are prepared once per PostgreSQL connection, unless
 * DATABASE_PREPARED_STATEMENTS=false (a pooler sharing server connections per transaction). One
 * pooled connection, so the check below sees the connection the read ran on.
 */
if (drivers.includes('postgres')) {
  for (const prepare of ['true', 'false'] as const) {
    describe(`prepared statements (postgres, DATABASE_PREPARED_STATEMENTS=${prepare})`, () => {
      let portico: TestPortico;
      before(async () => {
        portico = await startPortico('postgres', { DATABASE_POOL_SIZE: '1', DATABASE_PREPARED_STATEMENTS: prepare });
      });
      after(() => portico.stop());

      it(prepare === 'true' ? 'a read by id is prepared once and reused' : 'nothing is prepared', async () => {
        const fhir = fhirClient(portico.app);
        assert.equal((await fhir.put('Patient/prep', { resourceType: 'Patient', id: 'prep' })).status, 201);
        for (let i = 0; i < 3; i++) assert.equal((await fhir.get('Patient/prep')).status, 200);
        const rows = await portico.db.query<{ name: string; statement: string }>(
          `SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%FROM resource WHERE tenant = $1 AND resource_type = $2 AND id = $3%'`,
        );
        if (prepare === 'true') {
          assert.equal(rows.length, 1, 'one named statement for the read, prepared once');
          assert.match(rows[0]!.name, /^portico_[0-9a-f]{24}$/);
        } else {
          assert.deepEqual(rows, []);
        }
      });
    });
  }
}
