import { seedPopulation } from '../../src/sandbox/fhir/seed-population.ts';
import { createSeedLedger } from '../../src/sandbox/storage/seed-progress-store.ts';
import type { Database } from '../../src/storage/database.ts';
import type { SearchIndexRows } from '../../src/fhir/search/index-rows.ts';
import type { Resource } from '../../src/fhir/resource.ts';
import { refreshStaleStatistics } from '../../src/storage/search/statistics.ts';

/**
 * The tenants scenario's second tenant: `seed-tenant <key>` writes the bench population again under another tenant
 * (its key in the resource tables), `drop-tenant <key>` deletes every row of it again, from every table with a
 * tenant column, so later runs on this database measure what they always did. Both settle the database after.
 */
export async function tenantCommand(
  command: string,
  db: Database,
  options: { patients: number; indexResource: (resource: Resource) => SearchIndexRows },
): Promise<{ tenant: string; seconds: number; resources: number }> {
  const [verb, key] = command.split(/\s+/);
  if (!key || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(key)) throw new Error(`bench: ${command}: a tenant key is needed`);
  const started = performance.now();
  let resources = 0;
  if (verb === 'seed-tenant') {
    const ledger = createSeedLedger(db, { tenant: key, indexResource: options.indexResource, now: () => new Date(), path: 'bulk' });
    resources = (await seedPopulation(ledger, { seed: 'demo', patients: options.patients, batchSize: 200 })).resourcesWritten;
  } else if (verb === 'drop-tenant') {
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant' AND table_schema = current_schema()
         AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = current_schema())`,
    );
    for (const { table_name: table } of tables) await db.query(`DELETE FROM "${table.replace(/"/g, '""')}" WHERE tenant = $1`, [key]);
  } else {
    throw new Error(`bench: unknown command ${command}`);
  }
  await refreshStaleStatistics(db);
  await db.query('VACUUM');
  return { tenant: key, seconds: (performance.now() - started) / 1000, resources };
}
