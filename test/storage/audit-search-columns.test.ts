import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backfillAuditSearchColumns } from '../../src/storage/audit/audit-backfill.ts';
import { createAuditLog } from '../../src/storage/audit/audit-log-store.ts';
import { verifyAuditChains } from '../../src/storage/audit/audit-verify.ts';
import { auditEvent } from '../support/audit-events.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const COLUMNS = 'id, patients, agents, agent_identifiers, entities, entity_identifiers, types, subtypes, actions, outcomes, sources';

for (const driver of drivers) {
  describe(`audit trail search columns (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
      await portico.audit.record('default', auditEvent({ agents: ['Practitioner/doc'], client: 'app-a', entities: ['Patient/pa', 'Observation/o1/_history/3'], observer: 'Device/portico' }));
      await portico.audit.record('default', auditEvent({ agents: ['Patient/pb'], action: 'E', outcome: '4', outcomeDesc: 'refused' }));
    });
    after(() => portico.stop());

    const columns = () => portico.db.query<Record<string, unknown>>(`SELECT chain, seq, ${COLUMNS} FROM audit_event ORDER BY chain, seq`);

    it('the store fills them from the event as it writes it', async () => {
      const [first, second] = await columns();
      assert.ok(first && second);
      assert.deepEqual(first.patients, ['Patient/pa']);
      assert.deepEqual(first.agents, ['Practitioner/doc']);
      assert.deepEqual(first.agent_identifiers, ['app-a', 'http://portico.example.org/fhir/sid/client|app-a', 'http://portico.example.org/fhir/sid/client|']);
      assert.deepEqual(first.entities, ['Patient/pa', 'Observation/o1'], 'a version is dropped');
      assert.deepEqual(first.actions, ['R', '|R']);
      assert.deepEqual(first.sources, ['Device/portico']);
      assert.deepEqual(second.patients, ['Patient/pb'], 'a Patient acting is an event about that patient (R4 patient parameter)');
      assert.deepEqual(second.outcomes, ['4', '|4']);
      assert.equal(typeof first.id, 'string');
      const log = createAuditLog(portico.db, { tenant: '' });
      assert.equal((await log.read(String(first.id)))?.id, first.id);
      assert.equal(await createAuditLog(portico.db, { tenant: 'acme' }).read(String(first.id)), undefined, 'another tenant has none of them');
    });

    it('rows written before migration 021 get theirs from the backfill; verify skips them until then', async () => {
      const filled = await columns();
      await portico.db.query(`UPDATE audit_event SET id = NULL, patients = '{}', agents = '{}', types = '{}', actions = '{}'`);
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: true, chains: 1, events: 2 });
      assert.equal(await backfillAuditSearchColumns(portico.db), 2);
      assert.deepEqual(await columns(), filled);
      assert.equal(await backfillAuditSearchColumns(portico.db), 0, 'nothing left to fill');
    });

    it('verify names a row whose search columns no longer say what its event does', async () => {
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: true, chains: 1, events: 2 });
      const [row] = await columns();
      assert.ok(row);
      await portico.db.query(`UPDATE audit_event SET patients = array_append(patients, 'Patient/other') WHERE chain = $1 AND seq = 1`, [row.chain]);
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: false, chains: 1, events: 0, broken: { chain: row.chain, seq: 1, reason: 'search columns mismatch' } });
    });
  });
}
