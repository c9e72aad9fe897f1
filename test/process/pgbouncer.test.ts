import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico } from '../../src/portico.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient } from '../support/fhir-client.ts';
import { PGBOUNCER, startPgBouncer, type PgBouncer } from '../support/pgbouncer.ts';
import { definitions, freshDatabase, TEST_BASE_URL, type TestDatabase } from '../support/portico.ts';

const upstream = process.env.TEST_DATABASE_URL;
const skip = !upstream ? 'needs TEST_DATABASE_URL' : !PGBOUNCER ? 'needs pgbouncer (Debian: apt-get install pgbouncer)' : false;

/**
 * Portico behind PgBouncer in transaction mode: each transaction may run on another server connection, so nothing may
 * rest on session state. Portico's locks are transaction-scoped (pg_advisory_xact_lock), it LISTENs to nothing, and
 * with DATABASE_PREPARED_STATEMENTS=false it names no prepared statement (PgBouncer before 1.21 cannot carry them).
 */
describe('behind PgBouncer in transaction mode', { skip }, () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let portico: Portico;
  let root: FhirClient;
  const form = (body: Record<string, string>, authorization: string) =>
    portico.app.inject({ method: 'POST', url: '/auth/token', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString() });
  const admin = (path: string, body: unknown) =>
    portico.app.inject({ method: 'PUT', url: path, headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  before(async () => {
    database = await freshDatabase('postgres');
    bouncer = await startPgBouncer(upstream ?? '');
    const name = new URL(database.url ?? '').pathname.slice(1);
    // Migrations, seeding of the root client and the signing keys also run through PgBouncer here.
    portico = await createPortico(
      loadConfig({
        MODE: 'sandbox',
        SEED: 'none',
        LOG_LEVEL: 'silent',
        BASE_URL: TEST_BASE_URL,
        DATABASE_URL: bouncer.url(name),
        DATABASE_PREPARED_STATEMENTS: 'false',
        DATABASE_POOL_SIZE: '4',
        BULK_EXPORT_WORKER: 'false',
      }),
      { definitions: definitions() },
    );
    await portico.signingKeys.ensure();
    root = fhirClient(portico.app);
  });
  after(async () => {
    await portico?.close();
    await bouncer?.stop();
    await database?.drop();
  });

  it('issues a token that reads, writes, searches; runs a transaction Bundle; runs a bulk export', async () => {
    assert.ok([200, 201].includes((await admin('/Client/bouncer-app', { resourceType: 'Client', type: 'client', active: true, grant_types: ['client_credentials'], secret: 'bouncer-secret', scope: ['system/*.rs', 'system/Patient.cruds'] })).statusCode));
    assert.ok([200, 201].includes((await admin('/AccessPolicy/bouncer-allow', { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'bouncer-app' }] })).statusCode));
    const issued = await form({ grant_type: 'client_credentials', scope: 'system/Patient.cruds' }, `Basic ${Buffer.from('bouncer-app:bouncer-secret').toString('base64')}`);
    assert.equal(issued.statusCode, 200, issued.body);
    const app = fhirClient(portico.app, `Bearer ${String(issued.json().access_token)}`);

    const created = await app.post('Patient', { resourceType: 'Patient', name: [{ family: 'Bouncer' }] });
    assert.equal(created.status, 201, created.text);
    const read = await app.get(`Patient/${String(created.body.id)}`);
    assert.equal(read.status, 200, read.text);
    const found = await app.get('Patient?family=Bouncer');
    assert.equal(found.body.entry.length, 1);

    const bundle = await root.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6f1c7a52-6b1e-4c64-9d3e-0a4f7c1c2b11', resource: { resourceType: 'Patient', name: [{ family: 'InBundle' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:6f1c7a52-6b1e-4c64-9d3e-0a4f7c1c2b11' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    assert.equal(bundle.status, 200, bundle.text);
    assert.deepEqual(bundle.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)), ['201', '201']);

    const kickOff = await root.get('$export', { prefer: 'respond-async', accept: 'application/fhir+json' });
    assert.equal(kickOff.status, 202, kickOff.text);
    await portico.bulkExport.worker.runPending();
    const status = await root.get(String(kickOff.headers['content-location']).slice(`${TEST_BASE_URL}/fhir/`.length), { accept: 'application/json' });
    assert.equal(status.status, 200, status.text);
    const types = (status.body.output as { type: string; count: number }[]).map((o) => `${o.type}:${o.count}`).sort();
    assert.deepEqual(types, ['Observation:1', 'Patient:2']);
  });
});
