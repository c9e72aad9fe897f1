import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { auditEvents } from '../support/audit-read.ts';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { consoleBrowser, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { csrfTokenIn, type Browser } from './login-support.ts';

/** The decision chain's items, as text without tags. */
function chainOf(body: string): string[] {
  const list = /<ol class="decision-chain">([\s\S]*?)<\/ol>/.exec(body)?.[1];
  assert.ok(list !== undefined, 'the page shows a decision chain');
  return [...list.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
}

function answerOf(body: string): 'allow' | 'deny' {
  const answer = /Answer: <span class="outcome [a-z]+">(allow|deny)<\/span>/.exec(body)?.[1];
  assert.ok(answer === 'allow' || answer === 'deny', 'the page answers allow or deny');
  return answer;
}

const testUrl = (prefix: string, q: Record<string, string>) => `${prefix}/admin/policies/test?${new URLSearchParams(q).toString()}`;

for (const driver of drivers) {
  describe(`the console's access policies (${driver})`, () => {
    let portico: TestPortico;
    let admin: Browser;
    let seq = 0;

    /** A real access token of `clientId` for `sub` (a User id, or the client itself for client_credentials). */
    async function token(clientId: string, sub: string, scope: string): Promise<FhirClient> {
      const grant = `grant-${++seq}`;
      await portico.grants.save({ id: grant, clientId, scope, ...(sub !== clientId ? { userId: sub } : {}) }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: TEST_BASE_URL, sub, aud: `${TEST_BASE_URL}/fhir`, client_id: clientId, scope, grant, jti: `jti-${seq}`, iat: now, exp: now + 600 };
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key);
      return fhirClient(portico.app, `Bearer ${jwt}`);
    }

    /** Posts the editor's form (with the page's own CSRF token); `id` only for a new policy. */
    async function savePolicy(path: string, text: string, format: 'yaml' | 'json', id?: string) {
      const form = await admin.get(`${path}?format=${format}`);
      assert.equal(form.statusCode, 200, form.body);
      return admin.post(path, { csrf_token: csrfTokenIn(form.body), format, text, ...(id !== undefined ? { id } : {}) });
    }

    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
      const app = portico.app;
      await rootPut(app, '/Client/ward-app', { secret: 'ward-app-secret', grant_types: ['client_credentials'], scope: ['system/Patient.rs', 'system/Observation.rs'] });
      await rootPut(app, '/Client/lonely-app', { secret: 'lonely-app-secret', grant_types: ['client_credentials'], scope: ['system/Patient.rs'] });
      await rootPut(app, '/User/doctor', { email: 'doctor@example.org', password: 'a long sandbox password', fhirUser: { resourceType: 'Practitioner', id: 'doc' } });
      await rootPut(app, '/AccessPolicy/ward-reads', {
        engine: 'matcho',
        link: [{ resourceType: 'Client', id: 'ward-app' }],
        matcho: { operation: { id: { $enum: ['fhir.read', 'fhir.search-type'] } }, resourceType: 'Patient' },
      });
      const root = fhirClient(app, rootBasic);
      const created = await root.put('Patient/pa', { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] });
      assert.ok(created.status === 201 || created.status === 200, created.text);
      admin = await consoleBrowser(app, GLOBAL_ADMIN);
    });
    after(() => portico.stop());

    it('lists the policies with what they apply to and match', async () => {
      const res = await admin.get('/admin/policies');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<a href="\/admin\/policies\/ward-reads">ward-reads<\/a>/);
      assert.match(res.body, /Client\/ward-app/);
      assert.match(res.body, /fhir\.search-type/);
      assert.match(res.body, /1–1 of 1/);
    });

    it('a policy written as YAML is saved through the admin API', async () => {
      const yaml = 'description: Doctors read observations\nengine: matcho\nlink:\n  - resourceType: User\n    id: doctor\nmatcho:\n  resourceType: Observation\n';
      const saved = await savePolicy('/admin/policies/new', yaml, 'yaml', 'doctor-observations');
      assert.equal(saved.statusCode, 303, saved.body);
      assert.equal(saved.headers.location, '/admin/policies/doctor-observations?format=yaml&saved=1');
      const api = await portico.app.inject({ method: 'GET', url: '/AccessPolicy/doctor-observations', headers: { authorization: rootBasic } });
      assert.equal(api.statusCode, 200, api.body);
      assert.deepEqual(JSON.parse(api.body).link, [{ resourceType: 'User', id: 'doctor' }]);
      assert.deepEqual(JSON.parse(api.body).matcho, { resourceType: 'Observation' });
      // Recorded as the admin API's writes are, with the administrator as the requestor.
      const events = (await auditEvents(portico, { type: 'http://dicom.nema.org/resources/ontology/DCM|110100' }, 'default')).filter((e: RecordedAuditEvent) =>
        e.entity?.some((entity) => entity.what?.identifier?.value === 'doctor-observations'),
      );
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]?.agent.find((a) => a.requestor)?.who?.identifier, { system: 'http://portico.example.org/fhir/sid/user', value: GLOBAL_ADMIN.id });
      const page = await admin.get('/admin/policies/doctor-observations?format=json');
      assert.match(page.body, /&quot;engine&quot;: &quot;matcho&quot;/);
    });

    it('a YAML syntax error is shown at its line and column; the policy is not changed', async () => {
      const broken = 'engine: allow\nlink:\n  - resourceType: Client\n    id: [ward-app\n';
      const res = await savePolicy('/admin/policies/ward-reads', broken, 'yaml');
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /Line 5, column \d+: The body is not valid YAML/);
      const api = await portico.app.inject({ method: 'GET', url: '/AccessPolicy/ward-reads', headers: { authorization: rootBasic } });
      assert.equal(JSON.parse(api.body).engine, 'matcho');
    });

    it('a JSON syntax error is shown at its line and column', async () => {
      const broken = '{\n  "engine": "allow",\n  "link": [{ "resourceType": "Client" "id": "x" }]\n}\n';
      const res = await savePolicy('/admin/policies/ward-reads', broken, 'json');
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /Line 3, column 39: The body is not valid JSON/);
      assert.match(res.body, /<code class="policy-line"> {2}&quot;link&quot;/);
    });

    it("a field the validator refuses is shown at that field's line, an unknown field at its own", async () => {
      const invalid = 'description: fine\nlink:\n  - resourceType: Client\n    id: ward-app\nengine: sometimes\nmatcho:\n  method: GET\n';
      const res = await savePolicy('/admin/policies/ward-reads', invalid, 'yaml');
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.body, /Line 5: AccessPolicy\.engine: must be allow or matcho/);
      const unknown = 'engine: allow\nlink:\n  - resourceType: Client\n    id: ward-app\n    role: nurse\n';
      const second = await savePolicy('/admin/policies/ward-reads', unknown, 'yaml');
      assert.equal(second.statusCode, 422, second.body);
      assert.match(second.body, /Line 5: AccessPolicy\.link\[0\]/);
    });

    it('the tester allows a request a scope and a policy allow, naming both in the chain', async () => {
      const res = await admin.get(testUrl('', { client: 'ward-app', method: 'GET', url: '/Patient?name=Alpha' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(answerOf(res.body), 'allow');
      const chain = chainOf(res.body);
      assert.ok(chain.some((s) => /^Scope matched: system\/Patient\.rs allows search of Patient/.test(s)), chain.join('\n'));
      assert.ok(chain.some((s) => /^Policy allows: AccessPolicy\/ward-reads matches the request from Client\/ward-app/.test(s)), chain.join('\n'));
    });

    it('the tester decides a PATCH as the update it is', async () => {
      const read = await admin.get(testUrl('', { client: 'ward-app', scope: 'system/Patient.rs', method: 'GET', url: '/Patient/pa' }));
      assert.equal(read.statusCode, 200, read.body);
      assert.ok(chainOf(read.body).some((s) => /^Scope matched: system\/Patient\.rs allows read of Patient/.test(s)), chainOf(read.body).join('\n'));
      const patch = await admin.get(testUrl('', { client: 'ward-app', scope: 'system/Patient.rs', method: 'PATCH', url: '/Patient/pa' }));
      assert.equal(patch.statusCode, 200, patch.body);
      assert.equal(answerOf(patch.body), 'deny');
      assert.ok(chainOf(patch.body).some((s) => /update/.test(s) && /Patient/.test(s)), chainOf(patch.body).join('\n'));
    });

    it('the tester denies what no scope covers, naming the missing scope, and what no policy allows, naming the policies', async () => {
      const noScope = await admin.get(testUrl('', { client: 'ward-app', scope: 'system/Patient.rs', method: 'GET', url: '/Observation?patient=pa' }));
      assert.equal(answerOf(noScope.body), 'deny');
      assert.ok(chainOf(noScope.body).some((s) => /^Scope missing: no granted scope covers Observation \(granted: system\/Patient\.rs\)/.test(s)));
      const unregistered = await admin.get(testUrl('', { client: 'ward-app', scope: 'system/Encounter.rs', method: 'GET', url: '/Encounter' }));
      assert.match(chainOf(unregistered.body)[0] ?? '', /^Scopes: system\/Encounter\.rs is not among Client\/ward-app's registered scopes/);
      const noPolicy = await admin.get(testUrl('', { client: 'ward-app', method: 'GET', url: '/Observation?patient=pa' }));
      assert.equal(answerOf(noPolicy.body), 'deny');
      const chain = chainOf(noPolicy.body);
      assert.ok(chain.some((s) => /^Scope matched: system\/Observation\.rs/.test(s)), chain.join('\n'));
      assert.ok(chain.some((s) => /^Policy does not allow: AccessPolicy\/ward-reads has a matcho pattern the request does not match/.test(s)), chain.join('\n'));
      assert.ok(chain.some((s) => /^Policy does not allow: AccessPolicy\/doctor-observations is linked to User\/doctor/.test(s)), chain.join('\n'));
    });

    it("the tester's answer agrees with the FHIR API's for the same client, user and request", async () => {
      const cases = [
        { client: 'ward-app', user: '', scope: 'system/Patient.rs system/Observation.rs', method: 'GET', path: 'Patient/pa' },
        { client: 'ward-app', user: '', scope: 'system/Patient.rs system/Observation.rs', method: 'GET', path: 'Observation' },
        { client: 'lonely-app', user: '', scope: 'system/Patient.rs', method: 'GET', path: 'Patient/pa' },
        { client: 'lonely-app', user: 'doctor', scope: 'user/Observation.rs', method: 'GET', path: 'Observation' },
        { client: 'lonely-app', user: 'doctor', scope: 'user/Observation.rs', method: 'GET', path: 'Patient' },
      ];
      for (const c of cases) {
        const page = await admin.get(testUrl('', { client: c.client, user: c.user, scope: c.scope, method: c.method, url: `/${c.path}` }));
        assert.equal(page.statusCode, 200, page.body);
        const api = await (await token(c.client, c.user || c.client, c.scope)).get(c.path);
        assert.ok(api.status === 200 || api.status === 403, api.text);
        assert.equal(answerOf(page.body), api.status === 200 ? 'allow' : 'deny', `${JSON.stringify(c)}: the FHIR API answered ${api.status}`);
      }
    });

    it('the tester answers for the admin API too', async () => {
      await rootPut(portico.app, '/AccessPolicy/ward-lists-clients', { engine: 'matcho', link: [{ resourceType: 'Client', id: 'ward-app' }], matcho: { operation: { id: 'Client.list' } } });
      const allowed = await admin.get(testUrl('', { client: 'ward-app', method: 'GET', url: '/Client' }));
      assert.equal(answerOf(allowed.body), 'allow');
      assert.ok(chainOf(allowed.body).some((s) => /AccessPolicy\/ward-lists-clients matches the request/.test(s)));
      const denied = await admin.get(testUrl('', { client: 'ward-app', method: 'DELETE', url: '/Client/lonely-app' }));
      assert.equal(answerOf(denied.body), 'deny');
    });

    it('the tester names the problem with its input (422), never a 500', async () => {
      const ok = await admin.get(testUrl('', { client: 'ward-app', method: 'GET', url: '/Patient' }));
      assert.equal(ok.statusCode, 200);
      const res = await admin.get(testUrl('', { client: 'nobody', user: 'ghost', method: 'TRACE', url: '/NoSuchType' }));
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.body, /There is no Client nobody here/);
      assert.match(res.body, /There is no User ghost here/);
      assert.match(res.body, /Choose one of GET, POST, PUT, PATCH, DELETE/);
      const unknownType = await admin.get(testUrl('', { client: 'ward-app', method: 'GET', url: '/NoSuchType' }));
      assert.equal(unknownType.statusCode, 422, unknownType.body);
      assert.match(unknownType.body, /The FHIR API answers 404: Unknown resource type/);
    });

    it('deleting asks first, then deletes through the admin API', async () => {
      await rootPut(portico.app, '/AccessPolicy/short-lived', { engine: 'allow', link: [{ resourceType: 'Client', id: 'lonely-app' }] });
      const page = await admin.get('/admin/policies/short-lived');
      const asked = await admin.post('/admin/policies/short-lived/delete', { csrf_token: csrfTokenIn(page.body), confirm: 'no' });
      assert.equal(asked.statusCode, 200);
      assert.match(asked.body, /Delete AccessPolicy\/short-lived\?/);
      const still = await portico.app.inject({ method: 'GET', url: '/AccessPolicy/short-lived', headers: { authorization: rootBasic } });
      assert.equal(still.statusCode, 200);
      const done = await admin.post('/admin/policies/short-lived/delete', { csrf_token: csrfTokenIn(asked.body), confirm: 'yes' });
      assert.equal(done.statusCode, 303, done.body);
      assert.equal(done.headers.location, '/admin/policies?deleted=short-lived');
      const gone = await portico.app.inject({ method: 'GET', url: '/AccessPolicy/short-lived', headers: { authorization: rootBasic } });
      assert.equal(gone.statusCode, 404);
    });

    it('a form without its CSRF token changes nothing (403)', async () => {
      const res = await admin.post('/admin/policies/ward-reads', { format: 'yaml', text: 'engine: allow\nlink:\n  - resourceType: Client\n    id: lonely-app\n' });
      assert.equal(res.statusCode, 403);
    });

    describe("at a tenant's console", () => {
      let tenantAdmin: Browser;
      before(async () => {
        await rootPut(portico.app, '/Client/north-app', { secret: 'north-app-secret', grant_types: ['client_credentials'], scope: ['system/Patient.rs'], meta: { _tenant: TENANT } });
        await rootPut(portico.app, '/Tenant/south', { resourceType: 'Tenant', name: 'South Clinic', active: true });
        await rootPut(portico.app, '/Client/south-app', { secret: 'south-app-secret', grant_types: ['client_credentials'], scope: ['system/Patient.rs'], meta: { _tenant: 'south' } });
        await rootPut(portico.app, '/AccessPolicy/north-reads', { engine: 'allow', link: [{ resourceType: 'Client', id: 'north-app' }], meta: { _tenant: TENANT } });
        tenantAdmin = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      });

      it("lists the tenant's policies to edit and the global ones read-only", async () => {
        const res = await tenantAdmin.get(`/t/${TENANT}/admin/policies`);
        assert.equal(res.statusCode, 200, res.body);
        assert.match(res.body, /href="\/t\/north\/admin\/policies\/north-reads">north-reads<\/a>/);
        assert.match(res.body, /ward-reads<\/a> <span class="muted">\(read-only\)<\/span>/);
        const global = await tenantAdmin.get(`/t/${TENANT}/admin/policies/ward-reads`);
        assert.equal(global.statusCode, 200);
        assert.match(global.body, /A global policy/);
        assert.doesNotMatch(global.body, /<textarea/);
        const own = await tenantAdmin.get(`/t/${TENANT}/admin/policies/north-reads`);
        const edit = await tenantAdmin.post(`/t/${TENANT}/admin/policies/north-reads`, { csrf_token: csrfTokenIn(own.body), format: 'yaml', text: 'engine: allow\nlink:\n  - resourceType: Client\n    id: north-app\ndescription: edited\n' });
        assert.equal(edit.statusCode, 303, edit.body);
        const refused = await tenantAdmin.post(`/t/${TENANT}/admin/policies/ward-reads`, { csrf_token: csrfTokenIn(own.body), format: 'yaml', text: 'engine: allow\nlink:\n  - resourceType: Client\n    id: north-app\n' });
        assert.equal(refused.statusCode, 404);
        // A new policy cannot take a global policy's id.
        const taken = await tenantAdmin.post(`/t/${TENANT}/admin/policies/new`, { csrf_token: csrfTokenIn(own.body), id: 'ward-reads', format: 'yaml', text: 'engine: allow\nlink:\n  - resourceType: Client\n    id: north-app\n' });
        assert.equal(taken.statusCode, 409, taken.body);
        assert.match(taken.body, /id="id-error">AccessPolicy\/ward-reads: this id is in use outside this tenant/);
      });

      it("tests with the tenant's Clients and policies", async () => {
        const res = await tenantAdmin.get(testUrl(`/t/${TENANT}`, { client: 'north-app', method: 'GET', url: '/Patient/pa' }));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(answerOf(res.body), 'allow');
        assert.ok(chainOf(res.body).some((s) => /AccessPolicy\/north-reads allows everything to Client\/north-app/.test(s)));
        // Another tenant's Clients are not this tenant's.
        const other = await tenantAdmin.get(testUrl(`/t/${TENANT}`, { client: 'south-app', method: 'GET', url: '/Patient/pa' }));
        assert.equal(other.statusCode, 422, other.body);
        assert.match(other.body, /There is no Client south-app here/);
      });
    });
  });
}
