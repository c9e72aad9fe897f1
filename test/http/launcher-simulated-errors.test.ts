import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { createLaunchToken } from '../../src/auth/launch/launch-token.ts';
import type { SimulatedError } from '../../src/auth/launch/simulated-error.ts';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { introspect, LAUNCH_REDIRECT, putAdmin, refresh, tokenRequest, type Json } from './launch-flow-support.ts';
import { browser } from './login-support.ts';

const CLIENT_ID = 'sim-test-app';
const SCOPE = 'launch openid fhirUser patient/*.rs offline_access';
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const PATIENT = 'sim-pt-1';
const PRACTITIONER = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-practitioner')!;

/** A public PKCE app with a launch URI; first party, so an EHR launch is one redirect after sign-in. */
const testClient = {
  resourceType: 'Client',
  active: true,
  name: 'Simulated errors test app',
  first_party: true,
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
  auth: { authorization_code: { redirect_uri: LAUNCH_REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  smart: { launch_uri: 'http://smart-app.example/launch' },
};

interface Launched {
  authorize: LightMyRequestResponse;
  verifier: string;
}

/** Signs the practitioner in and sends the app's authorization request for an EHR launch minted with `sim`. */
async function authorizeLaunch(app: FastifyInstance, portico: TestPortico, sim?: SimulatedError): Promise<Launched> {
  const launch = await createLaunchToken(
    { client: CLIENT_ID, user: PRACTITIONER.id, patient: PATIENT, ...(sim ? { sim } : {}) },
    { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date(), newId: randomUUID },
  );
  const b = browser(app);
  const signedIn = await b.signIn(PRACTITIONER.email, PRACTITIONER.password);
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  const verifier = randomBytes(48).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: LAUNCH_REDIRECT,
    scope: SCOPE,
    state: 'sim-state',
    aud: FHIR_BASE,
    launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return { authorize: await b.get(`/auth/authorize?${params.toString()}`), verifier };
}

/** The code of a successful authorization response, exchanged: the token endpoint's answer. */
async function exchange(app: FastifyInstance, { authorize, verifier }: Launched): Promise<LightMyRequestResponse> {
  assert.equal(authorize.statusCode, 302, authorize.body);
  const location = new URL(String(authorize.headers.location));
  assert.equal(`${location.origin}${location.pathname}`, LAUNCH_REDIRECT);
  const code = location.searchParams.get('code');
  assert.ok(code, location.toString());
  return tokenRequest(app, { grant_type: 'authorization_code', code, redirect_uri: LAUNCH_REDIRECT, client_id: CLIENT_ID, code_verifier: verifier });
}

const readPatient = (app: FastifyInstance, accessToken: unknown) => fhirClient(app, `Bearer ${String(accessToken)}`).get(`Patient/${PATIENT}`);

for (const driver of drivers) {
  describe(`Simulated errors each reach the app as the real error (${driver})`, () => {
    let portico: TestPortico;
    let app: FastifyInstance;

    before(async () => {
      portico = await startPortico(driver);
      app = portico.app;
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(app, `/Client/${CLIENT_ID}`, testClient);
      await putAdmin(app, `/fhir/Patient/${PATIENT}`, { resourceType: 'Patient', id: PATIENT, name: [{ family: 'Simmons', given: ['Sam'] }] });
    });
    after(() => portico.stop());

    it('positive control: the same launch without sim is authorized, exchanged, refreshed and reads the patient', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico));
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Json;
      assert.equal(body.patient, PATIENT);
      const read = await readPatient(app, body.access_token);
      assert.equal(read.status, 200, read.text);
      assert.equal((await introspect(app, body.access_token, CLIENT_ID)).active, true);
      const refreshed = await refresh(app, body.refresh_token, CLIENT_ID);
      assert.equal(refreshed.statusCode, 200, refreshed.body);
    });

    it('auth_invalid_client_id: the error page of an unknown client, no redirect to the app', async () => {
      const { authorize } = await authorizeLaunch(app, portico, 'auth_invalid_client_id');
      assert.equal(authorize.headers.location, undefined);
      assert.equal(authorize.statusCode, 400, authorize.body);
      assert.match(authorize.body, /Unknown application/);
      // The same page as for a client that really is unknown.
      const unknown = await browser(app).get(`/auth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'no-such-client', redirect_uri: LAUNCH_REDIRECT }).toString()}`);
      assert.equal(unknown.statusCode, authorize.statusCode);
      assert.match(unknown.body, /Unknown application/);
    });

    it('auth_invalid_redirect_uri: the error page of an unregistered redirect_uri, no redirect to the app', async () => {
      const { authorize } = await authorizeLaunch(app, portico, 'auth_invalid_redirect_uri');
      assert.equal(authorize.headers.location, undefined);
      assert.equal(authorize.statusCode, 400, authorize.body);
      assert.match(authorize.body, /Invalid redirect address/);
    });

    it('auth_invalid_scope: a redirect to the app with error=invalid_scope and its state', async () => {
      const { authorize } = await authorizeLaunch(app, portico, 'auth_invalid_scope');
      assert.equal(authorize.statusCode, 302, authorize.body);
      const location = new URL(String(authorize.headers.location));
      assert.equal(`${location.origin}${location.pathname}`, LAUNCH_REDIRECT);
      assert.equal(location.searchParams.get('error'), 'invalid_scope');
      assert.equal(location.searchParams.get('state'), 'sim-state');
      assert.equal(location.searchParams.get('code'), null);
    });

    it('auth_invalid_client_secret: the code exchange gets 401 invalid_client', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico, 'auth_invalid_client_secret'));
      assert.equal(token.statusCode, 401, token.body);
      assert.equal((token.json() as Json).error, 'invalid_client');
    });

    it('token_invalid_token: the code exchange gets 400 invalid_grant', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico, 'token_invalid_token'));
      assert.equal(token.statusCode, 400, token.body);
      assert.equal((token.json() as Json).error, 'invalid_grant');
    });

    it('token_expired_refresh_token: tokens work, the refresh gets invalid_grant', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico, 'token_expired_refresh_token'));
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Json;
      assert.equal((await readPatient(app, body.access_token)).status, 200);
      assert.equal(typeof body.refresh_token, 'string');
      const refreshed = await refresh(app, body.refresh_token, CLIENT_ID);
      assert.equal(refreshed.statusCode, 400, refreshed.body);
      assert.equal((refreshed.json() as Json).error, 'invalid_grant');
      // Expired, not spent: introspection (RFC 7662) calls it inactive.
      assert.equal((await introspect(app, body.refresh_token, CLIENT_ID)).active, false);
    });

    it('request_invalid_token: the access token is issued, and the FHIR API refuses it with 401 invalid_token', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico, 'request_invalid_token'));
      assert.equal(token.statusCode, 200, token.body);
      const read = await readPatient(app, (token.json() as Json).access_token);
      assert.equal(read.status, 401, read.text);
      assert.match(String(read.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal((await introspect(app, (token.json() as Json).access_token, CLIENT_ID)).active, false);
    });

    it('request_expired_token: the access token is issued expired; the FHIR API answers 401 invalid_token saying so', async () => {
      const token = await exchange(app, await authorizeLaunch(app, portico, 'request_expired_token'));
      assert.equal(token.statusCode, 200, token.body);
      const accessToken = String((token.json() as Json).access_token);
      assert.ok(Number(decodeJwt(accessToken).exp) <= Date.now() / 1000);
      const read = await readPatient(app, accessToken);
      assert.equal(read.status, 401, read.text);
      const challenge = String(read.headers['www-authenticate']);
      assert.match(challenge, /error="invalid_token"/);
      assert.match(challenge, /error_description="[^"]*expired/);
    });
  });

  describe(`A launch carrying sim is refused outside the sandbox (${driver})`, () => {
    let portico: TestPortico;

    before(async () => {
      portico = await startPortico(driver, {
        MODE: 'production',
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: 'secret-of-the-production-root-client',
        SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'),
        SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars',
      });
      await seedSandboxUsers(portico.auth.users);
      const put = await portico.app.inject({
        method: 'PUT',
        url: `/Client/${CLIENT_ID}`,
        headers: { authorization: `Basic ${Buffer.from('root:secret-of-the-production-root-client').toString('base64')}`, 'content-type': 'application/json' },
        payload: { ...testClient, auth: { authorization_code: { ...testClient.auth.authorization_code, redirect_uri: 'https://smart-app.example/redirect' } } },
      });
      assert.ok(put.statusCode === 200 || put.statusCode === 201, put.body);
    });
    after(() => portico.stop());

    it('the same launch is honoured without sim and refused (invalid_request, no code) with it', async () => {
      // Production's own redirect_uri rules want https: the client above is registered so.
      const run = async (sim?: SimulatedError) => {
        const launch = await createLaunchToken(
          { client: CLIENT_ID, user: PRACTITIONER.id, ...(sim ? { sim } : {}) },
          { signingKeys: portico.signingKeys, issuer: portico.config.baseUrl, now: () => new Date(), newId: randomUUID },
        );
        const b = browser(portico.app);
        const signedIn = await b.signIn(PRACTITIONER.email, PRACTITIONER.password);
        assert.equal(signedIn.statusCode, 303, signedIn.body);
        const params = new URLSearchParams({
          response_type: 'code',
          client_id: CLIENT_ID,
          redirect_uri: 'https://smart-app.example/redirect',
          scope: 'launch openid fhirUser',
          state: 's',
          aud: `${portico.config.baseUrl}/fhir`,
          launch,
          code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
          code_challenge_method: 'S256',
        });
        const res = await b.get(`/auth/authorize?${params.toString()}`);
        assert.equal(res.statusCode, 302, res.body);
        return new URL(String(res.headers.location)).searchParams;
      };
      const honoured = await run();
      assert.ok(honoured.get('code'), honoured.toString());
      for (const sim of ['auth_invalid_client_id', 'request_expired_token'] as const) {
        const refused = await run(sim);
        assert.equal(refused.get('error'), 'invalid_request', refused.toString());
        assert.equal(refused.get('code'), null);
      }
    });
  });
}
