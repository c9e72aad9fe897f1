import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { freshDatabase, type TestDatabase } from '../support/portico.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
// The root client (sandbox defaults) has full access to the FHIR API.
const ROOT = { authorization: `Basic ${Buffer.from('root:secret').toString('base64')}` };

describe('several server processes on one PostgreSQL database', { skip: postgres ? false : 'needs TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    database = await freshDatabase('postgres');
    // Started together: both run the migrations at once; the advisory lock lets one do them.
    [a, b] = await Promise.all([
      startServerProcess({ DATABASE_URL: database.url ?? '' }),
      startServerProcess({ DATABASE_URL: database.url ?? '' }),
    ]);
  });
  after(async () => {
    for (const p of [a, b]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await database?.drop();
  });

  it('reads through one process what was written through the other', async () => {
    const created = await fetch(`${a.baseUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { ...ROOT, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Shared' }] }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${b.baseUrl}/fhir/Patient/${id}`, { headers: ROOT });
    assert.equal(read.status, 200);
    assert.deepEqual(((await read.json()) as { name: unknown }).name, [{ family: 'Shared' }]);

    // An update through b is the next version seen through a.
    const updated = await fetch(`${b.baseUrl}/fhir/Patient/${id}`, {
      method: 'PUT',
      headers: { ...ROOT, 'content-type': 'application/fhir+json', 'if-match': 'W/"1"' },
      body: JSON.stringify({ resourceType: 'Patient', id, name: [{ family: 'Changed' }] }),
    });
    assert.equal(updated.status, 200);
    const reread = await fetch(`${a.baseUrl}/fhir/Patient/${id}`, { headers: ROOT });
    assert.equal(reread.headers.get('etag'), 'W/"2"');
  });

  it('applied each migration exactly once', async () => {
    const db = await openDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 1 });
    try {
      const rows = await db.query<{ version: string; n: string }>(
        'SELECT version, count(*)::int8 AS n FROM schema_migration GROUP BY version',
      );
      assert.ok(rows.length >= 1);
      for (const row of rows) assert.equal(row.n, '1', row.version);
      assert.deepEqual((await migrate(db)).applied, []);
    } finally {
      await db.close();
    }
  });
});
