import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { FormBrowser, type Hop } from '../browser/support/form-browser.ts';
import { FORGED_DEFAULT_CLIENT, startForgedUpstream, type ForgedScenario, type ForgedUpstream } from '../support/forged-upstream.ts';
import { signInAtUpstream, startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.ts';

const REDIRECT = 'http://portico-rp.example/federation/callback';
const SECRET = 'upstream-client-secret-0123456789';
const SCOPE = 'openid email profile staff groups';
const ALICE = {
  email: 'alice@org.example',
  email_verified: true,
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  staff_id: 'S-1001',
  groups: ['clinicians', 'admins'],
};

/** The redirect a relying party would answer with, sending the user agent to the upstream. */
function redirectTo(url: URL): Hop {
  return { status: 302, url: 'http://portico-rp.example/federation/start', location: url.href, body: '' };
}

/** An authorization request as Portico will make it: PKCE S256, state, nonce. */
async function authorizationRequest(config: oidc.Configuration, scope = SCOPE) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier, state, nonce };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

describe('upstream-oidc: oidc-provider 8 as the upstream, openid-client as the relying party', () => {
  let upstream: UpstreamOidc;
  let rpJwks: Server;
  let rpKey: oidc.CryptoKey;

  before(async () => {
    const pair = await generateKeyPair('RS256');
    rpKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'portico-rp-1', alg: 'RS256', use: 'sig' };
    rpJwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    const jwksUri = `${await listen(rpJwks)}/jwks`;
    upstream = await startUpstreamOidc({
      clients: [
        { client_id: 'portico-basic', client_secret: SECRET, redirect_uris: [REDIRECT] },
        { client_id: 'portico-post', client_secret: SECRET, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post' },
        { client_id: 'portico-pkjwt', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri },
      ],
      accounts: { alice: ALICE },
    });
  });
  after(async () => {
    await upstream?.close();
    if (rpJwks) await closeServer(rpJwks);
  });

  it('discovery advertises the RFC 9207 iss parameter, S256 only, and the custom scopes', async () => {
    const res = await fetch(`${upstream.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const metadata = (await res.json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, upstream.issuer);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    for (const scope of ['openid', 'email', 'profile', 'staff', 'groups']) {
      assert.ok((metadata.scopes_supported as string[]).includes(scope), scope);
    }
    for (const claim of ['staff_id', 'groups', 'email']) assert.ok((metadata.claims_supported as string[]).includes(claim), claim);
  });

  for (const [clientId, auth] of [
    ['portico-basic', () => oidc.ClientSecretBasic(SECRET)],
    ['portico-post', () => oidc.ClientSecretPost(SECRET)],
    ['portico-pkjwt', () => oidc.PrivateKeyJwt(rpKey)],
  ] as const) {
    it(`${clientId}: sign-in and consent on the upstream's pages, code exchange, the account's claims in the id_token`, async () => {
      const config = await oidc.discovery(new URL(upstream.issuer), clientId, undefined, auth(), { execute: [oidc.allowInsecureRequests] });
      const request = await authorizationRequest(config);
      const back = await signInAtUpstream(new FormBrowser(), redirectTo(request.url), 'alice');
      const callback = new URL(back.location ?? '');
      assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
      assert.equal(callback.searchParams.get('iss'), upstream.issuer);
      assert.equal(callback.searchParams.get('state'), request.state);
      assert.ok(callback.searchParams.get('code'));

      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      assert.ok(claims);
      assert.equal(claims.iss, upstream.issuer);
      assert.equal(claims.aud, clientId);
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.nonce, request.nonce);
      assert.equal(claims.staff_id, ALICE.staff_id);
      assert.deepEqual(claims.groups, ALICE.groups);
      assert.equal(claims.email, ALICE.email);
      assert.equal(claims.email_verified, true);
      assert.equal(claims.given_name, 'Alice');
      assert.equal(claims.family_name, 'Example');
    });
  }

  it('only the granted scopes\' claims; an unknown login signs in as an account with only sub', async () => {
    const config = await oidc.discovery(new URL(upstream.issuer), 'portico-basic', undefined, oidc.ClientSecretBasic(SECRET), {
      execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
    });
    const narrow = await authorizationRequest(config, 'openid email');
    const back = await signInAtUpstream(new FormBrowser(), redirectTo(narrow.url), 'alice');
    const claims = (
      await oidc.authorizationCodeGrant(config, new URL(back.location ?? ''), {
        pkceCodeVerifier: narrow.verifier,
        expectedState: narrow.state,
        expectedNonce: narrow.nonce,
      })
    ).claims();
    assert.equal(claims?.email, ALICE.email);
    assert.equal(claims?.staff_id, undefined);
    assert.equal(claims?.groups, undefined);

    const unknown = await authorizationRequest(config);
    const backUnknown = await signInAtUpstream(new FormBrowser(), redirectTo(unknown.url), 'nobody');
    const only = (
      await oidc.authorizationCodeGrant(config, new URL(backUnknown.location ?? ''), {
        pkceCodeVerifier: unknown.verifier,
        expectedState: unknown.state,
        expectedNonce: unknown.nonce,
      })
    ).claims();
    assert.equal(only?.sub, 'nobody');
    assert.equal(only?.email, undefined);
    assert.equal(only?.staff_id, undefined);
  });

  it('an authorization request without PKCE is refused (back to the client with invalid_request, iss included)', async () => {
    const url = new URL(`${upstream.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: 'portico-basic', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's1' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303, await res.text());
    const location = new URL(res.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('iss'), upstream.issuer);
    assert.equal(location.searchParams.get('state'), 's1');
  });
});

/**
 * What openid-client (v6, over oauth4webapi) checks of an authorization response and of the id_token in the
 * token response, against an upstream that forges what it is told to. Without enableNonRepudiationChecks the
 * id_token's signature is NOT verified (the token response came straight from the token endpoint over TLS,
 * which OIDC Core 3.1.3.7 lets a client rely on instead); with it, the signature is verified against the
 * upstream's jwks_uri. Everything else (iss, aud, nonce, exp, alg, the RFC 9207 iss parameter, state) is checked
 * either way.
 */
describe('forged-upstream: what openid-client accepts and refuses', () => {
  let upstream: ForgedUpstream;
  let rpJwks: Server;
  let rpKey: oidc.CryptoKey;

  before(async () => {
    const pair = await generateKeyPair('RS256');
    rpKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'portico-rp-1', alg: 'RS256', use: 'sig' };
    rpJwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    const jwksUri = `${await listen(rpJwks)}/jwks`;
    upstream = await startForgedUpstream({
      clients: [
        { ...FORGED_DEFAULT_CLIENT, redirect_uris: [REDIRECT] },
        { client_id: 'portico-pkjwt', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, redirect_uris: [REDIRECT] },
      ],
    });
  });
  after(async () => {
    await upstream?.close();
    if (rpJwks) await closeServer(rpJwks);
  });

  function configure(options: { nonRepudiation?: boolean; clientId?: string } = {}): Promise<oidc.Configuration> {
    const clientId = options.clientId ?? FORGED_DEFAULT_CLIENT.client_id;
    const auth = clientId === 'portico-pkjwt' ? oidc.PrivateKeyJwt(rpKey) : oidc.ClientSecretBasic(FORGED_DEFAULT_CLIENT.client_secret);
    return oidc.discovery(new URL(upstream.issuer), clientId, undefined, auth, {
      execute: [oidc.allowInsecureRequests, ...(options.nonRepudiation ? [oidc.enableNonRepudiationChecks] : [])],
    });
  }

  /** One authorization (the forged upstream redirects straight back) and openid-client's code exchange. */
  async function signIn(config: oidc.Configuration, scenario: ForgedScenario = {}) {
    const request = await authorizationRequest(config, 'openid email');
    upstream.next(scenario);
    const res = await fetch(request.url, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    const callback = new URL(res.headers.get('location') ?? '');
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    return { request, callback, tokens, claims: tokens.claims() };
  }

  /** The refusal openid-client throws: its code and the underlying reason. */
  async function refusal(attempt: Promise<unknown>): Promise<{ code: string | undefined; reason: string }> {
    try {
      await attempt;
    } catch (err) {
      const e = err as { code?: string; message: string; cause?: { message?: string } };
      return { code: e.code, reason: e.cause?.message ?? e.message };
    }
    assert.fail('openid-client accepted it');
  }

  it('the default scenario: a valid sign-in; the upstream recorded the request (PKCE S256, nonce) and the token exchange', async () => {
    const config = await configure({ nonRepudiation: true });
    const { request, callback, claims } = await signIn(config, { sub: 'u-42', claims: { email: 'bob@org.example', staff_id: 'S-7', groups: ['a', 'b'] } });
    assert.equal(callback.searchParams.get('iss'), upstream.issuer);
    assert.equal(claims?.sub, 'u-42');
    assert.equal(claims?.iss, upstream.issuer);
    assert.equal(claims?.aud, FORGED_DEFAULT_CLIENT.client_id);
    assert.equal(claims?.nonce, request.nonce);
    assert.equal(claims?.staff_id, 'S-7');
    assert.deepEqual(claims?.groups, ['a', 'b']);
    const recorded = upstream.requests.at(-1);
    assert.equal(recorded?.client_id, FORGED_DEFAULT_CLIENT.client_id);
    assert.equal(recorded?.redirect_uri, REDIRECT);
    assert.equal(recorded?.state, request.state);
    assert.equal(recorded?.nonce, request.nonce);
    assert.equal(recorded?.code_challenge_method, 'S256');
    assert.equal(recorded?.code_challenge, await oidc.calculatePKCECodeChallenge(request.verifier));
    assert.equal(recorded?.scope, 'openid email');
    const exchange = upstream.tokenRequests.at(-1);
    assert.equal(exchange?.auth_method, 'client_secret_basic');
    assert.equal(exchange?.params.code_verifier, request.verifier);
  });

  it('private_key_jwt: the upstream verifies the client assertion against the client\'s JWKS URL', async () => {
    const { claims } = await signIn(await configure({ clientId: 'portico-pkjwt', nonRepudiation: true }));
    assert.equal(claims?.aud, 'portico-pkjwt');
    const exchange = upstream.tokenRequests.at(-1);
    assert.equal(exchange?.auth_method, 'private_key_jwt');
    assert.equal(exchange?.params.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  for (const nonRepudiation of [false, true]) {
    const label = nonRepudiation ? 'with enableNonRepudiationChecks' : 'plain';
    it(`${label}: refuses a wrong aud, an extra aud, a wrong nonce, a wrong id_token iss, an expired id_token, alg none`, async () => {
      const config = await configure({ nonRepudiation });
      const now = Math.floor(Date.now() / 1000);
      const cases: [ForgedScenario, string, RegExp][] = [
        [{ idToken: { aud: 'someone-else' } }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"aud"/],
        [{ idToken: { aud: [FORGED_DEFAULT_CLIENT.client_id, 'someone-else'] } }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /additional untrusted audiences/],
        [{ idToken: { nonce: 'not-the-nonce' } }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"nonce"/],
        [{ idToken: { iss: 'http://evil.example' } }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"iss"/],
        [{ idToken: { exp: now - 3600 } }, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', /"exp"/],
        [{ idToken: { alg: 'none' } }, 'OAUTH_INVALID_RESPONSE', /"alg"/],
      ];
      for (const [scenario, code, reason] of cases) {
        const refused = await refusal(signIn(config, scenario));
        assert.equal(refused.code, code, JSON.stringify(scenario));
        assert.match(refused.reason, reason, JSON.stringify(scenario));
      }
    });

    it(`${label}: refuses a wrong or missing RFC 9207 iss parameter (the upstream advertises it), and a wrong state`, async () => {
      const config = await configure({ nonRepudiation });
      const cases: [ForgedScenario, RegExp][] = [
        [{ authorizationResponse: { iss: 'http://evil.example' } }, /unexpected "iss" \(issuer\) response parameter value/],
        [{ authorizationResponse: { iss: null } }, /response parameter "iss" \(issuer\) missing/],
        [{ authorizationResponse: { state: 'not-the-state' } }, /unexpected "state" response parameter value/],
      ];
      for (const [scenario, reason] of cases) {
        const refused = await refusal(signIn(config, scenario));
        assert.equal(refused.code, 'OAUTH_INVALID_RESPONSE', JSON.stringify(scenario));
        assert.match(refused.reason, reason, JSON.stringify(scenario));
      }
      const denied = await refusal(signIn(config, { authorizationResponse: { error: 'access_denied' } }));
      assert.equal(denied.code, 'OAUTH_AUTHORIZATION_RESPONSE_ERROR');
    });
  }

  it('plain: a signature by an unpublished key and a payload changed after signing are ACCEPTED (the signature is not checked)', async () => {
    const config = await configure();
    const unpublished = await signIn(config, { idToken: { signWith: 'unpublished-key' } });
    assert.equal(unpublished.claims?.sub, 'forged-user');
    const tampered = await signIn(config, { idToken: { tamper: 'payload' } });
    assert.equal(tampered.claims?.sub, 'forged-user-tampered');
  });

  it('with enableNonRepudiationChecks: both are refused (signature verified against the upstream\'s jwks_uri)', async () => {
    const config = await configure({ nonRepudiation: true });
    for (const scenario of [{ idToken: { signWith: 'unpublished-key' } }, { idToken: { tamper: 'payload' } }] as const) {
      const refused = await refusal(signIn(config, scenario));
      assert.equal(refused.code, 'OAUTH_INVALID_RESPONSE', JSON.stringify(scenario));
      assert.match(refused.reason, /JWT signature verification failed/, JSON.stringify(scenario));
    }
  });

  it('an upstream whose metadata does not advertise the iss parameter: a response without it is accepted', async () => {
    const discovered = await configure();
    const metadata = { ...discovered.serverMetadata() };
    delete metadata.authorization_response_iss_parameter_supported;
    const config = new oidc.Configuration(metadata, FORGED_DEFAULT_CLIENT.client_id, undefined, oidc.ClientSecretBasic(FORGED_DEFAULT_CLIENT.client_secret));
    oidc.allowInsecureRequests(config);
    const { callback, claims } = await signIn(config, { authorizationResponse: { iss: null } });
    assert.equal(callback.searchParams.has('iss'), false);
    assert.equal(claims?.sub, 'forged-user');
    const mismatched = await refusal(signIn(config, { authorizationResponse: { iss: 'http://evil.example' } }));
    assert.match(mismatched.reason, /unexpected "iss" \(issuer\) response parameter value/);
  });

  it('the upstream\'s own checks: wrong secret 401 invalid_client, wrong code_verifier 400 invalid_grant, a code used twice 400', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const authorize = new URL(upstream.authorizationEndpoint);
    authorize.search = new URLSearchParams({
      client_id: FORGED_DEFAULT_CLIENT.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid',
      state: 's',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(authorize, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const basic = (secret: string) => `Basic ${Buffer.from(`${FORGED_DEFAULT_CLIENT.client_id}:${secret}`).toString('base64')}`;
    const exchange = (secret: string, codeVerifier: string) =>
      fetch(upstream.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: codeVerifier }),
      });
    const wrongSecret = await exchange('wrong', verifier);
    assert.equal(wrongSecret.status, 401);
    assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');
    const wrongVerifier = await exchange(FORGED_DEFAULT_CLIENT.client_secret, oidc.randomPKCECodeVerifier());
    assert.equal(wrongVerifier.status, 400);
    assert.equal(((await wrongVerifier.json()) as { error: string }).error, 'invalid_grant');
    // The failed PKCE attempt consumed the code, as a one-time code should be.
    const again = await exchange(FORGED_DEFAULT_CLIENT.client_secret, verifier);
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
  });
});
