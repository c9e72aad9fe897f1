import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, launch, PATIENT_LOGIN, PRACTITIONER_LOGIN, putAdmin, refresh, type Json } from './launch-flow-support.ts';
import { browser, type Browser } from './login-support.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const STYLE_URL = `${TEST_BASE_URL}/auth/smart-style.json`;
const PATIENT_SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs';
// SMART App Launch 2.2 §"Styling".
const STYLE_FIELDS = [
  'color_background',
  'color_error',
  'color_highlight',
  'color_modal_backdrop',
  'color_success',
  'color_text',
  'dim_border_radius',
  'dim_font_size',
  'dim_spacing_size',
  'font_family_body',
  'font_family_heading',
];

/** The token response beyond RFC 6749: seed 002's `userinfo`, `smart_style_url` and `need_patient_banner`. */
for (const driver of drivers) {
  describe(`token response: userinfo, style, patient banner (${driver})`, () => {
    let portico: TestPortico;
    let patient: Browser;
    let practitioner: Browser;

    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      // Seed 002's user: a name with parts, an email, a Patient as fhirUser.
      const user = await portico.auth.users.get('sandbox-patient');
      assert.ok(user);
      await portico.auth.users.put({ ...user, name: { givenName: 'Amy', familyName: 'Shaw' } });
      await putAdmin(portico.app, '/Client/style-app', firstPartyClient('Style App'));
      patient = browser(portico.app);
      assert.equal((await patient.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);
      practitioner = browser(portico.app, '203.0.113.2');
      assert.equal((await practitioner.signIn(PRACTITIONER_LOGIN.email, PRACTITIONER_LOGIN.password)).statusCode, 303);
    });
    after(() => portico.stop());

    const userinfoEndpoint = async (accessToken: unknown) => {
      const res = await portico.app.inject({ method: 'GET', url: '/auth/userinfo', headers: { authorization: `Bearer ${String(accessToken)}` } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Json;
    };

    it('carries userinfo as seed 002 shows it: the User without its password hash or roles', async () => {
      const tokens = await launch(portico.app, patient, 'style-app', PATIENT_SCOPE);
      const info = tokens.userinfo as Json;
      assert.ok(info, JSON.stringify(tokens));
      assert.deepEqual(Object.keys(info).sort(), ['active', 'email', 'fhirUser', 'id', 'meta', 'name', 'resourceType', 'sub']);
      assert.equal(info.resourceType, 'User');
      assert.equal(info.id, 'sandbox-patient');
      assert.equal(info.sub, 'sandbox-patient');
      assert.equal(info.active, true);
      assert.equal(info.email, PATIENT_LOGIN.email);
      assert.deepEqual(info.name, { givenName: 'Amy', familyName: 'Shaw' });
      assert.deepEqual(info.fhirUser, { resourceType: 'Patient', id: 'test-pt-1' });
      const meta = info.meta as Json;
      assert.equal(typeof meta.versionId, 'string');
      assert.ok(!Number.isNaN(Date.parse(String(meta.lastUpdated))));
      assert.doesNotMatch(JSON.stringify(info), /password|scrypt|roles/);
    });

    it("userinfo's name is seed 002's object whichever way the User's name was stored; the sandbox users' have parts", async () => {
      const tokens = await launch(portico.app, practitioner, 'style-app', 'openid fhirUser user/Patient.rs');
      assert.deepEqual((tokens.userinfo as Json).name, { givenName: 'Sandbox', familyName: 'Practitioner' });
      const user = await portico.auth.users.get('sandbox-practitioner');
      assert.ok(user);
      await portico.auth.users.put({ ...user, name: 'Mary Ann Jones' });
      try {
        const again = await launch(portico.app, practitioner, 'style-app', 'openid fhirUser user/Patient.rs');
        assert.deepEqual((again.userinfo as Json).name, { givenName: 'Mary Ann', familyName: 'Jones', formatted: 'Mary Ann Jones' });
        assert.equal((await userinfoEndpoint(again.access_token)).name, 'Mary Ann Jones');
      } finally {
        await portico.auth.users.put({ ...user });
      }
    });

    it('userinfo agrees with the id_token and with GET /auth/userinfo', async () => {
      const tokens = await launch(portico.app, patient, 'style-app', PATIENT_SCOPE);
      const info = tokens.userinfo as Json;
      const jwks = (await portico.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
      const id = await jwtVerify(String(tokens.id_token), createLocalJWKSet(jwks), { issuer: TEST_BASE_URL, audience: 'style-app' });
      assert.equal(id.payload.sub, info.sub);
      assert.equal(id.payload.fhirUser, `${FHIR_BASE}/Patient/test-pt-1`);

      const endpoint = await userinfoEndpoint(tokens.access_token);
      assert.equal(endpoint.sub, info.sub);
      const fhirUser = info.fhirUser as Json;
      assert.equal(endpoint.fhirUser, `${FHIR_BASE}/${String(fhirUser.resourceType)}/${String(fhirUser.id)}`);
      assert.equal(endpoint.email, info.email);
      assert.equal(endpoint.given_name, 'Amy');
      assert.equal(endpoint.family_name, 'Shaw');
      assert.equal(endpoint.name, 'Amy Shaw');
    });

    it('no userinfo without openid (the userinfo endpoint would refuse that token too)', async () => {
      const tokens = await launch(portico.app, patient, 'style-app', 'launch/patient fhirUser patient/Patient.rs');
      assert.equal(tokens.userinfo, undefined);
      assert.equal(tokens.id_token, undefined);
      const res = await portico.app.inject({ method: 'GET', url: '/auth/userinfo', headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
      assert.equal(res.statusCode, 403);
      // The launch members do not depend on openid.
      assert.equal(tokens.smart_style_url, STYLE_URL);
      assert.equal(tokens.need_patient_banner, true);
    });

    it('smart_style_url points at a public, CORS-enabled style document with every SMART styling field', async () => {
      const tokens = await launch(portico.app, patient, 'style-app', PATIENT_SCOPE);
      assert.equal(tokens.smart_style_url, STYLE_URL);
      const path = new URL(String(tokens.smart_style_url)).pathname;
      const res = await portico.app.inject({ method: 'GET', url: path, headers: { origin: 'https://app.example.org' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      const style = res.json() as Json;
      assert.deepEqual(Object.keys(style).sort(), [...STYLE_FIELDS].sort());
      for (const field of STYLE_FIELDS) assert.equal(typeof style[field], 'string', field);
      assert.match(String(style.color_background), /^#[0-9a-f]{6}$/i);
      assert.match(String(style.dim_font_size), /^\d+px$/);
      const preflight = await portico.app.inject({ method: 'OPTIONS', url: path, headers: { origin: 'https://app.example.org', 'access-control-request-method': 'GET' } });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
    });

    it('need_patient_banner: true with a patient in context, false without', async () => {
      const withPatient = await launch(portico.app, patient, 'style-app', PATIENT_SCOPE);
      assert.equal(withPatient.patient, 'test-pt-1');
      assert.equal(withPatient.need_patient_banner, true);
      const noPatient = await launch(portico.app, practitioner, 'style-app', 'openid fhirUser user/Patient.rs');
      assert.equal(noPatient.patient, undefined);
      assert.equal(noPatient.need_patient_banner, false);
      assert.equal(noPatient.smart_style_url, STYLE_URL);
      assert.equal(((noPatient.userinfo as Json).fhirUser as Json).resourceType, 'Practitioner');
      assert.equal((noPatient.userinfo as Json).sub, 'sandbox-practitioner');
    });

    it('a refresh response carries the same userinfo, style URL, banner flag and patient', async () => {
      const tokens = await launch(portico.app, patient, 'style-app', PATIENT_SCOPE);
      const res = await refresh(portico.app, tokens.refresh_token, 'style-app');
      assert.equal(res.statusCode, 200, res.body);
      const refreshed = res.json() as Json;
      assert.equal(refreshed.smart_style_url, STYLE_URL);
      assert.equal(refreshed.need_patient_banner, true);
      assert.equal(refreshed.patient, 'test-pt-1');
      assert.deepEqual(refreshed.userinfo, tokens.userinfo);
      // Narrowed to drop openid: no identity in the response any more.
      const narrowed = await portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(refreshed.refresh_token), client_id: 'style-app', scope: 'offline_access patient/Patient.rs' }).toString(),
      });
      assert.equal(narrowed.statusCode, 200, narrowed.body);
      const body = narrowed.json() as Json;
      assert.equal(body.userinfo, undefined);
      assert.equal(body.id_token, undefined);
      assert.equal(body.smart_style_url, STYLE_URL);
    });
  });
}
