import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const FHIR_JSON = { 'content-type': 'application/fhir+json' };

/** A FHIRPath Patch: one `operation` parameter per operation, its parts as given. */
const fhirPathPatch = (...operations: Record<string, unknown>[][]) => ({
  resourceType: 'Parameters',
  parameter: operations.map((part) => ({ name: 'operation', part })),
});
const part = (name: string, value: Record<string, unknown>) => ({ name, ...value });

for (const driver of drivers) {
  describe(`FHIR PATCH (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    let grantSeq = 0;
    const patch = (path: string, body: unknown, headers: Record<string, string> = JSON_PATCH, client = fhir) => client.request('PATCH', path, body, headers);
    const put = async (resource: { resourceType: string; id: string } & Record<string, unknown>) => {
      const res = await fhir.put(`${resource.resourceType}/${resource.id}`, resource);
      assert.ok(res.status === 201 || res.status === 200, res.text);
      return res;
    };
    const current = async (path: string) => {
      const res = await fhir.get(path);
      assert.equal(res.status, 200, res.text);
      return res.body;
    };
    const refused = (res: FhirReply, status: number) => {
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.resourceType, 'OperationOutcome', res.text);
    };

    /** An access token as the token endpoint issues it, its grant stored and active. */
    async function bearer(scope: string, patient: string): Promise<FhirClient> {
      const grant = `grant-${++grantSeq}`;
      await portico.grants.save({ id: grant, clientId: 'app', scope, patient }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iss: TEST_BASE_URL, sub: 'user-1', aud: `${TEST_BASE_URL}/fhir`, client_id: 'app', scope, grant, patient, jti: `jti-${grantSeq}`, iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .sign(key.key);
      return fhirClient(portico.app, `Bearer ${jwt}`);
    }

    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
      // The patient tokens below are the client `app`'s.
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Client/app', { body: { secret: 'app-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
    });
    after(() => portico.stop());

    describe('JSON Patch', () => {
      it('replaces, adds and removes elements, as a new version with its ETag', async () => {
        await put({ resourceType: 'Patient', id: 'jp-1', gender: 'male', birthDate: '1974-12-25', name: [{ family: 'Chalmers', given: ['Peter'] }], active: true });
        const res = await patch('Patient/jp-1', [
          { op: 'replace', path: '/gender', value: 'female' },
          { op: 'add', path: '/name/0/given/-', value: 'James' },
          { op: 'add', path: '/name/-', value: { family: 'Windsor', use: 'maiden' } },
          { op: 'remove', path: '/active' },
        ]);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.etag, 'W/"2"');
        assert.match(String(res.headers.location), /\/fhir\/Patient\/jp-1\/_history\/2$/);
        assert.equal(res.body.gender, 'female');
        const stored = await current('Patient/jp-1');
        assert.equal(stored.meta.versionId, '2');
        assert.equal(stored.gender, 'female');
        assert.deepEqual(stored.name, [{ family: 'Chalmers', given: ['Peter', 'James'] }, { family: 'Windsor', use: 'maiden' }]);
        assert.equal(stored.active, undefined);
        assert.equal(stored.birthDate, '1974-12-25');
      });

      it('honours Prefer: return=minimal as an update does', async () => {
        await put({ resourceType: 'Patient', id: 'jp-min', gender: 'male' });
        const res = await patch('Patient/jp-min', [{ op: 'replace', path: '/gender', value: 'other' }], { ...JSON_PATCH, prefer: 'return=minimal' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.text, '');
        assert.equal(res.headers.etag, 'W/"2"');
      });

      it('decodes ~1 and ~0 in a pointer to / and ~, and refuses any other ~ escape', async () => {
        await put({ resourceType: 'Patient', id: 'jp-esc', gender: 'male' });
        // No FHIR element holds `/` or `~`: the decoded key is named as it is, missing on remove, unknown once added.
        const missing = await patch('Patient/jp-esc', [{ op: 'remove', path: '/a~1b~0c' }]);
        refused(missing, 422);
        assert.deepEqual(missing.body.issue[0].expression, ['Patient.a/b~c']);
        const added = await patch('Patient/jp-esc', [{ op: 'add', path: '/x~1y', value: 'z' }]);
        refused(added, 422);
        assert.ok(added.body.issue.some((i: { diagnostics: string }) => i.diagnostics.includes('x/y')), added.text);
        refused(await patch('Patient/jp-esc', [{ op: 'remove', path: '/a~2b' }]), 400);
        assert.equal((await current('Patient/jp-esc')).meta.versionId, '1');
      });

      it('refuses a patch whose test fails, applying none of its operations', async () => {
        await put({ resourceType: 'Patient', id: 'jp-test', gender: 'male', birthDate: '1974-12-25' });
        const res = await patch('Patient/jp-test', [
          { op: 'replace', path: '/birthDate', value: '1980-01-01' },
          { op: 'test', path: '/gender', value: 'female' },
        ]);
        refused(res, 422);
        assert.deepEqual(res.body.issue[0].expression, ['Patient.gender']);
        const stored = await current('Patient/jp-test');
        assert.equal(stored.meta.versionId, '1');
        assert.equal(stored.birthDate, '1974-12-25');
        const passing = await patch('Patient/jp-test', [{ op: 'test', path: '/gender', value: 'male' }, { op: 'replace', path: '/birthDate', value: '1980-01-01' }]);
        assert.equal(passing.status, 200, passing.text);
        assert.equal(passing.body.birthDate, '1980-01-01');
      });

      it('refuses a path that does not exist with 422 and a malformed document with 400', async () => {
        await put({ resourceType: 'Patient', id: 'jp-bad', gender: 'male' });
        refused(await patch('Patient/jp-bad', [{ op: 'replace', path: '/name/0/family', value: 'X' }]), 422);
        refused(await patch('Patient/jp-bad', [{ op: 'remove', path: '/name/3' }]), 422);
        refused(await patch('Patient/jp-bad', { op: 'replace', path: '/gender', value: 'female' }), 400);
        refused(await patch('Patient/jp-bad', [{ op: 'frobnicate', path: '/gender' }]), 400);
        refused(await patch('Patient/jp-bad', [{ op: 'replace', path: 'gender', value: 'female' }]), 400);
        refused(await patch('Patient/jp-bad', [{ op: 'add', path: '/gender' }]), 400);
        refused(await patch('Patient/jp-bad', [{ op: 'add', path: '/__proto__/polluted', value: 1 }]), 400);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        refused(await patch('Patient/nobody-here', [{ op: 'replace', path: '/gender', value: 'female' }]), 404);
        assert.equal((await current('Patient/jp-bad')).meta.versionId, '1');
      });

      it('refuses a patch that changes or removes the id, or the resource type', async () => {
        await put({ resourceType: 'Patient', id: 'jp-id', gender: 'male' });
        refused(await patch('Patient/jp-id', [{ op: 'replace', path: '/id', value: 'other' }]), 422);
        refused(await patch('Patient/jp-id', [{ op: 'remove', path: '/id' }]), 422);
        refused(await patch('Patient/jp-id', [{ op: 'replace', path: '/resourceType', value: 'Person' }]), 422);
        assert.equal((await fhir.get('Patient/other')).status, 404);
        assert.equal((await current('Patient/jp-id')).meta.versionId, '1');
      });

      it('refuses a patch whose result is invalid, keeping the stored version', async () => {
        await put({ resourceType: 'Patient', id: 'jp-invalid', birthDate: '1974-12-25' });
        const res = await patch('Patient/jp-invalid', [{ op: 'replace', path: '/birthDate', value: 'yesterday' }]);
        refused(res, 422);
        assert.ok(res.body.issue.some((i: { expression?: string[] }) => i.expression?.includes('Patient.birthDate')), res.text);
        const stored = await current('Patient/jp-invalid');
        assert.equal(stored.birthDate, '1974-12-25');
        assert.equal(stored.meta.versionId, '1');
      });

      it('applies If-Match when it names the current version and refuses it with 412 otherwise', async () => {
        await put({ resourceType: 'Patient', id: 'jp-match', gender: 'male' });
        const ok = await patch('Patient/jp-match', [{ op: 'replace', path: '/gender', value: 'female' }], { ...JSON_PATCH, 'if-match': 'W/"1"' });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.headers.etag, 'W/"2"');
        const stale = await patch('Patient/jp-match', [{ op: 'replace', path: '/gender', value: 'other' }], { ...JSON_PATCH, 'if-match': 'W/"1"' });
        refused(stale, 412);
        const stored = await current('Patient/jp-match');
        assert.equal(stored.gender, 'female');
        assert.equal(stored.meta.versionId, '2');
      });

      it('patches by search criteria: one match is patched, none is 404, several 412', async () => {
        const system = 'http://example.org/mrn';
        await put({ resourceType: 'Patient', id: 'cp-1', identifier: [{ system, value: 'one' }], gender: 'male' });
        await put({ resourceType: 'Patient', id: 'cp-2', identifier: [{ system, value: 'two' }], gender: 'male' });
        await put({ resourceType: 'Patient', id: 'cp-3', identifier: [{ system, value: 'two' }], gender: 'male' });
        const one = await patch(`Patient?identifier=${system}|one`, [{ op: 'replace', path: '/gender', value: 'female' }]);
        assert.equal(one.status, 200, one.text);
        assert.equal(one.body.id, 'cp-1');
        assert.equal((await current('Patient/cp-1')).gender, 'female');
        refused(await patch(`Patient?identifier=${system}|none`, [{ op: 'replace', path: '/gender', value: 'female' }]), 404);
        refused(await patch(`Patient?identifier=${system}|two`, [{ op: 'replace', path: '/gender', value: 'female' }]), 412);
        assert.equal((await current('Patient/cp-2')).gender, 'male');
        assert.equal((await current('Patient/cp-3')).gender, 'male');
      });
    });

    describe('FHIRPath Patch', () => {
      it('adds, replaces, inserts and deletes elements located by FHIRPath', async () => {
        await put({
          resourceType: 'Patient',
          id: 'fp-1',
          gender: 'male',
          birthDate: '1974-12-25',
          identifier: [{ system: 'http://example.org/a', value: '1' }],
          name: [{ family: 'Chalmers', given: ['Peter'] }, { family: 'Windsor' }],
        });
        const res = await patch('Patient/fp-1', fhirPathPatch(
          [part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.gender' }), part('value', { valueCode: 'female' })],
          [part('type', { valueCode: 'add' }), part('path', { valueString: 'Patient' }), part('name', { valueString: 'deceased' }), part('value', { valueBoolean: false })],
          [part('type', { valueCode: 'add' }), part('path', { valueString: 'Patient.name[0]' }), part('name', { valueString: 'given' }), part('value', { valueString: 'James' })],
          [part('type', { valueCode: 'insert' }), part('path', { valueString: 'Patient.identifier' }), part('index', { valueInteger: 0 }), part('value', { valueIdentifier: { system: 'http://example.org/b', value: '0' } })],
          [part('type', { valueCode: 'delete' }), part('path', { valueString: "Patient.name.where(family = 'Windsor')" })],
          [part('type', { valueCode: 'add' }), part('path', { valueString: 'Patient' }), part('name', { valueString: 'contact' }), part('value', {
            part: [
              part('name', { valueHumanName: { family: 'Next', given: ['Kin'] } }),
              part('gender', { valueCode: 'female' }),
            ],
          })],
        ), FHIR_JSON);
        assert.equal(res.status, 200, res.text);
        const stored = await current('Patient/fp-1');
        assert.equal(stored.meta.versionId, '2');
        assert.equal(stored.gender, 'female');
        assert.equal(stored.deceasedBoolean, false);
        assert.deepEqual(stored.name, [{ family: 'Chalmers', given: ['Peter', 'James'] }]);
        assert.deepEqual(stored.identifier.map((i: { value: string }) => i.value), ['0', '1']);
        assert.deepEqual(stored.contact, [{ name: { family: 'Next', given: ['Kin'] }, gender: 'female' }]);
      });

      it('moves an element within its list, and deleting what is not there is no error', async () => {
        await put({ resourceType: 'Patient', id: 'fp-move', name: [{ family: 'A' }, { family: 'B' }, { family: 'C' }], deceasedBoolean: true });
        const res = await patch('Patient/fp-move', fhirPathPatch(
          [part('type', { valueCode: 'move' }), part('path', { valueString: 'Patient.name' }), part('source', { valueInteger: 2 }), part('destination', { valueInteger: 0 })],
          [part('type', { valueCode: 'delete' }), part('path', { valueString: 'Patient.telecom' })],
          // A choice element takes the type of its new value.
          [part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.deceased' }), part('value', { valueDateTime: '2020-02-02' })],
        ), FHIR_JSON);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.name.map((n: { family: string }) => n.family), ['C', 'A', 'B']);
        assert.equal(res.body.deceasedDateTime, '2020-02-02');
        assert.equal(res.body.deceasedBoolean, undefined);
      });

      it('refuses a path matching several elements, or none for a replace, with 422; a malformed document with 400', async () => {
        await put({ resourceType: 'Patient', id: 'fp-bad', name: [{ family: 'A' }, { family: 'B' }] });
        const several = await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.name.family' }), part('value', { valueString: 'Z' })]), FHIR_JSON);
        refused(several, 422);
        refused(await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.birthDate' }), part('value', { valueDate: '2000-01-01' })]), FHIR_JSON), 422);
        refused(await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.id' }), part('value', { valueId: 'elsewhere' })]), FHIR_JSON), 422);
        refused(await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'explode' }), part('path', { valueString: 'Patient' })]), FHIR_JSON), 400);
        refused(await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'add' }), part('path', { valueString: 'Patient' })]), FHIR_JSON), 400);
        refused(await patch('Patient/fp-bad', { resourceType: 'Patient', id: 'fp-bad' }, FHIR_JSON), 400);
        const invalid = await patch('Patient/fp-bad', fhirPathPatch([part('type', { valueCode: 'add' }), part('path', { valueString: 'Patient' }), part('name', { valueString: 'birthDate' }), part('value', { valueString: 'yesterday' })]), FHIR_JSON);
        refused(invalid, 422);
        assert.ok(invalid.body.issue.some((i: { expression?: string[] }) => i.expression?.includes('Patient.birthDate')), invalid.text);
        assert.equal((await current('Patient/fp-bad')).meta.versionId, '1');
      });
    });

    it('refuses a content type other than JSON Patch or FHIR JSON with 415', async () => {
      await put({ resourceType: 'Patient', id: 'ct-1', gender: 'male' });
      refused(await fhir.request('PATCH', 'Patient/ct-1', 'gender=female', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
      refused(await fhir.request('PATCH', 'Patient/ct-1', '<Patient/>', { 'content-type': 'application/xml' }), 415);
      refused(await fhir.request('PATCH', 'Patient/ct-1', 'x', { 'content-type': 'text/plain' }), 415);
      assert.equal((await current('Patient/ct-1')).meta.versionId, '1');
    });

    it('refuses a Bundle PATCH entry that is not a JSON Patch Binary or a Parameters with 400, never a 500', async () => {
      await put({ resourceType: 'Patient', id: 'bin-1', gender: 'male' });
      const entry = (resource: unknown) => ({ resourceType: 'Bundle', type: 'batch', entry: [{ resource, request: { method: 'PATCH', url: 'Patient/bin-1' } }] });
      const binary = (contentType: string, text: string) => ({ resourceType: 'Binary', contentType, data: Buffer.from(text).toString('base64') });
      const deep = `[{"op":"add","path":"/extension","value":${'['.repeat(2000)}${']'.repeat(2000)}}]`;
      for (const resource of [binary('application/json-patch+json', deep), binary('application/json-patch+json', 'not json'), binary('text/plain', '[]'), { resourceType: 'Patient', id: 'bin-1' }]) {
        const res = await fhir.post('', entry(resource));
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.entry[0].response.status, '400 Bad Request', res.text);
      }
      assert.equal((await current('Patient/bin-1')).meta.versionId, '1');
    });

    it('runs a PATCH entry of a transaction (a Binary holding the JSON Patch) and of a batch', async () => {
      await put({ resourceType: 'Patient', id: 'tx-1', gender: 'male' });
      await put({ resourceType: 'Patient', id: 'tx-2', gender: 'male' });
      const jsonPatch = (path: string, value: string) => ({
        resourceType: 'Binary',
        contentType: 'application/json-patch+json',
        data: Buffer.from(JSON.stringify([{ op: 'add', path, value }])).toString('base64'),
      });
      const placeholder = 'urn:uuid:4f0d2a4e-56b8-4d8c-9d0b-0f7c5e0c1a11';
      const tx = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: placeholder, resource: jsonPatch('/gender', 'female'), request: { method: 'PATCH', url: 'Patient/tx-1' } },
          { resource: { resourceType: 'Observation', id: 'tx-obs', status: 'final', code: { text: 'x' }, subject: { reference: placeholder } }, request: { method: 'PUT', url: 'Observation/tx-obs' } },
        ],
      });
      assert.equal(tx.status, 200, tx.text);
      assert.equal(tx.body.entry[0].response.status, '200 OK');
      assert.equal(tx.body.entry[0].response.etag, 'W/"2"');
      assert.equal((await current('Patient/tx-1')).gender, 'female');
      // A reference to the patched entry's fullUrl becomes the patched resource's.
      assert.equal((await current('Observation/tx-obs')).subject.reference, 'Patient/tx-1');

      // A transaction is all or nothing: a failing patch takes back the entries before it.
      const failing = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', id: 'tx-rolled-back', gender: 'other' }, request: { method: 'PUT', url: 'Patient/tx-rolled-back' } },
          { resource: jsonPatch('/birthDate', 'yesterday'), request: { method: 'PATCH', url: 'Patient/tx-2' } },
        ],
      });
      refused(failing, 422);
      assert.equal((await fhir.get('Patient/tx-rolled-back')).status, 404);

      const batch = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: fhirPathPatch([part('type', { valueCode: 'replace' }), part('path', { valueString: 'Patient.gender' }), part('value', { valueCode: 'unknown' })]), request: { method: 'PATCH', url: 'Patient/tx-2' } },
          { resource: jsonPatch('/gender', 'female'), request: { method: 'PATCH', url: 'Patient/not-there' } },
        ],
      });
      assert.equal(batch.status, 200, batch.text);
      assert.deepEqual(batch.body.entry.map((e: { response: { status: string } }) => e.response.status), ['200 OK', '404 Not Found']);
      assert.equal((await current('Patient/tx-2')).gender, 'unknown');
    });

    it('decides a patch as an update: a patient token patches its own record, not another patient\'s', async () => {
      await put({ resourceType: 'Patient', id: 'pa', gender: 'male' });
      await put({ resourceType: 'Patient', id: 'pb', gender: 'male' });
      const writer = await bearer('launch/patient patient/Patient.ru', 'pa');
      const own = await patch('Patient/pa', [{ op: 'replace', path: '/gender', value: 'female' }], JSON_PATCH, writer);
      assert.equal(own.status, 200, own.text);
      const other = await patch('Patient/pb', [{ op: 'replace', path: '/gender', value: 'female' }], JSON_PATCH, writer);
      assert.ok(other.status === 403 || other.status === 404, other.text);
      assert.equal((await current('Patient/pb')).gender, 'male');
      // Read access alone does not patch (SMART v2 `u`, v1 `write`).
      const reader = await bearer('launch/patient patient/Patient.rs', 'pa');
      refused(await patch('Patient/pa', [{ op: 'replace', path: '/gender', value: 'other' }], JSON_PATCH, reader), 403);
      const v1 = await bearer('launch/patient patient/Patient.write', 'pa');
      assert.equal((await patch('Patient/pa', [{ op: 'replace', path: '/gender', value: 'other' }], JSON_PATCH, v1)).status, 200);
    });

    it('records a BALP rest/patch AuditEvent for a patch', async () => {
      await put({ resourceType: 'Patient', id: 'au-1', gender: 'male' });
      const res = await patch('Patient/au-1', [{ op: 'replace', path: '/gender', value: 'female' }], { ...JSON_PATCH, 'x-request-id': 'patch-audit-1' });
      assert.equal(res.status, 200, res.text);
      const events = (await auditEvents(portico, { subtype: 'patch' })).filter((e) =>
        (e.entity ?? []).some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === 'patch-audit-1'));
      assert.equal(events.length, 1, JSON.stringify(events));
      const [event] = events;
      assert.equal(event?.action, 'U');
      assert.equal(event?.outcome, '0');
      assert.ok((event?.entity ?? []).some((e) => e.what?.reference === 'Patient/au-1'), JSON.stringify(event));
    });
  });
}
