import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, basic, type AdminResponse } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * Client secrets: the answers that carry them, or that tell who may do what (the admin API, /rpc, the
 * registration endpoints), are never kept by an HTTP cache.
 */

const RPC_REDIRECT = 'http://redirect';
const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';

type Json = Record<string, unknown>;

const backendClient = (secret?: string) => ({ resourceType: 'Client', ...(secret !== undefined ? { secret } : {}), grant_types: ['client_credentials'], scope: ['system/Patient.rs'] });

function assertNoStore(res: { headers: Record<string, unknown> }, label: string) {
  assert.equal(res.headers['cache-control'], 'no-store', label);
  assert.equal(res.headers.pragma, 'no-cache', label);
}

/** An admin API answer with this status, and no cache may keep it. */
function expectStatus(res: AdminResponse, status: number, label: string) {
  assert.equal(res.status, status, `${label}: ${res.text}`);
  assertNoStore(res, label);
}

for (const driver of drivers) {
  describe(`client secrets: no-store (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('no-store on every answer of the admin API, /rpc and the registration endpoints, errors included', async () => {
      const developer = { email: 'nostore-dev@secrets.example', password: 'no store developer password' };
      expectStatus(await send('POST', '/User', { body: { resourceType: 'User', ...developer, roles: ['developer'] } }), 201, 'POST /User');
      const asDeveloper = basic(developer.email, developer.password);
      for (const [kind, bodyOf] of [
        ['Client', () => backendClient('nostore-client-secret')],
        ['AccessPolicy', () => ({ engine: 'matcho', matcho: { uri: '/nothing' } })],
        ['User', (n: number) => ({ resourceType: 'User', email: `nostore-${n}@secrets.example`, password: 'a user password' })],
      ] as const) {
        const body = bodyOf(1);
        const created = await send('POST', `/${kind}`, { body });
        expectStatus(created, 201, `POST /${kind}`);
        const id = String(created.body.id);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body }), 200, `PUT /${kind}/id`);
        expectStatus(await send('PUT', `/${kind}/nostore-new-${kind}`, { body: bodyOf(2) }), 201, `PUT /${kind}/new`);
        expectStatus(await send('GET', `/${kind}/${id}`), 200, `GET /${kind}/id`);
        expectStatus(await send('GET', `/${kind}/${id}`, { accept: 'text/yaml' }), 200, `GET /${kind}/id as YAML`);
        expectStatus(await send('GET', `/${kind}`), 200, `GET /${kind}`);
        expectStatus(await send('GET', `/${kind}/nostore-missing`), 404, `GET /${kind}/missing`);
        expectStatus(await send('GET', `/${kind}`, { authorization: null }), 401, `GET /${kind} anonymous`);
        expectStatus(await send('GET', `/${kind}`, { authorization: asDeveloper }), 403, `GET /${kind} without a policy`);
        expectStatus(await send('GET', `/${kind}?_count=x`), 400, `GET /${kind}?_count=x`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: '{"broken', contentType: 'application/json' }), 400, `PUT /${kind} malformed`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: { unknownField: 1 } }), 422, `PUT /${kind} invalid`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: '<x/>', contentType: 'application/xml' }), 415, `PUT /${kind} xml`);
        expectStatus(await send('DELETE', `/${kind}/${id}`), 200, `DELETE /${kind}/id`);
      }

      expectStatus(await send('POST', '/rpc', { body: { method: SAVE, params: { confidentiality: 'public', name: 'n', 'redirect-url': RPC_REDIRECT } } }), 200, 'rpc');
      expectStatus(await send('POST', '/rpc', { body: { method: SAVE, params: { confidentiality: 'secret' } } }), 422, 'rpc bad params');
      expectStatus(await send('POST', '/rpc', { body: { method: 'no/such-method' } }), 404, 'rpc unknown method');
      expectStatus(await send('POST', '/rpc', { body: '{"broken', contentType: 'application/json' }), 400, 'rpc malformed');
      expectStatus(await send('POST', '/rpc', { body: { method: SAVE }, authorization: null }), 401, 'rpc anonymous');
      expectStatus(await send('POST', '/rpc', { body: { method: 'aidbox.smart/get-launch-uri', params: {} }, authorization: asDeveloper }), 403, 'rpc without a policy');

      const inject = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: Json | string) => {
        const res = await portico.app.inject({ method, url, headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload !== undefined ? { payload } : {}) });
        return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body ? res.json() : undefined };
      };
      const registration = await inject('POST', '/auth/register', {}, { redirect_uris: ['https://nostore.example/cb'] });
      expectStatus(registration, 201, 'register');
      expectStatus(await inject('POST', '/oauth/register', {}, { redirect_uris: ['https://nostore.example/cb'] }), 201, 'register at the S4S path');
      expectStatus(await inject('POST', '/auth/register', {}, '{"broken'), 400, 'register malformed');
      const uri = new URL(String(registration.body.registration_client_uri)).pathname;
      const read = await inject('GET', uri, { authorization: `Bearer ${String(registration.body.registration_access_token)}` });
      expectStatus(read, 200, 'RFC 7592 read');
      const token = String(read.body.registration_access_token);
      expectStatus(await inject('GET', uri, { authorization: 'Bearer wrong' }), 401, 'RFC 7592 read, wrong token');
      const updated = await inject('PUT', uri, { authorization: `Bearer ${token}` }, { client_id: read.body.client_id, redirect_uris: ['https://nostore.example/cb2'] });
      expectStatus(updated, 200, 'RFC 7592 update');
      expectStatus(await inject('PUT', uri, { authorization: 'Bearer wrong' }, { client_id: read.body.client_id }), 401, 'RFC 7592 update, wrong token');
      expectStatus(await inject('DELETE', uri, { authorization: `Bearer ${String(updated.body.registration_access_token)}` }), 204, 'RFC 7592 delete');
      expectStatus(await inject('POST', '/auth/initial-access-token', { authorization: basic('root', 'secret') }), 201, 'initial access token');
      expectStatus(await inject('POST', '/auth/initial-access-token'), 401, 'initial access token, anonymous');
    });
  });
}
