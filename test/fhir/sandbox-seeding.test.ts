import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { seedPopulation } from '../../src/sandbox/fhir/seed-population.ts';
import { createIndexer } from '../../src/fhir/search/indexer.ts';
import { createSearchParameterRegistry } from '../../src/fhir/search/registry.ts';
import { createPortico } from '../../src/portico.ts';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { createSeedLedger } from '../../src/sandbox/storage/seed-progress-store.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { definitions, drivers, freshDatabase, type Driver } from '../support/portico.ts';

const TABLES = ['resource', 'resource_version', 'search_token', 'search_string', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri'];

async function counts(db: Database, tenant: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE tenant = $1`, [tenant]);
    out[table] = Number(row?.n);
  }
  return out;
}

/** Settings for a sandbox that seeds on start, on a database that outlives one Portico. */
async function sandboxSettings(driver: Driver) {
  const database = await freshDatabase(driver);
  const dir = driver === 'pglite' ? await mkdtemp(join(tmpdir(), 'portico-seed-')) : undefined;
  const env = {
    MODE: 'sandbox',
    SEED: 'demo',
    LOG_LEVEL: 'silent',
    BASE_URL: 'http://portico.test',
    DATA_DIR: dir ?? 'memory://',
    ...(dir ? { DATABASE: 'pglite' } : {}),
    DATABASE_POOL_SIZE: '4',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  return {
    config: loadConfig(env),
    async drop() {
      await database.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

for (const driver of drivers) {
  describe(`sandbox seeding on start (${driver})`, () => {
    it('seeds the demo population once; a restart does not seed again', async () => {
      const { config, drop } = await sandboxSettings(driver);
      try {
        const first = await createPortico(config, { definitions: definitions() });
        try {
          assert.equal(first.seeded?.patientsTotal, 25);
          assert.ok((first.seeded?.resourcesWritten ?? 0) > 25 * 40, `wrote ${first.seeded?.resourcesWritten}`);
          const fhir = fhirClient(first.app);
          const patient = await fhir.get('Patient/test-pt-1');
          assert.equal(patient.status, 200);
          assert.equal(patient.body.meta.versionId, '1');
          const a1c = await fhir.get('Observation?patient=test-pt-1&code=http://loinc.org|4548-4');
          assert.equal(a1c.status, 200);
          assert.ok(a1c.body.entry.length >= 2, 'HbA1c searchable for test-pt-1');
        } finally {
          await first.close();
        }
        const second = await createPortico(config, { definitions: definitions() });
        try {
          assert.equal(second.seeded?.resourcesWritten, 0);
          assert.equal(second.seeded?.patientsSkipped, 25);
          const history = await fhirClient(second.app).get('Patient/test-pt-1/_history');
          assert.equal(history.body.entry.length, 1, 'no second version');
        } finally {
          await second.close();
        }
      } finally {
        await drop();
      }
    });

    it('the bulk path stores and indexes exactly what the repository path does', async () => {
      // One database, two tenants: the same population through each write path.
      const database = await freshDatabase(driver);
      const db = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 2 });
      try {
        await migrate(db);
        const indexResource = createIndexer(createSearchParameterRegistry(definitions()));
        const options = { seed: 'bulk-check', patients: 2, batchSize: 1 };
        const viaRepository = await seedPopulation(createSeedLedger(db, { tenant: 'repository', indexResource, path: 'repository' }), options);
        const viaBulk = await seedPopulation(createSeedLedger(db, { tenant: 'bulk', indexResource, path: 'bulk' }), options);
        assert.equal(viaBulk.resourcesWritten, viaRepository.resourcesWritten);
        const bulkCounts = await counts(db, 'bulk');
        assert.ok(bulkCounts.search_token! > bulkCounts.resource!, 'index rows written');
        assert.deepEqual(bulkCounts, await counts(db, 'repository'));
        const [row] = await db.query<{ content: string }>("SELECT content::text AS content FROM resource WHERE tenant = 'bulk' AND resource_type = 'Patient' AND id = 'test-pt-1'");
        const stored = JSON.parse(row?.content ?? '{}') as { meta: { versionId: string; lastUpdated: string } };
        assert.equal(stored.meta.versionId, '1');
        assert.ok(stored.meta.lastUpdated);
      } finally {
        await db.close();
        await database.drop();
      }
    });
  });
}

if (drivers.includes('postgres')) {
  describe('sandbox seeding on start (postgres, two servers at once)', () => {
    it('two servers starting together write each resource once', async () => {
      const { config, drop } = await sandboxSettings('postgres');
      try {
        const both = await Promise.all([createPortico(config, { definitions: definitions() }), createPortico(config, { definitions: definitions() })]);
        try {
          // The lock serialises the two: each batch is written by exactly one of them, never twice.
          // Both populations: the default tenant's and the demo tenant's.
          const written = both.map((p) => (p.seeded?.resourcesWritten ?? 0) + (p.demoTenant?.seeded.resourcesWritten ?? 0));
          const [row] = await both[0]!.db.query<{ versions: string; resources: string; patients: string; tenantPatients: string }>(
            `SELECT (SELECT count(*) FROM resource_version)::text AS versions, (SELECT count(*) FROM resource)::text AS resources,
                    (SELECT count(*) FROM resource WHERE tenant = '' AND resource_type = 'Patient')::text AS patients,
                    (SELECT count(*) FROM resource WHERE tenant = 'my-clinic' AND resource_type = 'Patient')::text AS "tenantPatients"`,
          );
          assert.equal(Number(row?.patients), 25);
          assert.equal(Number(row?.tenantPatients), 10);
          assert.equal(Number(row?.versions), Number(row?.resources), 'no resource written twice');
          assert.equal(written[0]! + written[1]!, Number(row?.resources));
        } finally {
          await Promise.all(both.map((p) => p.close()));
        }
      } finally {
        await drop();
      }
    });
  });
}
