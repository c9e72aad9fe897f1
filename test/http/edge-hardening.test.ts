import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { signAssertion, testKey, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

// The edges of the HTTP surfaces, held whatever arrives: a client assertion nested deeper than any body may be.
// Each refusal follows the same request succeeding for the right caller, and is followed by proof that nothing
// changed.

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  text: string;
  body: Json;
}

const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const nest = (depth: number, inner: string) => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function inject(portico: TestPortico, method: 'GET' | 'POST' | 'PUT', url: string, options: { headers?: Record<string, string>; payload?: string } = {}): Promise<Res> {
  const res = await portico.app.inject({ method, url, headers: options.headers ?? {}, ...(options.payload !== undefined ? { payload: options.payload } : {}) });
  const type = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, headers: res.headers, text: res.body, body: type.includes('json') && res.body !== '' ? res.json<Json>() : {} };
}

for (const driver of drivers) {
  describe(`a client assertion nested too deep (${driver})`, () => {
    let portico: TestPortico;
    let key: TestKey;
    const clientId = 'deep-assertion-app';

    before(async () => {
      portico = await startPortico(driver);
      key = await testKey('deep-key', 'ES384');
      const client = await adminHttp(portico.app)('PUT', `/Client/${clientId}`, {
        body: {
          resourceType: 'Client',
          type: 'bulk-api-client',
          grant_types: ['client_credentials'],
          scope: ['system/*.rs'],
          auth: { client_credentials: { client_assertion_types: [JWT_BEARER] } },
          jwks: { keys: [key.publicJwk] },
        },
      });
      assert.equal(client.status, 201, client.text);
    });
    after(() => portico.stop());

    const claims = (extra: JWTPayload = {}): JWTPayload => ({ iss: clientId, sub: clientId, aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID(), ...extra });
    const token = (assertion: string) =>
      inject(portico, 'POST', '/auth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
      });
    const refusedAsTooDeep = (res: Res, part: 'header' | 'payload') => {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'invalid_client', res.text);
      assert.equal(res.body.error_description, `The client_assertion ${part} holds values nested deeper than 64 levels`);
      assert.equal(res.body.access_token, undefined);
    };

    it('is 401 invalid_client, never a 500, signed or not; as deep as MAX_JSON_DEPTH still authenticates, and so does the client afterwards', async () => {
      // The claims object is one level: a claim of 63 nested arrays makes 64, the limit.
      const atLimit = await token(await signAssertion(key, claims({ x: JSON.parse(nest(63, '1')) as unknown })));
      assert.equal(atLimit.status, 200, `positive control: ${atLimit.text}`);
      assert.equal(typeof atLimit.body.access_token, 'string');

      // Thousands of levels deep (the walk over it once overflowed the stack: a 500), signed by nobody.
      const header = b64(JSON.stringify({ alg: 'ES384', kid: 'deep-key' }));
      for (const depth of [20_000, 200_000]) {
        refusedAsTooDeep(await token(`${header}.${b64(`{"iss":"${clientId}","x":${nest(depth, '1')}}`)}.c2ln`), 'payload');
        refusedAsTooDeep(await token(`${b64(`{"alg":"ES384","x":${nest(depth, '1')}}`)}.${b64(JSON.stringify(claims()))}.c2ln`), 'header');
      }
      // One level over the limit, signed by the client's own key.
      refusedAsTooDeep(await token(await signAssertion(key, claims({ x: JSON.parse(nest(64, '1')) as unknown }))), 'payload');
      refusedAsTooDeep(await token(await signAssertion(key, claims(), { x: JSON.parse(nest(64, '1')) as unknown })), 'header');

      const after = await token(await signAssertion(key, claims()));
      assert.equal(after.status, 200, after.text);
      assert.equal(typeof after.body.access_token, 'string');
    });
  });
}
