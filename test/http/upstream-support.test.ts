import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { FormBrowser, type Hop } from '../browser/support/form-browser.ts';
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
