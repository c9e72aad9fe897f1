import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico } from '../../src/portico.ts';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { PG_BIN, replicaCaughtUp, startReplicatedPostgres, type ReplicatedPostgres } from '../support/postgres-cluster.ts';
import { definitions, TEST_BASE_URL } from '../support/portico.ts';

/**
 * DATABASE_READ_URL on PostgreSQL's own streaming replication: a real primary and a hot standby made with
 * pg_basebackup, on loopback. Replay is paused on the replica to make its lag deterministic: what Portico answers
 * then shows which server each read went to.
 */
describe('a read replica (DATABASE_READ_URL)', { skip: PG_BIN ? false : 'needs the PostgreSQL server programs (/usr/lib/postgresql/<version>/bin)' }, () => {
  let cluster: ReplicatedPostgres;
  let portico: Portico;
  let fhir: FhirClient;
  const family = async (query: string): Promise<string[]> => {
    const res = await fhir.get(`Patient?${query}`);
    assert.equal(res.status, 200, res.text);
    return ((res.body.entry ?? []) as { resource: { id: string } }[]).map((e) => e.resource.id);
  };

  before(async () => {
    cluster = await startReplicatedPostgres();
    await cluster.primary.query('postgres', 'CREATE DATABASE portico');
    await replicaCaughtUp(cluster);
    portico = await createPortico(
      loadConfig({
        MODE: 'sandbox',
        SEED: 'none',
        LOG_LEVEL: 'silent',
        BASE_URL: TEST_BASE_URL,
        DATABASE_POOL_SIZE: '2',
        DATABASE_URL: cluster.primary.url('portico'),
        DATABASE_READ_URL: cluster.replica.url('portico'),
        // Jobs run when the test says (runPending), not on a poll.
        BULK_EXPORT_WORKER: 'false',
      }),
      { definitions: definitions() },
    );
    fhir = fhirClient(portico.app);
  });
  after(async () => {
    await portico?.close();
    await cluster?.stop();
  });

  it('writes to the primary; searches read the replica; a read by id the replica cannot answer yet asks the primary', async () => {
    const created = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Before' }] });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    await replicaCaughtUp(cluster);
    assert.deepEqual(await family('family=Before'), [id]);

    await cluster.replica.query('postgres', 'SELECT pg_wal_replay_pause()');
    try {
      // Writes work while the replica replays nothing: they go to the primary (a hot standby refuses every write).
      const updated = await fhir.put(`Patient/${id}`, { resourceType: 'Patient', id, name: [{ family: 'After' }] });
      assert.equal(updated.status, 200, updated.text);
      const other = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'After' }] });
      assert.equal(other.status, 201, other.text);
      const otherId = String(other.body.id);
      const counted = await cluster.primary.query<{ n: string }>('portico', "SELECT count(*)::text AS n FROM resource WHERE resource_type = 'Patient'");
      assert.equal(counted[0]?.n, '2');

      // Searches and history are the replica's: neither write is there yet.
      assert.deepEqual(await family('family=After'), []);
      assert.deepEqual(await family('family=Before'), [id]);
      const history = await fhir.get(`Patient/${id}/_history`);
      assert.equal(history.body.entry.length, 1);
      // A read by id is the replica's while it has the resource (its older version, within the lag) ...
      const read = await fhir.get(`Patient/${id}`);
      assert.equal(read.headers.etag, 'W/"1"');
      assert.equal(read.body.name[0].family, 'Before');
      // ... and the primary's when the replica has not got it: a client reads what it just created, by id and version.
      const readNew = await fhir.get(`Patient/${otherId}`);
      assert.equal(readNew.status, 200, readNew.text);
      assert.equal(readNew.body.name[0].family, 'After');
      const vread = await fhir.get(`Patient/${id}/_history/2`);
      assert.equal(vread.status, 200, vread.text);
      assert.equal(vread.body.name[0].family, 'After');

      // What must see its own writes runs on the primary: a conditional create finds the patient the replica lacks.
      const conditional = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'After' }] }, { 'if-none-exist': `_id=${otherId}` });
      assert.equal(conditional.status, 200, conditional.text);
      assert.equal(conditional.body.id, otherId);
      // A transaction's reads are its own unit of work's, on the primary.
      const bundle = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: `Patient?family=After` } }],
      });
      assert.equal(bundle.status, 200, bundle.text);
      assert.equal(bundle.body.entry[0].resource.total ?? bundle.body.entry[0].resource.entry.length, 2);
    } finally {
      await cluster.replica.query('postgres', 'SELECT pg_wal_replay_resume()');
    }
    // Once the replica has caught up, searches see both writes.
    await replicaCaughtUp(cluster);
    assert.equal((await family('family=After')).length, 2);
    assert.equal((await fhir.get(`Patient/${id}`)).headers.etag, 'W/"2"');
  });

  it('a bulk export read on the replica waits for it to replay every change before its kick-off', async () => {
    await cluster.replica.query('postgres', 'SELECT pg_wal_replay_pause()');
    let run: Promise<unknown> | undefined;
    try {
      const created = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Exported' }] });
      assert.equal(created.status, 201, created.text);
      const kickOff = await fhir.get('Patient/$export', { prefer: 'respond-async', accept: 'application/fhir+json' });
      assert.equal(kickOff.status, 202, kickOff.text);
      const status = String(kickOff.headers['content-location']).slice(`${TEST_BASE_URL}/fhir/`.length);
      // The worker claims the job, then waits for the replica (which asks it how far it has replayed) rather than read
      // it while it lacks the new patient: the run cannot end while replay is paused.
      let settled = false;
      run = portico.bulkExport.worker.runPending().finally(() => (settled = true));
      for (;;) {
        assert.equal(settled, false, 'the export ran to its end on a replica that had not replayed its kick-off');
        const waiting = await cluster.replica.query('portico', "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_last_wal_replay_lsn()%' AND pid <> pg_backend_pid()");
        if (waiting.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await fhir.get(status, { accept: 'application/json' })).status, 202);
      await cluster.replica.query('postgres', 'SELECT pg_wal_replay_resume()');
      await run;
      const manifest = await fhir.get(status, { accept: 'application/json' });
      assert.equal(manifest.status, 200, manifest.text);
      const [[primaryCount]] = [await cluster.primary.query<{ n: number }>('portico', "SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND NOT deleted")];
      // Every patient, the one created while replay was paused included.
      assert.deepEqual(
        (manifest.body.output as { type: string; count: number }[]).map((o) => [o.type, o.count]),
        [['Patient', primaryCount?.n]],
      );
    } finally {
      await cluster.replica.query('postgres', 'SELECT pg_wal_replay_resume()');
      await run;
    }
  });

  it('reads on the primary while the replica is down, and writes never needed it', async () => {
    await cluster.replica.stop();
    const created = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Down' }] });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(await family('family=Down'), [String(created.body.id)]);
    assert.equal((await fhir.get(`Patient/${String(created.body.id)}`)).status, 200);
  });
});
