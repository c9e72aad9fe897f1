import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { createLaunchToken, type LaunchTokenInput } from '../../src/auth/launch/launch-token.ts';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

/**
 * The authorization endpoint's answers: `prompt` (OIDC Core §3.1.2.1), `iss` in every response (RFC 9207),
 * loopback redirect URIs on any port (RFC 8252 §7.3), the consent page of a client that registered itself,
 * and EHR launch context checked against the record (at the RPC and again when the launch is redeemed).
 */

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const REDIRECT = 'http://smart-app.example/redirect';
const LAUNCH_URI = 'http://smart-app.example/launch';
const STATE = 'st ate+/%&=ü-1';
const GET_LAUNCH_URI = 'aidbox.smart/get-launch-uri';

const login = (id: 'sandbox-patient' | 'sandbox-practitioner') => {
  const found = SANDBOX_LOGINS.find((l) => l.id === id);
  assert.ok(found);
  return found;
};
const PATIENT = login('sandbox-patient');
const PRACTITIONER = login('sandbox-practitioner');
/** The sandbox patient user's own Patient. */
const OWN_PATIENT = PATIENT.fhirUser.replace('Patient/', '');
/** A user of its own for the deactivation test, so the sandbox users stay usable. */
const DOCTOR = { id: 'ehr-doctor', email: 'doctor@ehr.example', password: 'doctor-password-123' };

type Json = Record<string, unknown>;

const publicClient = (redirectUri: string, extra: Json = {}): Json => ({
  resourceType: 'Client',
  active: true,
  name: 'Hardening Test App',
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
  auth: { authorization_code: { redirect_uri: redirectUri, refresh_token: true, secret_required: false, pkce: true } },
  ...extra,
});

const CLIENTS: Record<string, Json> = {
  'consent-app': publicClient(REDIRECT),
  'silent-app': publicClient(REDIRECT, { first_party: true, smart: { launch_uri: LAUNCH_URI } }),
  'query-app': publicClient(`${REDIRECT}?tenant=t1`, { first_party: true }),
  'loopback-v4': publicClient('http://127.0.0.1/callback', { first_party: true }),
  'loopback-v6': publicClient('http://[::1]/callback', { first_party: true }),
  'loopback-name': publicClient('http://localhost/callback', { first_party: true }),
  'loopback-fixed': publicClient('http://127.0.0.1:8400/callback', { first_party: true }),
  'loopback-root': publicClient('http://127.0.0.1', { first_party: true }),
};

interface Request {
  params: Record<string, string>;
  verifier: string;
}

/** An authorization request with a fresh PKCE pair; `undefined` overrides remove a parameter. */
function request(overrides: Record<string, string | undefined> = {}): Request {
  const verifier = randomBytes(48).toString('base64url');
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'silent-app',
    redirect_uri: REDIRECT,
    scope: 'openid fhirUser patient/Patient.rs',
    state: STATE,
    aud: FHIR_BASE,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...overrides,
  };
  return { params: Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)), verifier };
}

const authorizeUrl = (r: Request) => `/auth/authorize?${new URLSearchParams(r.params).toString()}`;

/** A redirect back to the app (never a page): its parameters, after checking `iss` and `state` (RFC 9207 §2). */
function backToApp(res: LightMyRequestResponse, redirectUri = REDIRECT): URLSearchParams {
  assert.ok(res.statusCode === 302 || res.statusCode === 303, `expected a redirect to the app, got ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const location = String(res.headers.location);
  assert.ok(location.startsWith(`${redirectUri}?`) || location.startsWith(`${redirectUri}&`), `expected a redirect to ${redirectUri}, got ${location}`);
  assert.equal(res.body, '', 'a redirect to the app carries no page');
  const params = new URL(location).searchParams;
  assert.equal(params.get('iss'), TEST_BASE_URL, location);
  assert.equal(params.getAll('iss').length, 1, location);
  assert.equal(params.get('state'), STATE, location);
  return params;
}

/** An error sent back to the app: its code, a description, state, iss, and never a code. */
function assertAppError(res: LightMyRequestResponse, error: string, redirectUri = REDIRECT): URLSearchParams {
  const params = backToApp(res, redirectUri);
  assert.equal(params.get('error'), error, params.get('error_description') ?? '');
  // RFC 6749 §4.1.2.1: error_description is printable ASCII without " and \.
  assert.match(params.get('error_description') ?? '', /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  assert.equal(params.get('code'), null);
  return params;
}

/** A code sent back to the app. */
function codeFrom(res: LightMyRequestResponse, redirectUri = REDIRECT): string {
  const params = backToApp(res, redirectUri);
  assert.equal(params.get('error'), null, params.get('error_description') ?? '');
  const code = params.get('code');
  assert.ok(code);
  return code;
}

/** The sign-in page was asked for: where it will come back to afterwards. */
function signInReturn(res: LightMyRequestResponse): string {
  assert.equal(res.statusCode, 303, res.body);
  const location = new URL(String(res.headers.location), TEST_BASE_URL);
  assert.equal(location.pathname, '/auth/login', String(res.headers.location));
  const returnTo = location.searchParams.get('return_to');
  assert.ok(returnTo);
  return returnTo;
}

/** The error page shown instead of redirecting to an untrusted address. */
function assertErrorPage(res: LightMyRequestResponse) {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.headers.location, undefined);
  assert.match(String(res.headers['content-type']), /^text\/html/);
}

for (const driver of drivers) {
  describe(`authorize hardening (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;
    /** A clock the tests move forward (sign-in times, in whole seconds, must differ). */
    let clock = Date.now();

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      await seedSandboxUsers(portico.auth.users);
      admin = adminHttp(portico.app);
      for (const [id, client] of Object.entries(CLIENTS)) {
        const res = await admin('PUT', `/Client/${id}`, { body: client });
        assert.ok(res.status === 200 || res.status === 201, res.text);
      }
      const user = await admin('PUT', `/User/${DOCTOR.id}`, { body: { resourceType: 'User', email: DOCTOR.email, password: DOCTOR.password, active: true } });
      assert.ok(user.status === 200 || user.status === 201, user.text);
      const fhir = fhirClient(portico.app);
      const encounter = (id: string, patient: string) => ({
        resourceType: 'Encounter',
        id,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/${patient}` },
        period: { start: '2024-01-02T10:00:00Z' },
      });
      for (const resource of [
        { resourceType: 'Patient', id: OWN_PATIENT, name: [{ family: 'Sandbox', given: ['Sam'] }] },
        { resourceType: 'Patient', id: 'ehr-a', name: [{ family: 'Ashe', given: ['Ann'] }] },
        { resourceType: 'Patient', id: 'ehr-b', name: [{ family: 'Birch', given: ['Ben'] }] },
        encounter('enc-own', OWN_PATIENT),
        encounter('enc-a', 'ehr-a'),
        encounter('enc-b', 'ehr-b'),
      ]) {
        const res = await fhir.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.ok(res.status === 200 || res.status === 201, res.text);
      }
    });
    after(() => portico.stop());

    const signedIn = async (who: { email: string; password: string }): Promise<Browser> => {
      const b = browser(portico.app);
      assert.equal((await b.signIn(who.email, who.password)).statusCode, 303);
      return b;
    };

    const redeem = (code: string, r: Request) =>
      portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: r.params.redirect_uri ?? '',
          client_id: r.params.client_id ?? '',
          code_verifier: r.verifier,
        }).toString(),
      });

    const tokenFor = async (code: string, r: Request): Promise<Json> => {
      const res = await redeem(code, r);
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Json>();
    };

    /** Submits the consent page as a browser would, every offered box checked. */
    const answerConsent = (b: Browser, page: LightMyRequestResponse, decision: 'allow' | 'deny') => {
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), decision });
      const carried = /name="authorize_request" value="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(carried, 'the consent form carries the request');
      form.append('authorize_request', carried.replace(/&amp;/g, '&'));
      for (const m of page.body.matchAll(/type="checkbox" id="[^"]+" name="scope" value="([^"]+)" checked>/g)) form.append('scope', (m[1] ?? '').replace(/&amp;/g, '&'));
      return portico.app.inject({
        method: 'POST',
        url: '/auth/authorize/decision',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: form.toString(),
      });
    };

    const isConsentPage = (res: LightMyRequestResponse) => res.statusCode === 200 && /name="decision" value="allow"/.test(res.body);

    describe('prompt (OIDC Core §3.1.2.1)', () => {
      it('prompt=none: a signed-in user and a first-party app get a code silently; without a session, login_required and no page', async () => {
        const b = await signedIn(PATIENT);
        const silent = request({ prompt: 'none' });
        const token = await tokenFor(codeFrom(await b.get(authorizeUrl(silent))), silent);
        assert.equal(token.patient, OWN_PATIENT);

        const anonymous = browser(portico.app);
        // Without prompt=none, the same request shows the sign-in page…
        signInReturn(await anonymous.get(authorizeUrl(request())));
        // …with it, the app is told at once, GET and POST alike.
        assertAppError(await anonymous.get(authorizeUrl(request({ prompt: 'none' }))), 'login_required');
        // A POST with a cookie whose session has ended is not turned into a GET: it too is login_required.
        const ended = await signedIn(PATIENT);
        const cookie = ended.jar.header();
        const logout = await ended.get('/auth/logout');
        assert.equal((await ended.post('/auth/logout', { csrf_token: csrfTokenIn(logout.body) })).statusCode, 200);
        assertAppError(await anonymous.post('/auth/authorize', request({ prompt: 'none' }).params, { cookie }), 'login_required');
      });

      it('prompt=none: consent is never remembered, so an app that needs consent gets consent_required even after the user allowed it', async () => {
        const b = await signedIn(PATIENT);
        const first = request({ client_id: 'consent-app' });
        const page = await b.get(authorizeUrl(first));
        assert.ok(isConsentPage(page), page.body);
        await tokenFor(codeFrom(await answerConsent(b, page, 'allow')), first);

        assertAppError(await b.get(authorizeUrl(request({ client_id: 'consent-app', prompt: 'none' }))), 'consent_required');
        assertAppError(await b.post('/auth/authorize', request({ client_id: 'consent-app', prompt: 'none' }).params), 'consent_required');
      });

      it('prompt=none: a patient or visit the user would have to choose is interaction_required', async () => {
        const scope = 'launch/patient openid fhirUser patient/Patient.rs';
        // The patient user is their own patient: no picker, so a silent code.
        const patientUser = await signedIn(PATIENT);
        codeFrom(await patientUser.get(authorizeUrl(request({ scope, prompt: 'none' }))));
        // A practitioner would see the patient picker.
        const practitioner = await signedIn(PRACTITIONER);
        const picker = await practitioner.get(authorizeUrl(request({ scope })));
        assert.equal(picker.statusCode, 200);
        assert.match(picker.body, /name="patient_search"/);
        assertAppError(await practitioner.get(authorizeUrl(request({ scope, prompt: 'none' }))), 'interaction_required');

        // launch/encounter: the patient user would choose one of their visits.
        const withVisit = 'launch/patient launch/encounter openid fhirUser patient/Encounter.rs';
        const visits = await patientUser.get(authorizeUrl(request({ scope: withVisit })));
        assert.equal(visits.statusCode, 200);
        assert.match(visits.body, /name="encounter" value="enc-own"/);
        assertAppError(await patientUser.get(authorizeUrl(request({ scope: withVisit, prompt: 'none' }))), 'interaction_required');
      });

      it('a cross-site POST with prompt=none (no Lax cookie) becomes the same GET, which then answers silently', async () => {
        const b = await signedIn(PATIENT);
        const r = request({ prompt: 'none' });
        const post = await portico.app.inject({
          method: 'POST',
          url: '/auth/authorize',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(r.params).toString(),
        });
        assert.equal(post.statusCode, 303, post.body);
        assert.equal(post.headers.location, authorizeUrl(r));
        await tokenFor(codeFrom(await b.get(String(post.headers.location))), r);
        assertAppError(await browser(portico.app).get(String(post.headers.location)), 'login_required');
      });

      it('prompt=none with another value, or a value this server does not know, is invalid_request', async () => {
        const b = await signedIn(PATIENT);
        signInReturn(await b.get(authorizeUrl(request({ prompt: 'login' }))));
        codeFrom(await b.get(authorizeUrl(request({ prompt: 'none' }))));
        for (const prompt of ['none login', 'none consent', 'create', 'none bogus']) {
          assertAppError(await b.get(authorizeUrl(request({ prompt }))), 'invalid_request');
        }
      });

      it('prompt=login shows the sign-in page to a signed-in user, comes back without it, and the id_token has the new auth_time', async () => {
        const b = await signedIn(PATIENT);
        const firstSignIn = Math.floor(clock / 1000);
        const plain = request();
        const before = decodeJwt(String((await tokenFor(codeFrom(await b.get(authorizeUrl(plain))), plain)).id_token));
        assert.equal(before.auth_time, firstSignIn);

        const r = request({ prompt: 'login' });
        const returnTo = signInReturn(await b.get(authorizeUrl(r)));
        const back = new URL(returnTo, TEST_BASE_URL);
        assert.equal(back.pathname, '/auth/authorize');
        assert.equal(back.searchParams.get('prompt'), null, 'the sign-in is not asked for again');
        const { prompt: _prompt, ...rest } = r.params;
        assert.deepEqual(Object.fromEntries(back.searchParams), rest);

        clock += 120_000;
        const signIn = await b.signIn(PATIENT.email, PATIENT.password, returnTo);
        assert.equal(signIn.statusCode, 303);
        assert.equal(signIn.headers.location, returnTo);
        const token = await tokenFor(codeFrom(await b.get(returnTo)), r);
        assert.equal(decodeJwt(String(token.id_token)).auth_time, firstSignIn + 120);

        // Other prompt values stay: `login consent` comes back as `consent`; select_account also signs in again.
        assert.equal(new URL(signInReturn(await b.get(authorizeUrl(request({ prompt: 'login consent' })))), TEST_BASE_URL).searchParams.get('prompt'), 'consent');
        assert.equal(new URL(signInReturn(await b.get(authorizeUrl(request({ prompt: 'select_account' })))), TEST_BASE_URL).searchParams.get('prompt'), null);
      });

      it('prompt=consent shows the consent page even to a first-party app; its answer decides', async () => {
        const b = await signedIn(PATIENT);
        codeFrom(await b.get(authorizeUrl(request())));
        const r = request({ prompt: 'consent' });
        const page = await b.get(authorizeUrl(r));
        assert.ok(isConsentPage(page), page.body);
        await tokenFor(codeFrom(await answerConsent(b, page, 'allow')), r);
        assertAppError(await answerConsent(b, await b.get(authorizeUrl(request({ prompt: 'consent' }))), 'deny'), 'access_denied');
      });
    });

    describe('iss in every authorization response (RFC 9207)', () => {
      it('both discovery documents advertise it, with the issuer the responses carry', async () => {
        for (const url of ['/.well-known/openid-configuration', '/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
          const res = await portico.app.inject({ method: 'GET', url });
          assert.equal(res.statusCode, 200, url);
          const doc = res.json<Json>();
          assert.equal(doc.authorization_response_iss_parameter_supported, true, url);
          assert.equal(doc.issuer, TEST_BASE_URL, url);
        }
      });

      it('a code and every kind of error carry iss once, next to state; a registered query is kept; an error page has no redirect', async () => {
        const b = await signedIn(PATIENT);
        const r = request();
        await tokenFor(codeFrom(await b.get(authorizeUrl(r))), r);

        assertAppError(await b.get(authorizeUrl(request({ scope: 'nonsense' }))), 'invalid_scope');
        assertAppError(await b.post('/auth/authorize', request({ code_challenge_method: 'plain' }).params), 'invalid_request');
        assertAppError(await b.get(authorizeUrl(request({ response_type: 'token' }))), 'unsupported_response_type');
        assertAppError(await answerConsent(b, await b.get(authorizeUrl(request({ client_id: 'consent-app' }))), 'deny'), 'access_denied');

        const withQuery = request({ client_id: 'query-app', redirect_uri: `${REDIRECT}?tenant=t1` });
        const res = await b.get(authorizeUrl(withQuery));
        const params = backToApp(res, `${REDIRECT}?tenant=t1`);
        assert.equal(params.get('tenant'), 't1');
        assert.deepEqual([...params.keys()], ['tenant', 'code', 'state', 'iss']);
        await tokenFor(String(params.get('code')), withQuery);

        assertErrorPage(await b.get(authorizeUrl(request({ client_id: 'no-such-app' }))));
      });
    });

    describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
      const cases: [string, string][] = [
        ['loopback-v4', 'http://127.0.0.1'],
        ['loopback-v6', 'http://[::1]'],
        ['loopback-name', 'http://localhost'],
      ];
      for (const [clientId, origin] of cases) {
        it(`${origin}/callback registered without a port matches on any port; everything else still exactly`, async () => {
          const b = await signedIn(PATIENT);
          for (const redirect of [`${origin}/callback`, `${origin}:51004/callback`, `${origin}:1/callback`, `${origin}:65535/callback`, `${origin}:80/callback`]) {
            const r = request({ client_id: clientId, redirect_uri: redirect });
            const token = await tokenFor(codeFrom(await b.get(authorizeUrl(r)), redirect), r);
            assert.equal(token.patient, OWN_PATIENT);
          }
          const other = origin === 'http://127.0.0.1' ? 'http://localhost' : 'http://127.0.0.1';
          for (const redirect of [
            `${origin}:51004/callback/`,
            `${origin}:51004/Callback`,
            `${origin}:51004/callback?x=1`,
            `${origin}:51004`,
            `${origin.replace('http:', 'https:')}:51004/callback`,
            `${origin}:0/callback`,
            `${origin}:65536/callback`,
            `${origin}:051004/callback`,
            `${origin}:/callback`,
            `${origin}:51004@evil.example/callback`,
            `${origin}.evil.example:51004/callback`,
            `${other}:51004/callback`,
          ]) {
            assertErrorPage(await b.get(authorizeUrl(request({ client_id: clientId, redirect_uri: redirect }))));
          }
        });
      }

      it('one registered with a port matches only that port; a portless root matches any port but nothing more; other hosts never vary', async () => {
        const b = await signedIn(PATIENT);
        codeFrom(await b.get(authorizeUrl(request({ client_id: 'loopback-fixed', redirect_uri: 'http://127.0.0.1:8400/callback' }))), 'http://127.0.0.1:8400/callback');
        for (const redirect of ['http://127.0.0.1:8401/callback', 'http://127.0.0.1/callback', 'http://127.0.0.1:8400:8401/callback']) {
          assertErrorPage(await b.get(authorizeUrl(request({ client_id: 'loopback-fixed', redirect_uri: redirect }))));
        }
        codeFrom(await b.get(authorizeUrl(request({ client_id: 'loopback-root', redirect_uri: 'http://127.0.0.1:3000' }))), 'http://127.0.0.1:3000');
        for (const redirect of ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000.evil.example', 'http://127.0.0.1:3000@evil.example']) {
          assertErrorPage(await b.get(authorizeUrl(request({ client_id: 'loopback-root', redirect_uri: redirect }))));
        }
        codeFrom(await b.get(authorizeUrl(request())));
        assertErrorPage(await b.get(authorizeUrl(request({ redirect_uri: 'http://smart-app.example:8080/redirect' }))));
      });

      it('the token request must repeat the redirect_uri of the authorization request exactly, port included (RFC 6749 §4.1.3)', async () => {
        const b = await signedIn(PATIENT);
        const used = 'http://127.0.0.1:51004/callback';
        const r = request({ client_id: 'loopback-v4', redirect_uri: used });
        await tokenFor(codeFrom(await b.get(authorizeUrl(r)), used), r);
        for (const other of ['http://127.0.0.1/callback', 'http://127.0.0.1:51005/callback']) {
          const refused = request({ client_id: 'loopback-v4', redirect_uri: used });
          const code = codeFrom(await b.get(authorizeUrl(refused)), used);
          const res = await redeem(code, { ...refused, params: { ...refused.params, redirect_uri: other } });
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json<Json>().error, 'invalid_grant');
          // The failed attempt spent the code: it is not worth another try.
          const again = await redeem(code, refused);
          assert.equal(again.json<Json>().error, 'invalid_grant');
        }
      });
    });

    describe('the consent page of a client that registered itself (RFC 7591)', () => {
      const register = async (body: Json) => {
        const res = await portico.app.inject({ method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' }, payload: body });
        assert.equal(res.statusCode, 201, res.body);
        return res.json<Json>();
      };
      const metadata = {
        client_name: 'Portico <Official> Records',
        redirect_uris: ['https://records.xn--pple-43d.example/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        scope: 'openid fhirUser patient/Patient.rs',
      };
      const consentFor = async (b: Browser, clientId: string, redirectUri: string) => {
        const page = await b.get(authorizeUrl(request({ client_id: clientId, redirect_uri: redirectUri })));
        assert.ok(isConsentPage(page), page.body);
        return page.body;
      };
      const UNVERIFIED = /<p class="warning"><strong>Unverified app\.<\/strong>/;

      it('shows the host the answer goes to and an unverified notice until an administrator reviews it; the client’s own update needs a new review', async () => {
        const b = await signedIn(PATIENT);
        // An administrator's client: its host, no notice.
        const own = await consentFor(b, 'consent-app', REDIRECT);
        assert.match(own, /you will be sent to <strong>smart-app\.example<\/strong>/);
        assert.doesNotMatch(own, /Unverified/);

        const registered = await register(metadata);
        const clientId = String(registered.client_id);
        const redirect = metadata.redirect_uris[0] ?? '';
        const page = await consentFor(b, clientId, redirect);
        assert.match(page, UNVERIFIED);
        assert.match(page, /“Portico &lt;Official&gt; Records” registered itself with this server, and no administrator has checked who made it/);
        assert.match(page, /you will be sent to <strong>records\.xn--pple-43d\.example<\/strong>/);
        assert.doesNotMatch(page, /<Official>/);
        // The notice changes nothing about the flow: allowing still works.
        const r = request({ client_id: clientId, redirect_uri: redirect });
        const allowed = await answerConsent(b, await b.get(authorizeUrl(r)), 'allow');
        await tokenFor(codeFrom(allowed, redirect), r);

        // An administrator reviews it: no notice.
        const stored = await admin('GET', `/Client/${clientId}`);
        assert.equal(stored.status, 200, stored.text);
        const reviewed = { ...stored.body, registration: { ...stored.body.registration, reviewed: true } };
        const put = await admin('PUT', `/Client/${clientId}`, { body: reviewed });
        assert.equal(put.status, 200, put.text);
        const after = await consentFor(b, clientId, redirect);
        assert.doesNotMatch(after, /Unverified/);
        assert.match(after, /you will be sent to <strong>records\.xn--pple-43d\.example<\/strong>/);

        // The client changes its own registration (RFC 7592): unverified again.
        const update = await portico.app.inject({
          method: 'PUT',
          url: `/auth/register/${clientId}`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${String(registered.registration_access_token)}` },
          payload: { ...metadata, client_id: clientId, redirect_uris: ['https://elsewhere.example/cb'] },
        });
        assert.equal(update.statusCode, 200, update.body);
        const changed = await consentFor(b, clientId, 'https://elsewhere.example/cb');
        assert.match(changed, UNVERIFIED);
        assert.match(changed, /you will be sent to <strong>elsewhere\.example<\/strong>/);
      });

      it('a native app’s private-use redirect is named by its scheme', async () => {
        const b = await signedIn(PATIENT);
        const registered = await register({ ...metadata, client_name: 'Native', redirect_uris: ['com.example.native:/oauth'] });
        const page = await consentFor(b, String(registered.client_id), 'com.example.native:/oauth');
        assert.match(page, UNVERIFIED);
        assert.match(page, /you will be sent to <strong>com\.example\.native:<\/strong>/);
      });
    });

    describe('EHR launch context checked against the record', () => {
      const rpc = (params: Json) => admin('POST', '/rpc', { body: { method: GET_LAUNCH_URI, params } });
      const launchOf = async (params: Json): Promise<string> => {
        const res = await rpc({ client: 'silent-app', ...params });
        assert.equal(res.status, 200, res.text);
        return String(res.body.result.launch);
      };
      const ehr = (launch: string, scope = 'launch openid fhirUser patient/Patient.rs patient/Encounter.rs') => request({ launch, scope });
      const mint = (input: Partial<LaunchTokenInput>) =>
        createLaunchToken({ client: 'silent-app', ...input }, { signingKeys: portico.signingKeys, issuer: TEST_BASE_URL, now: () => new Date(clock), newId: randomUUID });

      it('the RPC mints a launch only for an active User, an existing Patient and an Encounter of that patient', async () => {
        const ok = await rpc({ client: 'silent-app', user: PRACTITIONER.id, ctx: { patient: 'ehr-a', encounter: 'enc-a' } });
        assert.equal(ok.status, 200, ok.text);
        assert.deepEqual(decodeJwt(String(ok.body.result.launch)).ctx, { patient: 'ehr-a', encounter: 'enc-a' });

        const inactive = await admin('PUT', '/User/inactive-doctor', { body: { resourceType: 'User', email: 'inactive@ehr.example', active: false } });
        assert.ok(inactive.status === 200 || inactive.status === 201, inactive.text);
        const fhir = fhirClient(portico.app);
        assert.equal((await fhir.put('Patient/gone', { resourceType: 'Patient', id: 'gone' })).status, 201);
        assert.equal((await fhir.delete('Patient/gone')).status, 204);

        const refusals: [string, Json, string, RegExp][] = [
          ['an unknown patient', { user: PRACTITIONER.id, ctx: { patient: 'no-such-patient' } }, 'ctx.patient', /^params\.ctx\.patient: no Patient no-such-patient$/],
          ['a deleted patient', { user: PRACTITIONER.id, ctx: { patient: 'gone' } }, 'ctx.patient', /no Patient gone/],
          ["another patient's encounter", { user: PRACTITIONER.id, ctx: { patient: 'ehr-a', encounter: 'enc-b' } }, 'ctx.encounter', /no Encounter enc-b of Patient ehr-a/],
          ['an unknown encounter', { user: PRACTITIONER.id, ctx: { patient: 'ehr-a', encounter: 'enc-zzz' } }, 'ctx.encounter', /no Encounter enc-zzz of Patient ehr-a/],
          ['an encounter without its patient', { user: PRACTITIONER.id, ctx: { encounter: 'enc-a' } }, 'ctx.encounter', /ctx\.encounter needs params\.ctx\.patient/],
          ['an unknown user', { user: 'no-such-user', ctx: { patient: 'ehr-a' } }, 'user', /^params\.user: no User no-such-user$/],
          ['an inactive user', { user: 'inactive-doctor', ctx: { patient: 'ehr-a' } }, 'user', /User inactive-doctor is not active/],
          ['no user', { ctx: { patient: 'ehr-a' } }, 'user', /params\.user is required/],
        ];
        for (const [problem, params, param, message] of refusals) {
          const res = await rpc({ client: 'silent-app', ...params });
          assert.equal(res.status, 422, `${problem}: ${res.text}`);
          assert.match(String(res.body.error.message), message, problem);
          assert.equal(res.body.error.param, param, problem);
          assert.equal(res.body.result, undefined, problem);
        }
      });

      it('a launch whose patient or encounter went away after it was minted gets no code', async () => {
        const b = await signedIn(PRACTITIONER);
        const fhir = fhirClient(portico.app);
        const put = async (resource: Json) => {
          const res = await fhir.put(`${String(resource.resourceType)}/${String(resource.id)}`, resource);
          assert.ok(res.status === 200 || res.status === 201, res.text);
        };
        await put({ resourceType: 'Patient', id: 'ehr-c' });
        const visit = { resourceType: 'Encounter', id: 'enc-c', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/ehr-c' } };
        await put(visit);

        const good = ehr(await launchOf({ user: PRACTITIONER.id, ctx: { patient: 'ehr-c', encounter: 'enc-c' } }));
        const token = await tokenFor(codeFrom(await b.get(authorizeUrl(good))), good);
        assert.equal(token.patient, 'ehr-c');
        assert.equal(token.encounter, 'enc-c');

        // The encounter moves to another patient, then is deleted; then the patient is deleted.
        const moved = ehr(await launchOf({ user: PRACTITIONER.id, ctx: { patient: 'ehr-c', encounter: 'enc-c' } }));
        const deletedVisit = ehr(await launchOf({ user: PRACTITIONER.id, ctx: { patient: 'ehr-c', encounter: 'enc-c' } }));
        const deletedPatient = ehr(await launchOf({ user: PRACTITIONER.id, ctx: { patient: 'ehr-c' } }));
        await put({ ...visit, subject: { reference: 'Patient/ehr-b' } });
        assert.match(String(assertAppError(await b.get(authorizeUrl(moved)), 'invalid_request').get('error_description')), /encounter of this launch/);
        assert.equal((await fhir.delete('Encounter/enc-c')).status, 204);
        assert.match(String(assertAppError(await b.get(authorizeUrl(deletedVisit)), 'invalid_request').get('error_description')), /encounter of this launch/);
        assert.equal((await fhir.delete('Patient/ehr-c')).status, 204);
        const params = assertAppError(await b.get(authorizeUrl(deletedPatient)), 'invalid_request');
        assert.match(String(params.get('error_description')), /patient of this launch is no longer in the record/);
        assert.doesNotMatch(String(params.get('error_description')), /ehr-c/);

        // A launch token naming a patient that never existed (as the RPC minted before) is refused the same way.
        const forged = ehr(await mint({ user: PRACTITIONER.id, patient: 'no-such-patient' }));
        assertAppError(await b.get(authorizeUrl(forged)), 'invalid_request');
      });

      it('a launch is for one user: one naming nobody is refused before sign-in; a deactivated user cannot redeem theirs', async () => {
        const anonymous = browser(portico.app);
        const named = ehr(await mint({ user: DOCTOR.id, patient: 'ehr-a' }));
        signInReturn(await anonymous.get(authorizeUrl(named)));
        const nobody = ehr(await mint({ patient: 'ehr-a' }));
        assert.match(String(assertAppError(await anonymous.get(authorizeUrl(nobody)), 'invalid_request').get('error_description')), /names no user/);
        const signedInDoctor = await signedIn(DOCTOR);
        assertAppError(await signedInDoctor.get(authorizeUrl(ehr(await mint({ patient: 'ehr-a' })))), 'invalid_request');
        assert.match(String(assertAppError(await signedInDoctor.get(authorizeUrl(ehr(await mint({ user: PRACTITIONER.id, patient: 'ehr-a' })))), 'invalid_request').get('error_description')), /another user/);

        // The doctor's own launch works…
        const own = ehr(await launchOf({ user: DOCTOR.id, ctx: { patient: 'ehr-a' } }));
        assert.equal((await tokenFor(codeFrom(await signedInDoctor.get(authorizeUrl(own))), own)).patient, 'ehr-a');
        // …until the doctor is deactivated: the session ends, signing in again is refused, no code is issued.
        const pending = ehr(await launchOf({ user: DOCTOR.id, ctx: { patient: 'ehr-a' } }));
        const stored = await admin('GET', `/User/${DOCTOR.id}`);
        const deactivated = await admin('PUT', `/User/${DOCTOR.id}`, { body: { ...stored.body, active: false } });
        assert.equal(deactivated.status, 200, deactivated.text);
        const returnTo = signInReturn(await signedInDoctor.get(authorizeUrl(pending)));
        assert.equal((await signedInDoctor.signIn(DOCTOR.email, DOCTOR.password, returnTo)).statusCode, 401);
        signInReturn(await signedInDoctor.get(authorizeUrl(pending)));
        const rpcRefused = await rpc({ client: 'silent-app', user: DOCTOR.id, ctx: { patient: 'ehr-a' } });
        assert.equal(rpcRefused.status, 422, rpcRefused.text);
      });
    });
  });
}
