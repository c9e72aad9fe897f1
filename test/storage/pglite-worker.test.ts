import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatabaseUnavailable } from '../../src/fhir/storage-fault.ts';
import { openDatabase, openDatabases, type Database } from '../../src/storage/database.ts';
import { openPgliteWorker } from '../../src/storage/drivers/pglite-worker.ts';

/**
 * PGlite in a worker thread (DATABASE=pglite-worker): what crossing a thread must not change (errors
 * keep their SQLSTATE and fields, transactions commit or roll back as in-process, the data outlives
 * the thread) and what it is for (the event loop turns while a statement runs); a thread that dies
 * fails its statements as DatabaseUnavailable instead of leaving them waiting. The storage and HTTP
 * suites run on it with TEST_DATABASE=pglite-worker.
 */
describe('PGlite in a worker thread', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({ databaseUrl: undefined, database: 'pglite-worker', dataDir: 'memory://', poolSize: 1 });
    await db.query('CREATE TABLE item (id int PRIMARY KEY, code text UNIQUE DEFERRABLE INITIALLY DEFERRED)');
  });
  after(() => db.close());

  it("a statement's error keeps its SQLSTATE code and fields", async () => {
    await db.query('INSERT INTO item VALUES (1, $1)', ['one']);
    await assert.rejects(db.query('INSERT INTO item VALUES (1, $1)', ['again']), (err: Error & Record<string, unknown>) => {
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, 'item_pkey');
      assert.equal(err.table, 'item');
      assert.match(err.message, /duplicate key value violates unique constraint "item_pkey"/);
      return true;
    });
    await assert.rejects(db.query('SELECT nope FROM item'), { code: '42703' });
  });

  it('values cross the thread as in-process PGlite returns them', async () => {
    const bytes = Buffer.from([0, 1, 254, 255]);
    const [row] = await db.query<Record<string, unknown>>('SELECT $1::bytea AS b, $2::jsonb AS j, 9007199254740993::int8 AS big, 1.50::numeric AS num, NULL AS nothing', [
      bytes,
      JSON.stringify({ a: [1, 'two'] }),
    ]);
    assert.deepEqual(row, { b: new Uint8Array(bytes), j: { a: [1, 'two'] }, big: '9007199254740993', num: '1.50', nothing: null });
  });

  it('a transaction commits when its function resolves and rolls back when it throws, or when COMMIT fails', async () => {
    const count = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO item VALUES (2, $1)', ['two']);
      return tx.query<{ n: string }>('SELECT count(*) AS n FROM item');
    });
    assert.deepEqual(count, [{ n: '2' }]);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO item VALUES (3, $1)', ['three']);
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    // The deferred unique constraint is checked at COMMIT: the error comes from the commit, with its code.
    await assert.rejects(
      db.transaction((tx) => tx.query('INSERT INTO item VALUES (4, $1)', ['two'])),
      { code: '23505' },
    );
    assert.deepEqual(await db.query('SELECT id FROM item ORDER BY id'), [{ id: 1 }, { id: 2 }]);
  });

  it('statements of other pools wait for an open transaction and then see what it committed', async () => {
    const { fhir, auth } = await openDatabases({ databaseUrl: undefined, database: 'pglite-worker', dataDir: 'memory://', pools: { fhir: { poolSize: 1 }, auth: { poolSize: 1 } } });
    try {
      await fhir.query('CREATE TABLE t (n int)');
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => (inside = resolve));
      const tx = fhir.transaction(async (t) => {
        await t.query('INSERT INTO t VALUES (1)');
        inside();
        await released;
      });
      await entered;
      const seen = auth.query<{ n: number }>('SELECT n FROM t');
      release();
      await tx;
      assert.deepEqual(await seen, [{ n: 1 }]);
    } finally {
      await fhir.close();
      await auth.close();
    }
  });

  it("the event loop keeps turning while a statement runs on the thread", async () => {
    let turns = 0;
    let running = true;
    const turn = () => {
      turns++;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM generate_series(1, 2000000)');
    running = false;
    assert.equal(row?.n, '2000000');
    assert.ok(turns > 1, `the loop turned ${turns} times while the statement ran`);
  });
});

describe('PGlite in a worker thread: lifetime', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-pglite-worker-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('what was committed is there when the directory is opened again', async () => {
    const first = await openDatabase({ databaseUrl: undefined, database: 'pglite-worker', dataDir: dir, poolSize: 1 });
    await first.query('CREATE TABLE kept (n int)');
    await first.transaction((tx) => tx.query('INSERT INTO kept VALUES (7)'));
    await first.close();
    const second = await openDatabase({ databaseUrl: undefined, database: 'pglite-worker', dataDir: dir, poolSize: 1 });
    try {
      assert.deepEqual(await second.query('SELECT n FROM kept'), [{ n: 7 }]);
    } finally {
      await second.close();
    }
  });

  it('a thread that dies fails the statement it was running and every later one as DatabaseUnavailable', async () => {
    // A heap too small for the result: the thread ends (out of memory), the process goes on.
    const { main } = await openPgliteWorker('memory://', { main: { poolSize: 1 } }, { resourceLimits: { maxOldGenerationSizeMb: 48 } });
    assert.deepEqual(await main.query('SELECT 1 AS n'), [{ n: 1 }]);
    await assert.rejects(main.query("SELECT repeat('x', 1000) || g AS s FROM generate_series(1, 300000) g"), DatabaseUnavailable);
    await assert.rejects(main.query('SELECT 1 AS n'), DatabaseUnavailable);
    await assert.rejects(main.transaction((tx) => tx.query('SELECT 1 AS n')), DatabaseUnavailable);
    await assert.rejects(main.ping(), DatabaseUnavailable);
    await main.close();
  });
});
