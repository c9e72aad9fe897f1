import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { seedSandboxUsers, SANDBOX_LOGINS } from '../../src/sandbox/auth/sandbox-users.ts';
import { FormBrowser, formIn } from './support/form-browser.ts';
import { startListeningPortico, type ListeningPortico } from './support/listening-portico.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://openid-client.example/callback';
const SCOPE = 'launch/patient openid fhirUser patient/*.rs offline_access';
const CONFIDENTIAL_SECRET = 'openid-client-secret-12345';
const patientLogin = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-patient');
const PATIENT_ID = 'test-pt-1';
/** Another patient, outside the token's compartment. */
const OTHER_PATIENT_ID = 'someone-else';

/** The two kinds of app a SMART server serves: public with PKCE, and confidential with client_secret_basic. */
const apps = [
  {
    kind: 'public client (PKCE S256, no secret)',
    id: 'oidc-public-app',
    auth: () => oidc.None(),
    client: { auth: { authorization_code: { redirect_uri: REDIRECT, pkce: true, refresh_token: true, secret_required: false } } },
  },
  {
    kind: 'confidential client (client_secret_basic, PKCE S256)',
    id: 'oidc-confidential-app',
    auth: () => oidc.ClientSecretBasic(CONFIDENTIAL_SECRET),
    client: {
      secret: CONFIDENTIAL_SECRET,
      auth: { authorization_code: { redirect_uri: REDIRECT, pkce: true, refresh_token: true, secret_required: true } },
    },
  },
];

/**
 * Standalone launch through openid-client (a certified OpenID relying party library) against a listening
 * Portico: discovery from the issuer, a PKCE S256 authorization URL, sign-in and consent on Portico's pages
 * (fetch with cookies, no browser), the code exchange (openid-client checks the id_token: signature against
 * the JWKS, iss, aud, exp, iat, nonce), a refresh, and a FHIR read with the access token.
 */
describe('openid-client: standalone launch, refresh, FHIR read', () => {
  let server: ListeningPortico;

  before(async () => {
    assert.ok(patientLogin);
    server = await startListeningPortico();
    await seedSandboxUsers(server.portico.auth.users);
    for (const [id, given] of [[PATIENT_ID, 'Ada'], [OTHER_PATIENT_ID, 'Grace']] as const) {
      const patient = await fetch(`${server.fhirBase}/Patient/${id}`, {
        method: 'PUT',
        headers: { authorization: ROOT_BASIC, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', id, name: [{ family: 'Testpatient', given: [given] }], gender: 'female' }),
      });
      assert.equal(patient.status, 201, await patient.text());
    }
    for (const app of apps) {
      const put = await fetch(`${server.baseUrl}/Client/${app.id}`, {
        method: 'PUT',
        headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' },
        body: JSON.stringify({ resourceType: 'Client', type: 'smart-app', active: true, grant_types: ['authorization_code', 'refresh_token'], ...app.client }),
      });
      assert.ok(put.status === 200 || put.status === 201, await put.text());
    }
  });
  after(() => server?.stop());

  /** Signs in and allows on Portico's pages; returns the redirect back to the app. */
  async function authorizeInBrowser(authorizationUrl: URL): Promise<URL> {
    assert.ok(patientLogin);
    const browser = new FormBrowser();
    const loginPage = await browser.follow(await browser.request(authorizationUrl.href), server.baseUrl);
    assert.equal(loginPage.status, 200, `expected the sign-in page, got ${loginPage.status} at ${loginPage.url}`);
    const signedIn = await browser.submit(formIn(loginPage, /^\/auth\/login$/), { username: patientLogin.email, password: patientLogin.password });
    assert.equal(signedIn.status, 303, signedIn.body);
    const consentPage = await browser.follow(signedIn, server.baseUrl);
    assert.equal(consentPage.status, 200, `expected the consent page, got ${consentPage.status} at ${consentPage.url}: ${consentPage.location}`);
    const back = await browser.submit(formIn(consentPage, /^\/auth\/authorize/), { decision: 'allow' });
    const location = back.location ?? '';
    assert.ok(location.startsWith(`${REDIRECT}?`), `expected a redirect to the app, got ${back.status} ${location}\n${back.body}`);
    return new URL(location);
  }

  for (const app of apps) {
    it(`${app.kind}: code flow with id_token validation, refresh, then a FHIR read`, async () => {
      const config = await oidc.discovery(new URL(server.baseUrl), app.id, undefined, app.auth(), { execute: [oidc.allowInsecureRequests] });
      // Also verify the id_token's JWS signature against the published JWKS (OIDC Core §3.1.3.7 step 6).
      oidc.enableNonRepudiationChecks(config);
      assert.equal(config.serverMetadata().issuer, server.baseUrl);

      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const authorizationUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        aud: server.fhirBase,
      });
      assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${server.baseUrl}/auth/authorize`);

      const callback = await authorizeInBrowser(authorizationUrl);
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      assert.ok(claims);
      assert.equal(claims.iss, server.baseUrl);
      assert.equal(claims.aud, app.id);
      assert.equal(claims.fhirUser, `${server.fhirBase}/Patient/${PATIENT_ID}`);
      assert.equal(tokens.patient, PATIENT_ID);
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.refresh_token, 'offline_access grants a refresh token');
      for (const scope of SCOPE.split(' ')) assert.ok(tokens.scope?.split(' ').includes(scope), `${scope} not granted: ${tokens.scope}`);

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
      assert.notEqual(refreshed.access_token, tokens.access_token);
      assert.ok(refreshed.refresh_token, 'a refresh rotates the refresh token');
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

      const read = await oidc.fetchProtectedResource(config, refreshed.access_token, new URL(`${server.fhirBase}/Patient/${PATIENT_ID}`), 'GET');
      assert.equal(read.status, 200, await read.clone().text());
      const patient = (await read.json()) as { resourceType: string; id: string };
      assert.equal(patient.resourceType, 'Patient');
      assert.equal(patient.id, PATIENT_ID);

      // The token is bound to its patient: another patient's record, which exists (the root client reads it),
      // reads for this token exactly as an id that was never created: 404, no ETag.
      const bearer = { authorization: `Bearer ${refreshed.access_token}` };
      const byRoot = await fetch(`${server.fhirBase}/Patient/${OTHER_PATIENT_ID}`, { headers: { authorization: ROOT_BASIC } });
      assert.equal(byRoot.status, 200, await byRoot.clone().text());
      assert.equal(((await byRoot.json()) as { id: string }).id, OTHER_PATIENT_ID);
      const other = await fetch(`${server.fhirBase}/Patient/${OTHER_PATIENT_ID}`, { headers: bearer });
      const never = await fetch(`${server.fhirBase}/Patient/never-created`, { headers: bearer });
      assert.equal(other.status, 404, `reading another patient answered ${other.status}`);
      assert.equal(never.status, 404);
      assert.equal(other.headers.get('etag'), null);
      const otherText = await other.text();
      assert.equal(otherText.replaceAll(OTHER_PATIENT_ID, 'ID'), (await never.text()).replaceAll('never-created', 'ID'));
      assert.equal((JSON.parse(otherText) as { resourceType: string }).resourceType, 'OperationOutcome');
      assert.doesNotMatch(otherText, /Grace/);

      // Replaying the rotated-out refresh token fails and ends the grant, the new tokens with it (RFC 9700 §4.14.2).
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), (err: unknown) => {
        assert.ok(err instanceof oidc.ResponseBodyError, String(err));
        assert.equal(err.error, 'invalid_grant');
        return true;
      });
      assert.equal((await fetch(`${server.fhirBase}/Patient/${PATIENT_ID}`, { headers: bearer })).status, 401);
    });
  }
});
