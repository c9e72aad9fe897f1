import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { TEST_BASE_URL } from '../support/portico.ts';
import type { Browser } from './login-support.ts';

/** Driving a real standalone launch: a signed-in browser, /auth/authorize, the code redeemed at /auth/token. */

export const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
export const LAUNCH_REDIRECT = 'http://smart-app.example/redirect';
export const PATIENT_LOGIN = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
export const PRACTITIONER_LOGIN = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };

export type Json = Record<string, unknown>;

/** A public PKCE client that skips consent (first_party), so a launch is one redirect. */
export function firstPartyClient(name: string): Json {
  return {
    resourceType: 'Client',
    active: true,
    name,
    first_party: true,
    auth: { authorization_code: { redirect_uri: LAUNCH_REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
    type: 'smart-app',
    grant_types: ['authorization_code', 'refresh_token'],
  };
}

export async function putAdmin(app: FastifyInstance, path: string, body: Json): Promise<void> {
  const res = await app.inject({ method: 'PUT', url: path, headers: { authorization: ROOT_BASIC, 'content-type': path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json' }, payload: body });
  assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
}

/**
 * Authorizes `clientId` in the signed-in browser and redeems the code: the token response. `site` is the pages' and
 * endpoints' prefix (`/t/{tenant}` at a tenant), `fhirBase` the audience (the test server's FHIR base at that site).
 */
export async function launch(app: FastifyInstance, b: Browser, clientId: string, scope: string, at: { site?: string; fhirBase?: string } = {}): Promise<Json> {
  const site = at.site ?? '';
  const fhirBase = at.fhirBase ?? `${TEST_BASE_URL}${site}/fhir`;
  const verifier = randomBytes(48).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: LAUNCH_REDIRECT,
    scope,
    state: 'launch-state',
    aud: fhirBase,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const res = await b.get(`${site}/auth/authorize?${params.toString()}`);
  assert.equal(res.statusCode, 302, res.body);
  const code = new URL(String(res.headers.location)).searchParams.get('code');
  assert.ok(code, String(res.headers.location));
  const token = await tokenRequest(app, { grant_type: 'authorization_code', code, redirect_uri: LAUNCH_REDIRECT, client_id: clientId, code_verifier: verifier }, `${site}/auth/token`);
  assert.equal(token.statusCode, 200, token.body);
  return token.json() as Json;
}

export function tokenRequest(app: FastifyInstance, form: Record<string, string>, url = '/auth/token', headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(form).toString() });
}

export const refresh = (app: FastifyInstance, refreshToken: unknown, clientId: string) =>
  tokenRequest(app, { grant_type: 'refresh_token', refresh_token: String(refreshToken), client_id: clientId });

/**
 * RFC 7662 introspection of a token of `clientId`, asked by the root client (which may introspect any
 * token; a public client may not introspect at all). An active answer must name `clientId`.
 */
export async function introspect(app: FastifyInstance, token: unknown, clientId: string): Promise<Json> {
  const res = await tokenRequest(app, { token: String(token) }, '/auth/introspect', { authorization: ROOT_BASIC });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as Json;
  if (body.active === true) assert.equal(body.client_id, clientId);
  return body;
}
