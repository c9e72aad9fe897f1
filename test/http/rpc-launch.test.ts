import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { verifyLaunchToken } from '../../src/auth/launch/launch-token.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const METHOD = 'aidbox.smart/get-launch-uri';
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const LAUNCH_URI = 'http://smart-app-launch-endpoint/launch.html';

/** Seed 002's public SMART app Client, as registered through the admin API. */
const seedClient = {
  resourceType: 'Client',
  id: 'my-public-smart-app-client-id',
  active: true,
  auth: {
    authorization_code: {
      redirect_uri: 'http://smart-app-uri.com/redirect',
      refresh_token: true,
      token_format: 'jwt',
      access_token_expiration: 3600000,
      secret_required: false,
      pkce: true,
    },
  },
  smart: { launch_uri: LAUNCH_URI },
  type: 'smart-app',
  grant_types: ['code'],
};

/** Seed 002's request params, verbatim except `iss`, which must name this server's FHIR base. */
const seedParams = {
  user: 'my-aidbox-user-id',
  iss: 'https://example.edge.aidbox.app/fhir',
  client: 'my-public-smart-app-client-id',
  ctx: { patient: 'my-patient-id' },
};
const params = { ...seedParams, iss: FHIR_BASE };

for (const driver of drivers) {
  describe(`RPC ${METHOD} (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    /** The verified launch's context and user (its jti and expiry, for single use, are checked elsewhere). */
    const verify = async (token: string, clientId: string) => {
      const { jti, expiresAt, ...launch } = await verifyLaunchToken(token, clientId, { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date() });
      assert.equal(typeof jti, 'string');
      assert.ok(expiresAt instanceof Date);
      return launch;
    };

    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
      const put = await send('PUT', `/Client/${seedClient.id}`, { body: seedClient });
      assert.ok(put.status === 200 || put.status === 201, put.text);
      // A launch names live things only: seed 002's user and patient, and a patient with an encounter.
      const user = await send('PUT', `/User/${seedParams.user}`, { body: { resourceType: 'User', email: 'ehr-user@example.org' } });
      assert.ok(user.status === 200 || user.status === 201, user.text);
      const fhir = fhirClient(portico.app);
      for (const resource of [
        { resourceType: 'Patient', id: seedParams.ctx.patient },
        { resourceType: 'Patient', id: 'p-1' },
        { resourceType: 'Encounter', id: 'e-1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p-1' } },
      ]) {
        const res = await fhir.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.ok(res.status === 200 || res.status === 201, res.text);
      }
    });
    after(() => portico.stop());

    it("answers seed 002's shape: uri = launch_uri?iss=…&launch=…, a launch token bound to the client", async () => {
      const res = await send('POST', '/rpc', { body: { method: METHOD, params } });
      assert.equal(res.status, 200, res.text);
      const { result } = res.body;
      assert.deepEqual(Object.keys(result).sort(), ['iss', 'launch', 'launch-uri', 'uri']);
      assert.equal(result.iss, FHIR_BASE);
      assert.equal(result['launch-uri'], LAUNCH_URI);
      const uri = new URL(result.uri);
      assert.equal(`${uri.origin}${uri.pathname}`, LAUNCH_URI);
      assert.equal(uri.searchParams.get('iss'), FHIR_BASE);
      assert.equal(uri.searchParams.get('launch'), result.launch);

      assert.equal(decodeProtectedHeader(result.launch).typ, 'launch+jwt');
      const claims = decodeJwt(result.launch);
      assert.equal(claims.client, seedClient.id);
      assert.equal(claims.user, 'my-aidbox-user-id');
      assert.deepEqual(claims.ctx, { patient: 'my-patient-id' });
      assert.equal(typeof claims.exp, 'number');
      assert.deepEqual(await verify(result.launch, seedClient.id), { patient: 'my-patient-id', user: 'my-aidbox-user-id' });
      await assert.rejects(verify(result.launch, 'another-client'));
    });

    it('iss defaults to the FHIR base; encounter and fhirContext ride along; a launch_uri query is kept', async () => {
      await send('PUT', '/Client/with-query', { body: { ...seedClient, id: 'with-query', smart: { launch_uri: 'https://app.example/launch?tenant=t1' } } });
      const fhirContext = [{ reference: 'Appointment/ap-1' }];
      const res = await send('POST', '/rpc', {
        body: { method: METHOD, params: { client: 'with-query', user: seedParams.user, ctx: { patient: 'p-1', encounter: 'e-1', fhirContext } } },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.result.iss, FHIR_BASE);
      const uri = new URL(res.body.result.uri);
      assert.equal(uri.searchParams.get('tenant'), 't1');
      assert.equal(uri.searchParams.get('iss'), FHIR_BASE);
      assert.deepEqual(await verify(res.body.result.launch, 'with-query'), { patient: 'p-1', encounter: 'e-1', fhirContext, user: seedParams.user });
    });

    it('a Client an AccessPolicy allows may call it; others get 403, anonymous 401', async () => {
      await send('PUT', '/Client/ehr', { body: { type: 'client', grant_types: ['client_credentials'], secret: 'ehr-secret-12345' } });
      const asEhr = basic('ehr', 'ehr-secret-12345');
      assert.equal((await send('POST', '/rpc', { authorization: asEhr, body: { method: METHOD, params } })).status, 403);
      assert.equal((await send('POST', '/rpc', { authorization: null, body: { method: METHOD, params } })).status, 401);
      await send('PUT', '/AccessPolicy/ehr-launch', {
        body: { engine: 'matcho', link: [{ resourceType: 'Client', id: 'ehr' }], matcho: { operation: { id: METHOD } } },
      });
      const allowed = await send('POST', '/rpc', { authorization: asEhr, body: { method: METHOD, params } });
      assert.equal(allowed.status, 200, allowed.text);
    });

    const errors: [string, () => Promise<unknown> | void, unknown, RegExp, string][] = [
      ["seed 002's iss (another server's FHIR base)", () => {}, seedParams, /iss must be this server's FHIR base/, 'iss'],
      ['params missing', () => {}, undefined, /params must be an object/, 'params'],
      ['no client', () => {}, { ...params, client: undefined }, /client is required/, 'client'],
      ['an unknown client', () => {}, { ...params, client: 'nobody' }, /no Client nobody/, 'client'],
      ['an inactive client', () => send('PUT', '/Client/inactive', { body: { ...seedClient, id: 'inactive', active: false } }), { ...params, client: 'inactive' }, /not active/, 'client'],
      ['a client without smart.launch_uri', () => send('PUT', '/Client/no-launch', { body: { ...seedClient, id: 'no-launch', smart: undefined } }), { ...params, client: 'no-launch' }, /launch_uri/, 'client'],
      ['a malformed patient id', () => {}, { ...params, ctx: { patient: 'Patient/p 1' } }, /ctx\.patient must be a FHIR id/, 'ctx.patient'],
      ['a malformed encounter id', () => {}, { ...params, ctx: { encounter: 42 } }, /ctx\.encounter must be a FHIR id/, 'ctx.encounter'],
      ['fhirContext not an array', () => {}, { ...params, ctx: { fhirContext: { reference: 'A/1' } } }, /fhirContext must be an array/, 'ctx.fhirContext'],
      ['a fhirContext item naming nothing', () => {}, { ...params, ctx: { fhirContext: [{ role: 'x' }] } }, /reference, canonical or identifier/, 'ctx.fhirContext'],
      ['ctx not an object', () => {}, { ...params, ctx: 'p-1' }, /ctx must be an object/, 'ctx'],
      ['an unknown ctx key', () => {}, { ...params, ctx: { patient: 'p', location: 'l' } }, /unknown ctx param\(s\): location/, 'ctx.location'],
      ['an unknown param', () => {}, { ...params, colour: 'blue' }, /unknown param\(s\): colour/, 'colour'],
      ['an empty user', () => {}, { ...params, user: ' ' }, /user must be a non-empty string/, 'user'],
    ];
    for (const [problem, arrange, body, message, param] of errors) {
      it(`422 { error } naming ${param} for ${problem}`, async () => {
        await arrange();
        const res = await send('POST', '/rpc', { body: { method: METHOD, params: body } });
        assert.equal(res.status, 422, res.text);
        assert.match(res.body.error.message, message);
        assert.equal(res.body.error.param, param);
      });
    }
  });
}
