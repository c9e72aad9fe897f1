import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { auditEvents } from '../support/audit-read.ts';
import { persistentDatabase, portico as porticoCli, withPortico } from '../support/audit-cli.ts';
import { drivers, TEST_BASE_URL } from '../support/portico.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PORTICO_SUBTYPE = 'http://portico.example.org/fhir/CodeSystem/audit-event-subtype';
const SIGNING_KEY = 'http://portico.example.org/fhir/sid/signing-key';

/** `portico <args>` as the operating-system user `ops`. */
const portico = (args: string[], env: Record<string, string>) => porticoCli(args, { USER: 'ops', ...env });

const keyEvents = (env: Record<string, string>) => withPortico(env, (p) => auditEvents(p, { type: `${DCM}|110100` }));
const porticoCode = (event: RecordedAuditEvent) => event.subtype?.find((c) => c.system === PORTICO_SUBTYPE)?.code;

for (const driver of drivers) {
  describe(`portico keys records rotations and retirements as AuditEvents (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('rotate records the new key, retire the retired one, by the operator; a refused or repeated retire records nothing', async () => {
      const oldKid = await withPortico(database.env, async (p) => (await p.signingKeys.signingKey('RS256')).kid);
      assert.deepEqual(await keyEvents(database.env), [], 'the first key, made at start, is no change of an operator');

      const rotated = await portico(['keys', 'rotate'], database.env);
      assert.equal(rotated.code, 0, rotated.stderr);
      const newKid = /added RS256 key (\S+)/.exec(rotated.stdout)?.[1] ?? '';
      assert.ok(newKid && newKid !== oldKid, rotated.stdout);

      const refused = await portico(['keys', 'retire', newKid], database.env);
      assert.equal(refused.code, 1, 'the active key is not retired');
      assert.equal((await portico(['keys', 'retire', oldKid], database.env)).code, 0);
      assert.equal((await portico(['keys', 'retire', oldKid], database.env)).code, 0, 'retired already: nothing to do');

      const events = await keyEvents(database.env);
      assert.deepEqual(events.map(porticoCode), ['key-rotated', 'key-retired']);
      const [rotation, retirement] = events as [RecordedAuditEvent, RecordedAuditEvent];
      for (const [event, kid, action, command] of [
        [rotation, newKid, 'C', 'portico keys rotate'],
        [retirement, oldKid, 'U', 'portico keys retire'],
      ] as const) {
        assert.deepEqual(event.type, { system: DCM, code: '110100', display: 'Application Activity' });
        assert.ok(event.subtype?.some((c) => c.system === DCM && c.code === '110129'), 'Security Configuration');
        assert.equal(event.action, action);
        assert.equal(event.outcome, '0');
        assert.equal(event.source.site, TEST_BASE_URL);
        assert.deepEqual(event.entity?.[0]?.what, { identifier: { system: SIGNING_KEY, value: kid } });
        assert.equal(event.entity?.[0]?.role?.code, '13', 'Security Resource');
        assert.deepEqual(event.agent, [{ type: event.agent[0]?.type, who: { display: `operator (${command})` }, name: 'ops', requestor: true }]);
      }
      // Key material never appears: only kids.
      assert.doesNotMatch(JSON.stringify(events), /"d":|PRIVATE/);

      // The command's events are on a chain of their own that verifies.
      const verified = await portico(['audit', 'verify'], database.env);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      // Beside them, the FHIR API's records of this test's own searches (auditEvents reads through it).
      assert.match(verified.stdout, /audit trail intact: \d+ events/);
    });
  });
}
