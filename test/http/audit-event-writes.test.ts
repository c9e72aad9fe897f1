import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEvent, onlyRecordedByTheTest } from '../support/audit-events.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const OBSERVATION = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  valueQuantity: { value: 72, unit: '/min' },
};

const AUDIT_EVENT = {
  resourceType: 'AuditEvent',
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
  action: 'R',
  recorded: '2030-01-01T00:00:00Z',
  outcome: '0',
  agent: [{ requestor: true, who: { display: 'Mallory' } }],
  source: { observer: { display: 'forged' } },
};

function assertRefused(reply: FhirReply, what: string): void {
  assert.equal(reply.status, 405, `${what}: ${reply.text}`);
  assert.equal(reply.body?.resourceType, 'OperationOutcome', what);
  assert.equal(reply.body.issue[0].code, 'not-supported', what);
  assert.match(reply.body.issue[0].diagnostics, /AuditEvent/, what);
  assert.equal(reply.headers.allow, 'GET, HEAD', what);
}

for (const driver of drivers) {
  describe(`FHIR API refuses writes of AuditEvent (${driver})`, () => {
    let portico: TestPortico;
    /** The one AuditEvent, as the audit trail recorded it. */
    let kept = '';
    before(async () => {
      // The server's own events (of this test's requests) are left out: the trail holds the one event recorded here.
      portico = await startPortico(driver, {}, onlyRecordedByTheTest);
      await portico.audit.record('default', auditEvent());
      const [event] = await auditEvents(portico);
      assert.ok(event);
      kept = event.id;
    });
    after(() => portico.stop());

    it('root creates an Observation, but no create, update, patch or delete of an AuditEvent, conditional or not', async () => {
      const fhir = fhirClient(portico.app);
      // The same caller and interactions succeed on another type.
      const created = await fhir.request('POST', 'Observation', OBSERVATION);
      assert.equal(created.status, 201, created.text);
      const updated = await fhir.request('PUT', `Observation/${created.body.id}`, { ...OBSERVATION, id: created.body.id, status: 'amended' });
      assert.equal(updated.status, 200, updated.text);

      // The AuditEvent the audit trail recorded, to show reads stay and writes change nothing.
      const before = await fhir.get(`AuditEvent/${kept}`);
      assert.equal(before.status, 200, before.text);

      assertRefused(await fhir.request('POST', 'AuditEvent', AUDIT_EVENT), 'create');
      assertRefused(await fhir.request('POST', 'AuditEvent', AUDIT_EVENT, { 'if-none-exist': 'action=R' }), 'conditional create');
      assertRefused(await fhir.request('PUT', `AuditEvent/${kept}`, { ...AUDIT_EVENT, id: kept, outcome: '4' }), 'update');
      assertRefused(await fhir.request('PUT', 'AuditEvent/new-one', { ...AUDIT_EVENT, id: 'new-one' }), 'update as create');
      assertRefused(await fhir.request('PUT', 'AuditEvent?action=R', { ...AUDIT_EVENT, outcome: '4' }), 'conditional update');
      assertRefused(await fhir.request('DELETE', `AuditEvent/${kept}`), 'delete');
      assertRefused(await fhir.request('DELETE', 'AuditEvent?action=R'), 'conditional delete');
      const patched = await fhir.request('PATCH', `AuditEvent/${kept}`, [{ op: 'replace', path: '/outcome', value: '4' }], { 'content-type': 'application/json-patch+json' });
      assert.ok(patched.status === 405 || patched.status === 415, patched.text);
      assert.equal(patched.body?.resourceType, 'OperationOutcome');

      // Reads stay as they were; the one AuditEvent is unchanged and no other exists.
      const after = await fhir.get(`AuditEvent/${kept}`);
      assert.equal(after.status, 200, after.text);
      assert.deepEqual(after.body, before.body);
      const history = await fhir.get(`AuditEvent/${kept}/_history`);
      assert.equal(history.body.total ?? history.body.entry.length, 1);
      const all = await fhir.get('AuditEvent');
      assert.equal(all.status, 200, all.text);
      assert.deepEqual(all.body.entry.map((e: { resource: { id: string } }) => e.resource.id), [kept]);
    });

    it('a transaction or batch entry writing an AuditEvent is refused the same way', async () => {
      const fhir = fhirClient(portico.app);
      const entries = [
        { request: { method: 'POST', url: 'AuditEvent' }, resource: AUDIT_EVENT },
        { request: { method: 'PUT', url: `AuditEvent/${kept}` }, resource: { ...AUDIT_EVENT, id: kept } },
        { request: { method: 'DELETE', url: `AuditEvent/${kept}` } },
        { request: { method: 'DELETE', url: 'AuditEvent?action=R' } },
      ];
      // The positive control: the same Bundle shape writing an Observation goes through.
      const control = await fhir.request('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Observation' }, resource: OBSERVATION }] });
      assert.equal(control.status, 200, control.text);
      assert.equal(control.body.entry[0].response.status.split(' ')[0], '201');

      for (const entry of entries) {
        const transaction = await fhir.request('POST', '', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'POST', url: 'Observation' }, resource: OBSERVATION }, entry],
        });
        assert.equal(transaction.status, 405, `transaction ${entry.request.method} ${entry.request.url}: ${transaction.text}`);
        assert.equal(transaction.body.resourceType, 'OperationOutcome');
        assert.match(JSON.stringify(transaction.body.issue), /AuditEvent/);
      }
      const batch = await fhir.request('POST', '', { resourceType: 'Bundle', type: 'batch', entry: entries });
      assert.equal(batch.status, 200, batch.text);
      for (const [i, e] of (batch.body.entry as { response: { status: string; outcome?: { resourceType: string } } }[]).entries()) {
        assert.equal(e.response.status.split(' ')[0], '405', `batch entry ${i}: ${JSON.stringify(e)}`);
        assert.equal(e.response.outcome?.resourceType, 'OperationOutcome');
      }

      // Nothing was stored: the transactions rolled back their Observation too, and the one AuditEvent is unchanged.
      const events = await fhir.get('AuditEvent');
      assert.deepEqual(events.body.entry.map((e: { resource: { id: string; meta: { versionId: string } } }) => [e.resource.id, e.resource.meta.versionId]), [[kept, '1']]);
      const observations = await fhir.get('Observation?_summary=count');
      assert.equal(observations.body.total, 2, 'the first test\'s Observation and the control\'s only');
    });
  });
}
