import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DatabaseBusy, DatabaseUnavailable, QueryTooCostly } from '../../src/fhir/storage-fault.ts';
import { createIndexer } from '../../src/fhir/search/indexer.ts';
import { createSearchParameterRegistry } from '../../src/fhir/search/registry.ts';
import { openDatabase, openDatabases, type Database } from '../../src/storage/database.ts';
import { migrate, MIGRATION_LOCK } from '../../src/storage/migrate.ts';
import { refreshStaleStatistics } from '../../src/storage/search/statistics.ts';
import { createSeedLedger, SEED_LOCK_CLASS } from '../../src/sandbox/storage/seed-progress-store.ts';
import { definitions, drivers, freshDatabase, type TestDatabase } from '../support/portico.ts';
import { track } from '../support/track.ts';

/**
 * The database budgets below the HTTP layer: each pool admits as many units of work as it has
 * connections, refuses request work once its wait queue is full, keeps background work waiting,
 * and on PostgreSQL cancels a statement that runs past its timeout; lost connections are
 * DatabaseUnavailable and the pool reconnects.
 */

/** A unit of work the test keeps open (a transaction waiting on a promise): the pool's stand-in for a long statement. */
function hold(db: Database) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = db.transaction(async () => {
    entered();
    await released;
  });
  return {
    /** Resolves once the unit holds its connection. */
    inside,
    async release() {
      release();
      await done;
    },
  };
}

const openPools = <K extends string>(database: TestDatabase, pools: Record<K, { poolSize: number; maxQueue?: number; statementTimeoutMs?: number }>) =>
  openDatabases({ databaseUrl: database.url, database: database.engine, dataDir: 'memory://', pools });

for (const driver of drivers) {
  describe(`database pools: admission (${driver})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await freshDatabase(driver);
    });
    after(() => database.drop());

    it('refuses request work at once once the wait queue is full; background work waits; all runs once the pool frees', async () => {
      const { main } = await openPools(database, { main: { poolSize: 1, maxQueue: 1 } });
      try {
        assert.deepEqual(await main.query('SELECT 1 AS n'), [{ n: 1 }], 'an idle pool serves');
        const held = hold(main);
        await held.inside;
        assert.equal(main.overloaded(), false, 'a busy pool with room in its queue is not overloaded');
        const queued = track(main.query<{ n: number }>('SELECT 2 AS n'));
        assert.equal(main.overloaded(), true);
        await assert.rejects(main.query('SELECT 3'), DatabaseBusy);
        await assert.rejects(main.transaction(async (tx) => tx.query('SELECT 4')), DatabaseBusy);
        const background = track(main.background().query<{ n: number }>('SELECT 5 AS n'));
        assert.equal(queued.settled, false);
        assert.equal(background.settled, false);
        await held.release();
        assert.deepEqual(await queued.promise, [{ n: 2 }]);
        assert.deepEqual(await background.promise, [{ n: 5 }]);
        assert.equal(main.overloaded(), false);
        assert.deepEqual(await main.query('SELECT 6 AS n'), [{ n: 6 }], 'served again once the pool frees');
      } finally {
        await main.close();
      }
    });

    it('with no queue at all, refuses request work whenever every connection is busy', async () => {
      const { main } = await openPools(database, { main: { poolSize: 1, maxQueue: 0 } });
      try {
        assert.equal(main.overloaded(), false);
        const held = hold(main);
        await held.inside;
        assert.equal(main.overloaded(), true);
        await assert.rejects(main.query('SELECT 1'), DatabaseBusy);
        const background = track(main.background().query<{ n: number }>('SELECT 2 AS n'));
        await held.release();
        assert.deepEqual(await background.promise, [{ n: 2 }]);
        assert.deepEqual(await main.query('SELECT 3 AS n'), [{ n: 3 }]);
      } finally {
        await main.close();
      }
    });

    it('a saturated pool does not hold up another: token work never queues behind FHIR work', async () => {
      const { fhir, auth } = await openPools(database, { fhir: { poolSize: 1 }, auth: { poolSize: 1 } });
      try {
        const order: string[] = [];
        const held = hold(fhir);
        await held.inside;
        const fhirWork = Array.from({ length: 5 }, (_, i) => fhir.query('SELECT $1::int AS n', [i]).then(() => order.push(`fhir-${i}`)));
        const authWork = track(auth.query('SELECT 1 AS n').then(() => order.push('auth')));
        if (driver === 'postgres') {
          // Its own connections: served while every FHIR connection is taken and five more wait.
          await authWork.promise;
          assert.deepEqual(order, ['auth']);
        }
        await held.release();
        await Promise.all([...fhirWork, authWork.promise]);
        // PGlite runs one statement at a time: the auth statement waited for the unit running, not for the five queued.
        assert.equal(order[0], 'auth', order.join(', '));
        assert.equal(order.length, 6);
      } finally {
        await fhir.close();
        await auth.close();
      }
    });
  });
}

if (drivers.includes('postgres')) {
  describe('database pools: statement timeouts and lost connections (postgres)', () => {
    let database: TestDatabase;
    let admin: pg.Client;
    before(async () => {
      database = await freshDatabase('postgres');
      admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
    });
    after(async () => {
      await admin.end();
      await database.drop();
    });

    /**
     * The pid of a backend of the test database (not the test's own) matching `where`, polled for until
     * there is one; gives up early once `unless` has settled (the work it waits for failed instead).
     */
    async function waitForBackend(where: string, params: unknown[] = [], unless?: { settled: boolean }): Promise<number> {
      for (let attempt = 0; attempt < 1500 && !unless?.settled; attempt++) {
        // Inside a transaction (the one holding the lock) the activity view is a snapshot kept till its end: drop it.
        await admin.query('SELECT pg_stat_clear_snapshot()');
        const rows = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
          params,
        );
        if (rows.rows[0]) return rows.rows[0].pid;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no backend of the test database came to ${where}`);
    }
    const running = (marker: string) => waitForBackend("state = 'active' AND query LIKE $1", [`%${marker}%`]);

    it('cancels a statement of a pool with a timeout (QueryTooCostly) and leaves other pools and the connection usable', async () => {
      const { fhir, auth } = await openPools(database, { fhir: { poolSize: 1, statementTimeoutMs: 250 }, auth: { poolSize: 1 } });
      try {
        assert.deepEqual(await fhir.query('SHOW statement_timeout'), [{ statement_timeout: '250ms' }]);
        assert.deepEqual(await auth.query('SHOW statement_timeout'), [{ statement_timeout: '0' }]);
        await assert.rejects(fhir.query('SELECT pg_sleep(30)'), QueryTooCostly);
        await fhir.query('CREATE TABLE IF NOT EXISTS budget_probe (n int)');
        // Inside a transaction: cut short and rolled back, nothing of it kept.
        await assert.rejects(
          fhir.transaction(async (tx) => {
            await tx.query('INSERT INTO budget_probe VALUES (1)');
            await tx.query('SELECT pg_sleep(30)');
          }),
          QueryTooCostly,
        );
        assert.deepEqual(await fhir.query('SELECT count(*)::int AS n FROM budget_probe'), [{ n: 0 }]);
        assert.deepEqual(await fhir.query('SELECT 1 AS n'), [{ n: 1 }], 'the connection serves the next statement');
      } finally {
        await fhir.close();
        await auth.close();
      }
    });

    // Each maintenance step waits here on what a twin process holds, longer than the pool's timeout allows a statement.
    const maintenance: [string, (db: Database) => Promise<unknown>, string][] = [
      ['migrations (waiting on a twin migrating)', (db) => migrate(db), `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`],
      ['planner statistics (waiting on a table lock)', (db) => refreshStaleStatistics(db), 'LOCK TABLE resource IN SHARE UPDATE EXCLUSIVE MODE'],
      [
        'seeding (waiting on a twin seeding)',
        (db) =>
          createSeedLedger(db, { indexResource: createIndexer(createSearchParameterRegistry(definitions())), path: 'repository' }).write('budget', { first: 0, last: 0 }, [
            { resourceType: 'Patient', id: 'budget-seed' },
          ]),
        `SELECT pg_advisory_xact_lock(${SEED_LOCK_CLASS}, hashtext('/budget'))`,
      ],
    ];
    for (const [what, run, lock] of maintenance) {
      it(`lifts the timeout for maintenance: ${what}`, async () => {
        const db = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 1, statementTimeoutMs: 100 });
        try {
          if (!what.startsWith('migrations')) await migrate(db);
          await admin.query('BEGIN');
          await admin.query(lock);
          const pending = track(run(db));
          // Waiting longer than the timeout by the server's own clock, not cancelled (a failure ends the wait early).
          await waitForBackend("wait_event_type = 'Lock' AND clock_timestamp() - query_start > interval '300 milliseconds'", [], pending).catch(async (err: unknown) => {
            await pending.promise;
            throw err;
          });
          assert.equal(pending.settled, false);
          await admin.query('COMMIT');
          await pending.promise;
        } finally {
          await admin.query('ROLLBACK').catch(() => {});
          await db.close();
        }
      });
    }

    it('a connection lost mid-statement or mid-transaction is DatabaseUnavailable, and the pool reconnects', async () => {
      const db = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 1 });
      try {
        const statement = track(db.query('SELECT pg_sleep(30) AS lost_statement'));
        await admin.query('SELECT pg_terminate_backend($1)', [await running('lost_statement')]);
        await assert.rejects(statement.promise, DatabaseUnavailable);
        assert.deepEqual(await db.query('SELECT 1 AS n'), [{ n: 1 }]);

        const transaction = track(db.transaction((tx) => tx.query('SELECT pg_sleep(30) AS lost_transaction')));
        await admin.query('SELECT pg_terminate_backend($1)', [await running('lost_transaction')]);
        await assert.rejects(transaction.promise, DatabaseUnavailable);
        assert.deepEqual(await db.query('SELECT 2 AS n'), [{ n: 2 }]);
      } finally {
        await db.close();
      }
    });

    it('a connection lost between two statements of a transaction fails the next one, and the process goes on', async () => {
      const db = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 1 });
      try {
        let resume!: () => void;
        const paused = new Promise<void>((resolve) => (resume = resolve));
        const transaction = track(
          db.transaction(async (tx) => {
            await tx.query('SELECT 1 AS before_the_loss');
            await paused;
            return tx.query('SELECT 2 AS after_the_loss');
          }),
        );
        // Idle in its transaction: the loss reaches the client as an event, not as a statement's error.
        const pid = await waitForBackend("state = 'idle in transaction' AND query LIKE '%before_the_loss%'");
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        // Once the backend is gone, its connection's end has reached the client (still checked out by the transaction).
        while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length > 0) await admin.query('SELECT pg_stat_clear_snapshot()');
        resume();
        await assert.rejects(transaction.promise, DatabaseUnavailable);
        assert.deepEqual(await db.query('SELECT 3 AS n'), [{ n: 3 }]);
      } finally {
        await db.close();
      }
    });

    it('a database that refuses connections is DatabaseUnavailable', async () => {
      const url = new URL(database.url ?? '');
      url.port = '1';
      await assert.rejects(openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://', poolSize: 1 }), DatabaseUnavailable);
    });
  });
}
