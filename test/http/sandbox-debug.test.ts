import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn } from './login-support.ts';

for (const driver of drivers) {
  describe(`sandbox debug endpoints and demo clients (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;

    const mint = (body: Record<string, unknown>) =>
      portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: body });
    /** The real token endpoint's refresh, as the demo confidential client (client_secret_post). */
    const refreshAsDemoConfidential = (refreshToken: string) =>
      portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=refresh_token&refresh_token=${refreshToken}&client_id=demo-confidential-app&client_secret=demo-confidential-secret`,
      });

    before(async () => {
      portico = await startPortico(driver, { SEED: 'demo' });
      root = fhirClient(portico.app);
      for (const resource of [
        { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] },
        { resourceType: 'Patient', id: 'pb', name: [{ family: 'Beta' }] },
      ]) {
        const res = await root.put(`Patient/${resource.id}`, resource);
        assert.ok(res.status === 201 || res.status === 200, res.text);
      }
    });
    after(() => portico.stop());

    it('seeds the demo clients at a sandbox start, idempotently', async () => {
      const pub = await portico.auth.clients.get('demo-public-app');
      assert.equal(pub?.auth?.authorization_code?.pkce, true);
      assert.equal(pub?.auth?.authorization_code?.redirect_uri, `${TEST_BASE_URL}/sample-app/`);
      assert.equal(pub?.smart?.launch_uri, `${TEST_BASE_URL}/sample-app/launch.html?client_id=demo-public-app`);
      const conf = await portico.auth.clients.get('demo-confidential-app');
      // Stored encrypted, like every secret (the next test authenticates with it).
      assert.match(String(conf?.secret), /^v1\.[0-9a-f]{8}\./);
      assert.doesNotMatch(String(conf?.secret), /demo-confidential-secret/);
      const backend = await portico.auth.clients.get('demo-backend-app');
      assert.deepEqual(backend?.grant_types, ['client_credentials']);
      assert.deepEqual(portico.demoClients?.map((c) => c.id), ['portico-sample-app', 'demo-public-app', 'demo-confidential-app', 'demo-backend-app']);
    });

    it("creates the demo tenant my-clinic, so seed 000's tenant-bound clients are accepted verbatim", async () => {
      const tenant = await portico.app.inject({ method: 'GET', url: '/Tenant/my-clinic', headers: { authorization: ROOT_AUTHORIZATION } });
      assert.equal(tenant.statusCode, 200, tenant.body);
      assert.equal(JSON.parse(tenant.body).name, 'My Clinic');
      // With its own population, apart from the default tenant's.
      const count = async (url: string) => {
        const res = await portico.app.inject({ method: 'GET', url, headers: { authorization: ROOT_AUTHORIZATION } });
        assert.equal(res.statusCode, 200, res.body);
        return JSON.parse(res.body).total as number;
      };
      assert.equal(await count('/t/my-clinic/fhir/Patient?_summary=count'), 10);
      assert.equal(portico.demoTenant?.seeded.patientsDone, 10);
      assert.equal(portico.demoTenant?.fhirBaseUrl, 'http://portico.test/t/my-clinic/fhir');
      const defaultPatients = await count('/fhir/Patient?_summary=count');
      assert.ok(defaultPatients >= 25, `the default tenant keeps its own ${defaultPatients} patients`);
      const first = await portico.app.inject({ method: 'GET', url: '/t/my-clinic/fhir/Patient/test-pt-1', headers: { authorization: ROOT_AUTHORIZATION } });
      const firstDefault = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/test-pt-1', headers: { authorization: ROOT_AUTHORIZATION } });
      assert.equal(first.statusCode, 200, first.body);
      assert.notDeepEqual(JSON.parse(first.body).name, JSON.parse(firstDefault.body).name, 'other people behind the same ids');
    });

    it("gives my-clinic a patient and a practitioner user of its own, who sign in there and not at the root", async () => {
      const logins = (portico.sandboxLogins ?? []).filter((login) => login.tenant === 'my-clinic');
      assert.deepEqual(logins.map((login) => login.fhirUser).sort(), ['Patient/test-pt-1', 'Practitioner/pract-01']);
      for (const login of logins) {
        const [type, id] = login.fhirUser.split('/');
        const record = await portico.app.inject({ method: 'GET', url: `/t/my-clinic/fhir/${type}/${id}`, headers: { authorization: ROOT_AUTHORIZATION } });
        assert.equal(record.statusCode, 200, `${login.fhirUser} is in my-clinic's population`);
        const signIn = async (prefix: string) => {
          const b = browser(portico.app, '203.0.113.77');
          const page = await b.get(`${prefix}/auth/login`);
          return b.post(`${prefix}/auth/login`, { username: login.email, password: login.password, csrf_token: csrfTokenIn(page.body) });
        };
        assert.equal((await signIn('/t/my-clinic')).statusCode, 303, login.email);
        assert.equal((await signIn('')).statusCode, 401, `${login.email} is not a user of the default tenant`);
      }
      // The default tenant's sandbox users are printed too, without a tenant.
      assert.ok((portico.sandboxLogins ?? []).some((login) => login.id === 'sandbox-patient' && login.tenant === undefined));
    });

    it("serves the debug token endpoints and the open FHIR API at my-clinic, for its users and data only", async () => {
      const mintAt = (prefix: string) => (body: Record<string, unknown>) => portico.app.inject({ method: 'POST', url: `${prefix}/oauth/debug/token`, payload: body });
      const asked = { client_id: 'demo-public-app', scope: 'launch/patient patient/Patient.rs', user_name: 'patient@my-clinic.portico.test' };
      const minted = await mintAt('/t/my-clinic')(asked);
      assert.equal(minted.statusCode, 200, minted.body);
      const token = minted.json() as { access_token: string; patient: string };
      assert.equal(token.patient, 'test-pt-1');
      const read = await portico.app.inject({ url: '/t/my-clinic/fhir/Patient/test-pt-1', headers: { authorization: `Bearer ${token.access_token}` } });
      assert.equal(read.statusCode, 200, read.body);
      const openRead = await portico.app.inject({ url: '/t/my-clinic/api/open-fhir/Patient/test-pt-1' });
      assert.deepEqual(openRead.json().name, read.json().name, "the open API serves my-clinic's record");
      assert.equal((await portico.app.inject({ url: '/t/my-clinic/api/open-fhir/Patient?_summary=count' })).json().total, 10);
      const openSearch = (await portico.app.inject({ url: '/t/my-clinic/api/open-fhir/Patient?_id=test-pt-1' })).json();
      assert.equal(openSearch.entry[0].fullUrl, 'http://portico.test/t/my-clinic/api/open-fhir/Patient/test-pt-1');
      // The tenant's introspection knows the token; the root's does not, nor does its FHIR API take it.
      assert.equal((await portico.app.inject({ url: `/t/my-clinic/oauth/debug/introspect?token=${token.access_token}` })).json().active, true);
      assert.deepEqual((await portico.app.inject({ url: `/oauth/debug/introspect?token=${token.access_token}` })).json(), { active: false });
      assert.equal((await portico.app.inject({ url: '/fhir/Patient/test-pt-1', headers: { authorization: `Bearer ${token.access_token}` } })).statusCode, 401);
      // A user of my-clinic is nobody at the root's debug endpoint.
      const atRoot = await mintAt('')(asked);
      assert.equal(atRoot.statusCode, 400, atRoot.body);
      assert.equal(atRoot.json().error, 'invalid_request');
    });

    it('the demo confidential client authenticates at the token endpoint with its secret; a wrong secret is refused and nothing is issued', async () => {
      const refresh = (refreshToken: string, credentials: { post?: string; basic?: string }) =>
        portico.app.inject({
          method: 'POST',
          url: '/auth/token',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(credentials.basic ? { authorization: `Basic ${Buffer.from(`demo-confidential-app:${credentials.basic}`).toString('base64')}` } : {}),
          },
          payload: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: refreshToken,
            ...(credentials.basic ? {} : { client_id: 'demo-confidential-app' }),
            ...(credentials.post ? { client_secret: credentials.post } : {}),
          }).toString(),
        });
      const minted = await mint({ client_id: 'demo-confidential-app', scope: 'launch/patient patient/*.read offline_access', patient_id: 'pa' });
      assert.equal(minted.statusCode, 200, minted.body);

      // The right secret, in the body and by HTTP Basic: new tokens (each refresh rotates the refresh token).
      const first = await refresh(minted.json().refresh_token, { post: 'demo-confidential-secret' });
      assert.equal(first.statusCode, 200, first.body);
      const second = await refresh(first.json().refresh_token, { basic: 'demo-confidential-secret' });
      assert.equal(second.statusCode, 200, second.body);
      const current = String(second.json().refresh_token);

      // A wrong secret, in the body or by HTTP Basic: 401 invalid_client, no token, and the refresh token is not used up.
      for (const credentials of [{ post: 'demo-confidential-secre' }, { basic: 'not-the-secret' }]) {
        const refused = await refresh(current, credentials);
        assert.equal(refused.statusCode, 401, `${JSON.stringify(credentials)}: ${refused.body}`);
        assert.equal(refused.json().error, 'invalid_client');
        assert.equal(refused.json().access_token, undefined);
        assert.equal(refused.json().refresh_token, undefined);
        assert.equal(refused.headers['cache-control'], 'no-store');
      }
      const still = await refresh(current, { post: 'demo-confidential-secret' });
      assert.equal(still.statusCode, 200, `the refused attempts left the refresh token usable: ${still.body}`);
      assert.equal((await fhirClient(portico.app, `Bearer ${still.json().access_token}`).get('Patient/pa')).status, 200);
    });

    it('mints a token that reads its patient on the FHIR API, and no other', async () => {
      const res = await mint({ client_id: 'demo-confidential-app', access_lifetime: 600, scope: 'launch/patient patient/*.read offline_access', username: 'debug-user', patient_id: 'pa' });
      // Unknown user: refused, not a 500.
      assert.equal(res.statusCode, 400, res.body);
      const ok = await mint({ client_id: 'demo-confidential-app', access_lifetime: 600, scope: 'launch/patient patient/*.read offline_access', patient_id: 'pa' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers['cache-control'], 'no-store');
      const body = ok.json();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 600);
      assert.equal(body.patient, 'pa');
      assert.equal(typeof body.refresh_token, 'string');
      const app = fhirClient(portico.app, `Bearer ${body.access_token}`);
      assert.equal((await app.get('Patient/pa')).status, 200);
      // Another patient is not there for this token (catalogue K1: 404, as for an unknown id).
      assert.equal((await app.get('Patient/pb')).status, 404);
      // The refresh token works at the real token endpoint.
      const refreshed = await refreshAsDemoConfidential(body.refresh_token);
      assert.equal(refreshed.statusCode, 200, refreshed.body);
    });

    it('mints for a sandbox user by email, without refresh unless asked', async () => {
      await portico.auth.users.put({ resourceType: 'User', id: 'u1', email: 'u1@example.test', fhirUser: 'Patient/pb', active: true });
      const res = await mint({ client_id: 'demo-public-app', scope: 'launch/patient patient/Patient.rs', user_name: 'u1@example.test' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.patient, 'pb');
      assert.equal(body.refresh_token, undefined);
      assert.equal((await fhirClient(portico.app, `Bearer ${body.access_token}`).get('Patient/pb')).status, 200);
    });

    it('introspects access and refresh tokens, and unknown ones as inactive', async () => {
      const body = (await mint({ client_id: 'demo-confidential-app', scope: 'patient/*.read offline_access', patient_id: 'pa' })).json();
      const access = (await portico.app.inject({ url: `/oauth/debug/introspect?token=${body.access_token}` })).json();
      assert.equal(access.active, true);
      assert.equal(access.client_id, 'demo-confidential-app');
      assert.equal(access.scope, 'patient/*.read offline_access');
      assert.equal(access.patient, 'pa');
      assert.ok(!Number.isNaN(Date.parse(access.access_expires)));
      // Seed 003: the access token's introspection names the refresh token minted with it, and when it ends.
      assert.equal(access.refresh_token, body.refresh_token);
      assert.ok(!Number.isNaN(Date.parse(access.approval_expires)));
      const refresh = (await portico.app.inject({ url: `/oauth/debug/introspect?token=${body.refresh_token}` })).json();
      assert.equal(refresh.active, true);
      assert.ok(!Number.isNaN(Date.parse(refresh.approval_expires)));
      // Once that refresh token is used, it is no longer shown (its successor is the client's own).
      const rotated = await refreshAsDemoConfidential(body.refresh_token);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const after = (await portico.app.inject({ url: `/oauth/debug/introspect?token=${body.access_token}` })).json();
      assert.equal(after.active, true);
      assert.equal(after.refresh_token, undefined);
      // A token the real token endpoint issued has none.
      const fromTokenEndpoint = (await portico.app.inject({ url: `/oauth/debug/introspect?token=${rotated.json().access_token}` })).json();
      assert.equal(fromTokenEndpoint.active, true);
      assert.equal(fromTokenEndpoint.refresh_token, undefined);
      assert.deepEqual((await portico.app.inject({ url: '/oauth/debug/introspect?token=nope' })).json(), { active: false });
    });

    it('refuses an unknown client and a bad body with 400', async () => {
      assert.equal((await mint({ client_id: 'nobody', scope: 'patient/*.read' })).statusCode, 400);
      assert.equal((await mint({ scope: 'patient/*.read' })).statusCode, 400);
      assert.equal((await mint({ client_id: 'demo-public-app', access_lifetime: 'soon' })).statusCode, 400);
    });

    it('narrows the scope to what the client is registered for, as the authorize endpoint does', async () => {
      const res = await mint({ client_id: 'demo-confidential-app', scope: 'launch/patient patient/*.read system/*.rs user/Observation.cruds', patient_id: 'pa' });
      assert.equal(res.statusCode, 200, res.body);
      // system/ is not the app's; user/Observation.cruds narrows to its registered user/*.rs.
      assert.equal(res.json().scope, 'launch/patient patient/*.read user/Observation.rs');
      const nothing = await mint({ client_id: 'demo-confidential-app', scope: 'system/*.rs' });
      assert.equal(nothing.statusCode, 400, nothing.body);
      assert.equal(nothing.json().error, 'invalid_scope');
    });

    it('refuses a patient_id that is not an existing Patient', async () => {
      for (const patient_id of ['no-such-patient', '../Patient/pa', '']) {
        const res = await mint({ client_id: 'demo-confidential-app', scope: 'launch/patient patient/*.read', patient_id });
        assert.equal(res.statusCode, 400, `${patient_id}: ${res.body}`);
      }
      await root.delete('Patient/pb');
      const deleted = await mint({ client_id: 'demo-confidential-app', scope: 'launch/patient patient/*.read', patient_id: 'pb' });
      assert.equal(deleted.statusCode, 400, deleted.body);
      assert.match(deleted.json().error_description, /no Patient pb/);
    });

    it('serves the FHIR API without authentication at /api/open-fhir, links under that base', async () => {
      const read = await portico.app.inject({ url: '/api/open-fhir/Patient/pa' });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().id, 'pa');
      const search = await portico.app.inject({ url: '/api/open-fhir/Patient?_id=pa' });
      assert.equal(search.statusCode, 200, search.body);
      const bundle = search.json();
      assert.equal(bundle.entry[0].fullUrl, 'http://portico.test/api/open-fhir/Patient/pa');
      assert.deepEqual(bundle.link.map((l: { relation: string }) => l.relation), ['self'], JSON.stringify(bundle.link));
      assert.ok(bundle.link.every((l: { url: string }) => l.url.startsWith('http://portico.test/api/open-fhir/')), JSON.stringify(bundle.link));
      const created = await portico.app.inject({
        method: 'POST',
        url: '/api/open-fhir/Patient',
        headers: { 'content-type': 'application/fhir+json' },
        payload: { resourceType: 'Patient', name: [{ family: 'Open' }] },
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.match(String(created.headers.location), /^http:\/\/portico\.test\/api\/open-fhir\/Patient\//);
      assert.equal((await portico.app.inject({ url: '/api/open-fhir/metadata' })).statusCode, 200);
      assert.equal((await portico.app.inject({ url: '/api/open-fhir/Nope/1' })).json().resourceType, 'OperationOutcome');
      // The real FHIR base still needs a token.
      assert.equal((await portico.app.inject({ url: '/fhir/Patient/pa' })).statusCode, 401);
    });
  });

  describe(`sandbox debug endpoints in production (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, {
        MODE: 'production',
        SEED: 'demo', // the mode, not the seed setting, keeps demo clients and debug endpoints out of production
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: 'a-long-production-admin-secret-0123456789',
        SESSION_SECRET: 'a-long-production-session-secret-0123456789',
        SECRETS_KEY: 'a'.repeat(64),
      });
    });
    after(() => portico.stop());

    it('answers 404 and seeds no demo client', async () => {
      assert.equal((await portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: { client_id: 'demo-public-app' } })).statusCode, 404);
      assert.equal((await portico.app.inject({ url: '/oauth/debug/introspect?token=x' })).statusCode, 404);
      assert.equal((await portico.app.inject({ url: '/api/open-fhir/Patient' })).statusCode, 404);
      assert.equal(await portico.auth.clients.get('demo-public-app'), undefined);
      assert.equal(portico.demoClients, undefined);
    });
  });
}
