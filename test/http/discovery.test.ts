import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const BASE = TEST_BASE_URL;
const ENDPOINTS = {
  authorization_endpoint: `${BASE}/auth/authorize`,
  token_endpoint: `${BASE}/auth/token`,
  introspection_endpoint: `${BASE}/auth/introspect`,
  revocation_endpoint: `${BASE}/auth/revoke`,
  registration_endpoint: `${BASE}/auth/register`,
  management_endpoint: `${BASE}/auth/apps`,
};

/** What ONC (g)(10) v8 requires across its standalone and EHR launch groups, plus the rest we implement. */
const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
];

type Json = Record<string, unknown>;

for (const driver of drivers) {
  describe(`SMART and OpenID discovery (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    /** As Inferno asks: Accept: application/json, no Authorization header. */
    async function wellKnown(url: string) {
      const res = await portico.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/json', url);
      return res.json<Json>();
    }

    it('serves the same smart-configuration at the FHIR base and at the root, with every SMART 2.2 field', async () => {
      const atFhir = await wellKnown('/fhir/.well-known/smart-configuration');
      assert.deepEqual(await wellKnown('/.well-known/smart-configuration'), atFhir);
      // A trailing slash on the FHIR base (Inferno strips it, others may not) still lands here.
      assert.deepEqual(await wellKnown('/fhir/.well-known/smart-configuration/'), atFhir);

      assert.equal(atFhir.issuer, BASE);
      assert.equal(atFhir.jwks_uri, `${BASE}/.well-known/jwks.json`);
      for (const [field, url] of Object.entries(ENDPOINTS)) assert.equal(atFhir[field], url, field);
      assert.deepEqual(atFhir.grant_types_supported, ['authorization_code', 'client_credentials', 'refresh_token']);
      assert.deepEqual(atFhir.response_types_supported, ['code']);
      assert.deepEqual(
        [...(atFhir.token_endpoint_auth_methods_supported as string[])].sort(),
        ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'],
      );
      for (const alg of ['RS384', 'ES384', 'RS256', 'ES256']) {
        assert.ok((atFhir.token_endpoint_auth_signing_alg_values_supported as string[]).includes(alg), alg);
      }
      assert.deepEqual([...(atFhir.capabilities as string[])].sort(), [...CAPABILITIES].sort());
      const scopes = atFhir.scopes_supported as string[];
      for (const scope of ['openid', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
        'patient/*.rs', 'user/*.rs', 'system/*.rs', 'patient/*.read', 'user/*.read', 'system/*.read']) {
        assert.ok(scopes.includes(scope), scope);
      }
      assert.equal('associated_endpoints' in atFhir, false);
    });

    it('offers PKCE S256 only, never plain', async () => {
      const doc = await wellKnown('/fhir/.well-known/smart-configuration');
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
      const oidc = await wellKnown('/.well-known/openid-configuration');
      assert.deepEqual(oidc.code_challenge_methods_supported, ['S256']);
    });

    it('needs no authentication, even with a bad bearer token', async () => {
      for (const url of ['/fhir/.well-known/smart-configuration', '/.well-known/openid-configuration']) {
        const res = await portico.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer not-a-token' } });
        assert.equal(res.statusCode, 200, url);
      }
    });

    it('publishes OpenID Provider metadata at the issuer with the OIDC Discovery 1.0 required fields', async () => {
      const smart = await wellKnown('/.well-known/smart-configuration');
      const oidc = await wellKnown('/.well-known/openid-configuration');
      // The issuer hosts this document, and is the one the SMART document names.
      assert.equal(oidc.issuer, smart.issuer);
      assert.equal(`${oidc.issuer}/.well-known/openid-configuration`, `${BASE}/.well-known/openid-configuration`);
      assert.equal(oidc.authorization_endpoint, ENDPOINTS.authorization_endpoint);
      assert.equal(oidc.token_endpoint, ENDPOINTS.token_endpoint);
      assert.equal(oidc.userinfo_endpoint, `${BASE}/auth/userinfo`);
      assert.equal(oidc.jwks_uri, smart.jwks_uri);
      assert.deepEqual(oidc.response_types_supported, ['code']);
      assert.deepEqual(oidc.subject_types_supported, ['public']);
      assert.ok((oidc.id_token_signing_alg_values_supported as string[]).includes('RS256'));
      assert.ok((oidc.scopes_supported as string[]).includes('openid'));
      for (const claim of ['sub', 'iss', 'aud', 'exp', 'iat', 'fhirUser', 'name']) {
        assert.ok((oidc.claims_supported as string[]).includes(claim), claim);
      }
      assert.deepEqual(oidc.grant_types_supported, smart.grant_types_supported);
      assert.deepEqual(oidc.token_endpoint_auth_methods_supported, smart.token_endpoint_auth_methods_supported);
    });

    it('the CapabilityStatement carries the oauth-uris extension with the well-known URLs and the SMART-on-FHIR service', async () => {
      const res = await portico.app.inject({ method: 'GET', url: '/fhir/metadata', headers: { accept: 'application/fhir+json' } });
      assert.equal(res.statusCode, 200);
      const security = res.json<{ rest: { security: Json }[] }>().rest[0]?.security as {
        cors: boolean;
        service: { coding: { system: string; code: string }[] }[];
        extension: { url: string; extension: { url: string; valueUri: string }[] }[];
      };
      assert.equal(security.cors, true);
      assert.deepEqual(
        security.service.flatMap((s) => s.coding.map((c) => `${c.system}|${c.code}`)),
        ['http://terminology.hl7.org/CodeSystem/restful-security-service|SMART-on-FHIR'],
      );
      const oauthUris = security.extension.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
      assert.ok(oauthUris, 'oauth-uris extension');
      const uris = Object.fromEntries(oauthUris.extension.map((e) => [e.url, e.valueUri]));
      // Inferno's STU1 discovery: each URL exactly equal to the well-known one.
      const smart = await wellKnown('/fhir/.well-known/smart-configuration');
      assert.deepEqual(uris, {
        authorize: smart.authorization_endpoint,
        token: smart.token_endpoint,
        introspect: smart.introspection_endpoint,
        revoke: smart.revocation_endpoint,
        register: smart.registration_endpoint,
        manage: smart.management_endpoint,
      });
    });
  });
}
