import type { Resource } from '../../fhir/resource.ts';
import type { SearchIndexRows } from '../../fhir/search/index-rows.ts';
import type { SeedLedger, SeedRange } from '../fhir/seed-ledger.ts';
import { insertPrepared, prepareBulkInsert, type PreparedBatch } from '../../storage/bulk-resource-writer.ts';
import { LIFT_TIMEOUTS, type Database, type SqlClient } from '../../storage/database.ts';
import { createResourceStore } from '../../storage/resource-store.ts';

export interface SeedLedgerOptions {
  tenant?: string;
  indexResource: (resource: Resource) => SearchIndexRows;
  now?: () => Date;
  /**
   * `repository`: every resource through ResourceWriter.save.
   * `bulk`: multi-row inserts per batch (start-up seeding, the `seed` command).
   */
  path: 'repository' | 'bulk';
}

// Any constant works; the same in every process sharing the database. Keyed further by seed.
export const SEED_LOCK_CLASS = 7_024_311;

/** The SQL SeedLedger: a batch, its resources and its seed_progress row commit together. */
export function createSeedLedger(db: Database, options: SeedLedgerOptions): SeedLedger {
  const tenant = options.tenant ?? '';
  const now = options.now ?? (() => new Date());

  async function writeResources(tx: SqlClient, resources: Resource[], prepared: PreparedBatch | undefined): Promise<number> {
    if (prepared) return insertPrepared(tx, prepared);
    // The repository bound to this transaction: its own transaction() joins ours.
    const repository = createResourceStore(inTransaction(db, tx), { tenant, indexResource: options.indexResource, now });
    return repository.transaction(async (writer) => {
      for (const resource of resources) await writer.save({ resource, mode: 'update' });
      return resources.length;
    });
  }

  return {
    async completed(seed) {
      const rows = await db.query<{ first_index: number; last_index: number }>(
        'SELECT first_index, last_index FROM seed_progress WHERE tenant = $1 AND seed = $2 ORDER BY first_index',
        [tenant, seed],
      );
      return rows.map((r) => ({ first: r.first_index, last: r.last_index }));
    },
    async write(seed: string, range: SeedRange, resources: Resource[]) {
      // Indexed before the transaction opens, so the previous batch's insert runs meanwhile.
      const prepared = options.path === 'bulk' ? await prepareBulkInsert(resources, { tenant, indexResource: options.indexResource, now }) : undefined;
      return db.transaction(async (tx) => {
        // Seeding is maintenance: no statement or lock timeout of the pool cuts a batch (or the wait for a twin's) short.
        await tx.query(LIFT_TIMEOUTS);
        // Serialises writers of one seed (two servers starting together); the loser sees the row.
        await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SEED_LOCK_CLASS, `${tenant}/${seed}`]);
        const overlap = await tx.query(
          'SELECT 1 FROM seed_progress WHERE tenant = $1 AND seed = $2 AND first_index <= $4 AND last_index >= $3',
          [tenant, seed, range.first, range.last],
        );
        if (overlap.length > 0) return false;
        const written = await writeResources(tx, resources, prepared);
        await tx.query(
          'INSERT INTO seed_progress (tenant, seed, first_index, last_index, resources) VALUES ($1, $2, $3, $4, $5)',
          [tenant, seed, range.first, range.last, written],
        );
        return true;
      });
    },
  };
}

/** A Database view of an open transaction: queries run in it, and transaction() runs inside it. */
function inTransaction(db: Database, tx: SqlClient): Database {
  const view: Database = {
    driver: db.driver,
    query: (text, params) => tx.query(text, params),
    transaction: (fn) => fn(tx),
    ping: async () => {},
    overloaded: () => false,
    background: () => view,
    close: async () => {},
  };
  return view;
}
