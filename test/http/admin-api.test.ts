import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { verifyPassword } from '../../src/auth/users/password-hash.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const confidential = {
  type: 'smart-app',
  grant_types: ['authorization_code'],
  auth: { authorization_code: { redirect_uri: 'https://app.example.org/cb', secret_required: true } },
};

for (const driver of drivers) {
  describe(`admin API: access, CRUD, paging, users (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('401 with a Basic challenge without credentials, with a wrong secret, a wrong id, or a malformed header', async () => {
      for (const authorization of [null, basic('root', 'wrong'), basic('nobody', 'secret'), 'Basic !!!', 'Bearer abc']) {
        for (const [method, url] of [['GET', '/Client'], ['GET', '/User/x'], ['PUT', '/AccessPolicy/x'], ['POST', '/rpc']] as const) {
          const res = await send(method, url, { authorization, ...(method === 'GET' ? {} : { body: {} }) });
          assert.equal(res.status, 401, `${method} ${url} with ${authorization}`);
          assert.equal(res.headers['www-authenticate'], 'Basic realm="portico"');
        }
      }
    });

    it('POST creates with a UUID id and a generated secret; GET returns it to the admin; DELETE removes it', async () => {
      const created = await send('POST', '/Client', { body: { ...confidential, id: 'ignored' } });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(created.body.secret, undefined, "only the root client's read of the Client shows its secret");
      const read = await send('GET', `/Client/${created.body.id}`);
      assert.match(read.body.secret, /^[A-Za-z0-9_-]{43}$/);

      // An update without a secret keeps the one the client has.
      const updated = await send('PUT', `/Client/${created.body.id}`, { body: { ...confidential, name: 'renamed' } });
      assert.equal(updated.status, 200);
      assert.equal((await send('GET', `/Client/${created.body.id}`)).body.secret, read.body.secret);
      assert.equal(updated.body.meta.versionId, '2');

      const deleted = await send('DELETE', `/Client/${created.body.id}`);
      assert.equal(deleted.status, 200);
      assert.equal((await send('GET', `/Client/${created.body.id}`)).status, 404);
      assert.equal((await send('DELETE', `/Client/${created.body.id}`)).status, 404);
    });

    it('404 OperationOutcome for an unknown id; 400 for malformed JSON and YAML; 415 for other media types', async () => {
      const missing = await send('GET', '/AccessPolicy/nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.resourceType, 'OperationOutcome');
      const badJson = await send('PUT', '/Client/x', { body: '{"type": ', contentType: 'application/json' });
      assert.equal(badJson.status, 400);
      assert.equal(badJson.body.resourceType, 'OperationOutcome');
      const badYaml = await send('PUT', '/Client/x', { body: 'type: [unclosed', contentType: 'text/yaml' });
      assert.equal(badYaml.status, 400);
      assert.match(badYaml.body.issue[0].diagnostics, /YAML/);
      const xml = await send('PUT', '/Client/x', { body: '<Client/>', contentType: 'application/xml' });
      assert.equal(xml.status, 415);
      const yamlTag = await send('PUT', '/Client/x', { body: 'name: !!js/function "x"', contentType: 'text/yaml' });
      assert.equal(yamlTag.status, 400, 'no custom YAML tags');
      const huge = await send('PUT', '/Client/x', { body: `description: "${'x'.repeat(1024 * 1024 + 10)}"`, contentType: 'text/yaml' });
      assert.equal(huge.status, 413);
      assert.equal(huge.body.resourceType, 'OperationOutcome');
    });

    it('answers YAML on Accept: text/yaml, errors too', async () => {
      const ok = await send('PUT', '/Client/yaml-answer', { body: confidential, accept: 'text/yaml' });
      assert.equal(ok.status, 201);
      assert.match(String(ok.headers['content-type']), /^text\/yaml/);
      assert.equal(ok.body.id, 'yaml-answer');
      const err = await send('GET', '/Client/none', { accept: 'text/yaml' });
      assert.equal(err.status, 404);
      assert.match(String(err.headers['content-type']), /^text\/yaml/);
      assert.equal(err.body.resourceType, 'OperationOutcome');
    });

    it('lists as a searchset Bundle with _count and _page paging', async () => {
      for (let i = 0; i < 5; i++) {
        assert.equal((await send('PUT', `/AccessPolicy/page-${i}`, { body: { engine: 'allow', link: [{ resourceType: 'Client', id: `c${i}` }] } })).status, 201);
      }
      const first = await send('GET', '/AccessPolicy?_count=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.resourceType, 'Bundle');
      assert.equal(first.body.type, 'searchset');
      assert.equal(first.body.total, 5);
      assert.deepEqual(first.body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['page-0', 'page-1']);
      const next = first.body.link.find((l: { relation: string }) => l.relation === 'next');
      assert.equal(next.url, 'http://portico.test/AccessPolicy?_count=2&_page=2');
      const last = await send('GET', '/AccessPolicy?_count=2&_page=3');
      assert.deepEqual(last.body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['page-4']);
      assert.equal(last.body.link.some((l: { relation: string }) => l.relation === 'next'), false);
      assert.equal((await send('GET', '/AccessPolicy?_count=abc')).status, 400);
      assert.equal((await send('GET', '/AccessPolicy?_page=0')).status, 400);
    });

    it('Users: the password is hashed, never returned (create, read, list, YAML), and kept across updates', async () => {
      const created = await send('POST', '/User', {
        body: { name: 'Amy Shaw', email: 'amy@example.org', password: 'correct horse battery', fhirUser: 'Patient/test-pt-1', roles: ['patient'] },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      const responses = [
        created,
        await send('GET', `/User/${id}`),
        await send('GET', `/User/${id}`, { accept: 'text/yaml' }),
        await send('GET', '/User'),
        await send('PUT', `/User/${id}`, { body: { email: 'amy@example.org', fhirUser: { reference: 'Patient/test-pt-1' } } }),
      ];
      for (const res of responses) {
        assert.ok(res.status < 300, res.text);
        assert.doesNotMatch(res.text, /password|scrypt|correct horse/);
      }
      const stored = await portico.auth.users.get(id);
      assert.match(String(stored?.password_hash), /^scrypt\$N=\d+,r=8,p=1\$/);
      assert.equal(responses[4]?.body.fhirUser, 'Patient/test-pt-1');

      const duplicate = await send('POST', '/User', { body: { email: 'AMY@example.org' } });
      assert.equal(duplicate.status, 409);
      assert.deepEqual(duplicate.body.issue[0].expression, ['User.email']);
    });

    it('sandbox users: a patient and a practitioner linked to seeded resources, passwords that verify, seeded once', async () => {
      const logins = await seedSandboxUsers(portico.auth.users);
      assert.deepEqual(logins.map((l) => l.fhirUser), ['Patient/test-pt-1', 'Practitioner/pract-01']);
      for (const login of logins) {
        const res = await send('GET', `/User/${login.id}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.fhirUser, login.fhirUser);
        assert.doesNotMatch(res.text, /password|scrypt/);
        const stored = await portico.auth.users.findByEmail(login.email.toUpperCase());
        assert.equal(await verifyPassword(login.password, stored?.password_hash), true);
        assert.equal(await verifyPassword('wrong-password', stored?.password_hash), false);
      }
      const before = (await send('GET', '/User/sandbox-patient')).body.meta.versionId;
      await seedSandboxUsers(portico.auth.users);
      assert.equal((await send('GET', '/User/sandbox-patient')).body.meta.versionId, before, 'a restart leaves them alone');
    });

    it('User validation: fhirUser form, email, short password, unknown fields → 422 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ fhirUser: 'Observation/1' }, 'User.fhirUser'],
        [{ fhirUser: 'Patient/' }, 'User.fhirUser'],
        [{ email: 'not-an-email' }, 'User.email'],
        [{ password: 'short' }, 'User.password'],
        [{ passwd: 'x' }, 'User'],
        [{ roles: ['bad role'] }, 'User.roles[0]'],
      ];
      for (const [body, expression] of cases) {
        const res = await send('POST', '/User', { body });
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.ok(res.body.issue.some((i: { expression?: string[] }) => i.expression?.[0] === expression), `${JSON.stringify(body)}: ${res.text}`);
        assert.doesNotMatch(res.text, /short/);
      }
    });

    it('a Client linked by an allow policy may call the admin API with its own Basic credentials; others get 403', async () => {
      const app = await send('PUT', '/Client/ops-tool', { body: { type: 'client', grant_types: ['client_credentials'], secret: 'ops-tool-secret-1' } });
      assert.equal(app.status, 201, app.text);
      const asOps = basic('ops-tool', 'ops-tool-secret-1');
      assert.equal((await send('GET', '/Client', { authorization: asOps })).status, 403);
      assert.equal((await send('GET', '/Client', { authorization: basic('ops-tool', 'wrong') })).status, 401);

      await send('PUT', '/AccessPolicy/ops-tool-reads', {
        body: { engine: 'matcho', link: [{ resourceType: 'Client', id: 'ops-tool' }], matcho: { method: 'GET', uri: '#^/Client' } },
      });
      assert.equal((await send('GET', '/Client', { authorization: asOps })).status, 200);
      assert.equal((await send('GET', '/User', { authorization: asOps })).status, 403);
      assert.equal((await send('DELETE', '/Client/ops-tool', { authorization: asOps })).status, 403);

      await send('PUT', '/AccessPolicy/ops-tool-all', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'ops-tool' }] } });
      assert.equal((await send('GET', '/User', { authorization: asOps })).status, 200);

      // An inactive client is not authenticated at all.
      await send('PUT', '/Client/ops-tool', { body: { type: 'client', grant_types: ['client_credentials'], active: false } });
      assert.equal((await send('GET', '/Client', { authorization: asOps })).status, 401);
    });
  });
}
