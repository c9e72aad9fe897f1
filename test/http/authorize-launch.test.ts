import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createLaunchToken, type LaunchTokenInput } from '../../src/auth/launch/launch-token.ts';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, type Browser } from './login-support.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://ehr-app.example/redirect';
const SECRET = 'ehr-app-secret-123';
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };

/** EHR launch: the `launch` token's context must reach the code and so the token response. */
for (const driver of drivers) {
  describe(`authorize: EHR launch context (${driver})`, () => {
    let portico: TestPortico;
    let b: Browser;

    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      for (const id of ['ehr-app', 'other-app']) {
        const res = await portico.app.inject({
          method: 'PUT',
          url: `/Client/${id}`,
          headers: { authorization: ROOT_BASIC },
          payload: {
            resourceType: 'Client',
            active: true,
            first_party: true,
            secret: SECRET,
            grant_types: ['authorization_code'],
            auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: true } },
          },
        });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
      }
      // The launch context is checked against the record when the launch is redeemed.
      const fhir = fhirClient(portico.app);
      for (const resource of [
        { resourceType: 'Patient', id: 'ehr-pt', name: [{ given: ['Eve'], family: 'Hart' }] },
        { resourceType: 'Encounter', id: 'ehr-enc', status: 'in-progress', class: { code: 'AMB' }, subject: { reference: 'Patient/ehr-pt' } },
      ]) {
        const res = await fhir.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.ok(res.status === 200 || res.status === 201, res.text);
      }
      b = browser(portico.app);
      assert.equal((await b.signIn(PRACTITIONER.email, PRACTITIONER.password)).statusCode, 303);
    });
    after(() => portico.stop());

    const launchToken = (input: Partial<LaunchTokenInput>, now = new Date()) =>
      createLaunchToken({ client: 'ehr-app', ...input }, { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => now, newId: randomUUID });

    const authorize = (launch: string, challenge?: string, extra: Record<string, string> = {}) =>
      b.get(
        `/auth/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'ehr-app',
          redirect_uri: REDIRECT,
          scope: 'launch openid fhirUser user/Patient.rs patient/Observation.rs',
          state: 'abc',
          aud: `${TEST_BASE_URL}/fhir`,
          ...(launch ? { launch } : {}),
          ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
          ...extra,
        })}`,
      );

    it("asks the practitioner about this patient's record, naming the patient the EHR launched with", async () => {
      const consent = await authorize(await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt' }), undefined, { prompt: 'consent' });
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /<h1>Allow ehr-app to access this patient’s record\?<\/h1>/);
      assert.match(consent.body, /<p class="patient">Patient: <strong>Eve Hart<\/strong> \(ehr-pt\)<\/p>/);
      // A standalone launch, whose patient is not known yet, asks about records in general.
      const standalone = await authorize('', undefined, { prompt: 'consent', scope: 'openid fhirUser user/Patient.rs' });
      assert.equal(standalone.statusCode, 200, standalone.body);
      assert.match(standalone.body, /<h1>Allow ehr-app to access health records for you\?<\/h1>/);
      assert.doesNotMatch(standalone.body, /class="patient"/);
    });

    const back = (res: LightMyRequestResponse) => new URL(String(res.headers.location)).searchParams;

    it('copies the launch context (patient, encounter, fhirContext) into the grant and the token response', async () => {
      const verifier = randomBytes(40).toString('base64url');
      const launch = await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt', encounter: 'ehr-enc', fhirContext: [{ reference: 'DiagnosticReport/dr-1' }] });
      const res = await authorize(launch, createHash('sha256').update(verifier).digest('base64url'));
      assert.equal(res.statusCode, 302);
      const code = back(res).get('code');
      assert.ok(code, String(res.headers.location));
      const token = await portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`ehr-app:${SECRET}`).toString('base64')}` },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
      });
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Record<string, unknown>;
      assert.equal(body.patient, 'ehr-pt');
      assert.equal(body.encounter, 'ehr-enc');
      assert.deepEqual(body.fhirContext, [{ reference: 'DiagnosticReport/dr-1' }]);
    });

    it('a launch is used once: a second authorization with the same launch gets no code', async () => {
      const launch = await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt' });
      const first = await authorize(launch);
      assert.ok(back(first).get('code'), String(first.headers.location));
      const replay = back(await authorize(launch));
      assert.equal(replay.get('code'), null);
      assert.equal(replay.get('error'), 'invalid_request');
      assert.match(String(replay.get('error_description')), /already used/);
      assert.equal(replay.get('state'), 'abc');
      // A fresh launch still works.
      assert.ok(back(await authorize(await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt' }))).get('code'));
    });

    it('refuses (invalid_request, state echoed, no code) a launch for another user, another client, expired, forged or malformed, each saying why', async () => {
      // The control: a launch for this user and this client gets a code.
      const accepted = back(await authorize(await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt' })));
      assert.ok(accepted.get('code'), accepted.toString());
      assert.equal(accepted.get('error'), null);

      // A genuine launch whose claims were changed after signing (another patient), its signature kept.
      const [header, payload, signature] = (await launchToken({ user: 'sandbox-practitioner', patient: 'ehr-pt' })).split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { ctx: { patient: string } };
      claims.ctx.patient = 'someone-else';
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

      const refusals: [string, string, RegExp][] = [
        ['another user', await launchToken({ user: 'someone-else', patient: 'ehr-pt' }), /^this launch was made for another user$/],
        ['another client', await launchToken({ client: 'other-app', patient: 'ehr-pt' }), /^the launch token was made for another application$/],
        ['expired', await launchToken({ patient: 'ehr-pt' }, new Date(Date.now() - 3600_000)), /^the launch token expired$/],
        ['forged', forged, /^the launch token signature is invalid$/],
        ['malformed', 'not-a-launch-token', /^the launch token is not a well-formed JWT$/],
      ];
      for (const [why, launch, description] of refusals) {
        const res = await authorize(launch);
        assert.equal(res.statusCode, 302, why);
        const params = back(res);
        assert.equal(params.get('error'), 'invalid_request', why);
        assert.match(String(params.get('error_description')), description, why);
        assert.equal(params.get('state'), 'abc', why);
        assert.equal(params.get('code'), null, why);
      }
    });
  });
}
