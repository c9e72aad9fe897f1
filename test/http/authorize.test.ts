import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://smart-app.example/redirect';
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };
const SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs';
// Characters that must come back exactly: spaces, plus, percent, ampersand, unicode.
const ODD_STATE = 'st ate+/%&=ü-1';

const verifier = () => randomBytes(48).toString('base64url');
const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');

const PUBLIC_CLIENT = {
  resourceType: 'Client',
  active: true,
  name: 'Public Demo App',
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  type: 'smart-app',
  grant_types: ['code'],
};

function authorizeParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'public-app',
    redirect_uri: REDIRECT,
    scope: SCOPE,
    state: ODD_STATE,
    aud: FHIR_BASE,
    code_challenge: challengeOf(verifier()),
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

const authorizeUrl = (params: Record<string, string>) => `/auth/authorize?${new URLSearchParams(params).toString()}`;

/** The parameters of a redirect back to the app. */
function redirectParams(res: LightMyRequestResponse): URLSearchParams {
  const location = String(res.headers.location);
  assert.ok(location.startsWith(`${REDIRECT}?`), `expected a redirect to the app, got ${res.statusCode} ${location}`);
  return new URL(location).searchParams;
}

/** `state: null` when the request had none. */
function assertErrorRedirect(res: LightMyRequestResponse, error: string, state: string | null = ODD_STATE) {
  const params = redirectParams(res);
  assert.equal(params.get('error'), error, params.get('error_description') ?? '');
  assert.ok(params.get('error_description'));
  assert.equal(params.get('state'), state);
  assert.equal(params.get('code'), null);
}

function assertErrorPage(res: LightMyRequestResponse) {
  assert.equal(res.statusCode, 400);
  assert.equal(res.headers.location, undefined);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
}

for (const driver of drivers) {
  describe(`authorization endpoint (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      const put = async (id: string, client: Record<string, unknown>) => {
        const res = await portico.app.inject({ method: 'PUT', url: `/Client/${id}`, headers: { authorization: ROOT_BASIC }, payload: client });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
      };
      await put('public-app', PUBLIC_CLIENT);
      await put('inactive-app', { ...PUBLIC_CLIENT, active: false });
      await put('first-party-app', { ...PUBLIC_CLIENT, first_party: true });
      await put('limited-app', { ...PUBLIC_CLIENT, scope: ['launch/patient', 'patient/Patient.rs'] });
      const confidential = { auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: true } }, secret: 'conf-secret-1234' };
      await put('confidential-app', { ...PUBLIC_CLIENT, ...confidential });
      await put('confidential-pkce-app', { ...PUBLIC_CLIENT, auth: { authorization_code: { ...confidential.auth.authorization_code, pkce: true } }, secret: 'conf-secret-1234' });
      await put('backend-app', { ...PUBLIC_CLIENT, ...confidential, grant_types: ['client_credentials'] });
    });
    after(() => portico.stop());

    const signedIn = async (who = PATIENT): Promise<Browser> => {
      const b = browser(portico.app);
      const res = await b.signIn(who.email, who.password);
      assert.equal(res.statusCode, 303);
      return b;
    };

    /** Authorize → consent page → the decision, as a browser: the boxes checked on the page (all, or those `keep` keeps). */
    const consent = async (b: Browser, params: Record<string, string>, decision: 'allow' | 'deny', keep?: (scope: string) => boolean) => {
      const page = await b.get(authorizeUrl(params));
      assert.equal(page.statusCode, 200, page.body);
      const request = /name="authorize_request" value="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(request);
      const offered = [...page.body.matchAll(/type="checkbox" id="[^"]+" name="scope" value="([^"]+)" checked>/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), authorize_request: request.replace(/&amp;/g, '&'), decision });
      for (const scope of offered) if (!keep || keep(scope)) form.append('scope', scope);
      const res = await portico.app.inject({
        method: 'POST',
        url: '/auth/authorize/decision',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: form.toString(),
      });
      return { page, res, offered };
    };

    const redeem = async (code: string, codeVerifier: string, clientId = 'public-app') =>
      portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: codeVerifier }).toString(),
      });

    it('an unknown, inactive or missing client shows an error page and never redirects', async () => {
      const b = await signedIn();
      for (const client_id of ['no-such-app', 'inactive-app', undefined]) {
        assertErrorPage(await b.get(authorizeUrl(authorizeParams({ client_id }))));
      }
    });

    it('a redirect_uri not registered exactly shows an error page, GET and POST alike', async () => {
      const b = await signedIn();
      for (const redirect_uri of ['http://evil.example/redirect', `${REDIRECT}/`, `${REDIRECT}?x=1`, undefined]) {
        assertErrorPage(await b.get(authorizeUrl(authorizeParams({ redirect_uri }))));
        assertErrorPage(await b.post('/auth/authorize', authorizeParams({ redirect_uri })));
      }
    });

    it('request errors go back to the app with state echoed exactly and no code', async () => {
      const b = await signedIn();
      const cases: [Record<string, string | undefined>, string][] = [
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ response_type: undefined }, 'invalid_request'],
        [{ scope: undefined }, 'invalid_scope'],
        [{ scope: 'patient/NoSuchType.rs nonsense' }, 'invalid_scope'],
        [{ aud: 'http://other.example/fhir' }, 'invalid_request'],
        [{ aud: undefined }, 'invalid_request'],
        [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
        [{ code_challenge_method: 'plain' }, 'invalid_request'],
        [{ code_challenge_method: undefined }, 'invalid_request'],
        [{ code_challenge: 'too-short' }, 'invalid_request'],
        [{ launch: 'some-launch-token' }, 'invalid_request'],
      ];
      for (const [overrides, error] of cases) {
        const get = await b.get(authorizeUrl(authorizeParams(overrides)));
        assert.equal(get.statusCode, 302);
        assertErrorRedirect(get, error);
        const post = await b.post('/auth/authorize', authorizeParams(overrides));
        assert.equal(post.statusCode, 303);
        assertErrorRedirect(post, error);
      }
      assertErrorRedirect(await b.get(authorizeUrl(authorizeParams({ state: undefined }))), 'invalid_request', null);
    });

    it('PKCE is required of clients configured for it, optional for other confidential ones; repeats and other grants refused', async () => {
      const b = await signedIn();
      const noPkce = { code_challenge: undefined, code_challenge_method: undefined };
      assertErrorRedirect(await b.get(authorizeUrl(authorizeParams({ client_id: 'confidential-pkce-app', ...noPkce }))), 'invalid_request');
      const optional = await b.get(authorizeUrl(authorizeParams({ client_id: 'confidential-app', ...noPkce })));
      assert.equal(optional.statusCode, 200);
      assert.match(optional.body, /name="decision" value="allow"/);
      assertErrorRedirect(await b.get(authorizeUrl(authorizeParams({ client_id: 'confidential-app', code_challenge_method: 'plain' }))), 'invalid_request');
      assertErrorRedirect(await b.get(authorizeUrl(authorizeParams({ client_id: 'backend-app' }))), 'unauthorized_client');
      assertErrorRedirect(await b.get(`${authorizeUrl(authorizeParams())}&scope=openid`), 'invalid_request');
    });

    it('accepts aud with a trailing slash', async () => {
      const b = await signedIn();
      const res = await b.get(authorizeUrl(authorizeParams({ aud: `${FHIR_BASE}/` })));
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /name="decision" value="allow"/);
    });

    it('without a session: 303 to the sign-in page, which comes back to the same request (POST becomes GET)', async () => {
      const params = authorizeParams();
      const anonymous = browser(portico.app);
      // A POST without any cookie is first turned into the same GET (see the cross-site test below).
      const getAgain = await anonymous.post('/auth/authorize', params);
      assert.equal(getAgain.statusCode, 303);
      assert.equal(getAgain.headers.location, authorizeUrl(params));
      // A session cookie whose session has ended: the user must sign in again, GET or POST.
      const ended = await signedIn();
      const cookie = ended.jar.header();
      const logout = await ended.get('/auth/logout');
      assert.equal((await ended.post('/auth/logout', { csrf_token: csrfTokenIn(logout.body) })).statusCode, 200);
      for (const res of [await anonymous.get(authorizeUrl(params)), await anonymous.post('/auth/authorize', params, { cookie })]) {
        assert.equal(res.statusCode, 303);
        const location = new URL(String(res.headers.location), TEST_BASE_URL);
        assert.equal(location.pathname, '/auth/login');
        const returnTo = new URL(location.searchParams.get('return_to') ?? '', TEST_BASE_URL);
        assert.equal(returnTo.pathname, '/auth/authorize');
        assert.deepEqual(Object.fromEntries(returnTo.searchParams), params);
      }
      // Signing in from there lands back on the request: now the consent page.
      const login = await anonymous.get(String((await anonymous.get(authorizeUrl(params))).headers.location));
      const signedInRes = await anonymous.post('/auth/login', { ...PATIENT_FORM, csrf_token: csrfTokenIn(login.body), return_to: `/auth/authorize?${new URLSearchParams(params)}` });
      assert.equal(signedInRes.statusCode, 303);
      const again = await anonymous.get(String(signedInRes.headers.location));
      assert.equal(again.statusCode, 200);
      assert.match(again.body, /Public Demo App/);
    });

    it('consent, allow, code, token: the access token carries the signed-in patient (end to end)', async () => {
      const b = await signedIn();
      const codeVerifier = verifier();
      const params = authorizeParams({ code_challenge: challengeOf(codeVerifier), nonce: 'n-0S6_WzA2Mj' });
      const { page, res, offered } = await consent(b, params, 'allow');
      assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
      assert.deepEqual(offered, SCOPE.split(' '));
      assert.equal(res.statusCode, 303);
      const back = redirectParams(res);
      assert.equal(back.get('state'), ODD_STATE);
      assert.equal(back.get('error'), null);
      const code = back.get('code');
      assert.ok(code);

      const token = await redeem(code, codeVerifier);
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Record<string, unknown>;
      assert.equal(body.patient, 'test-pt-1');
      assert.equal(body.need_patient_banner, true);
      assert.deepEqual(String(body.scope).split(' ').sort(), SCOPE.split(' ').sort());
      const claims = decodeJwt(String(body.access_token));
      assert.equal(claims.patient, 'test-pt-1');
      assert.equal(claims.client_id, 'public-app');
      assert.equal(decodeJwt(String(body.id_token)).nonce, 'n-0S6_WzA2Mj');
      // The code is single-use.
      assert.equal((await redeem(code, codeVerifier)).statusCode, 400);
    });

    it('a cross-site POST (no Lax cookie) is answered 303 to the same request as a GET, which completes without signing in again', async () => {
      const b = await signedIn();
      const codeVerifier = verifier();
      const params = authorizeParams({ client_id: 'first-party-app', code_challenge: challengeOf(codeVerifier) });
      // The browser drops the SameSite=Lax cookie on a cross-site form POST.
      const crossSite = await portico.app.inject({
        method: 'POST',
        url: '/auth/authorize',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://smart-app.example' },
        payload: new URLSearchParams(params).toString(),
      });
      assert.equal(crossSite.statusCode, 303);
      const location = new URL(String(crossSite.headers.location), TEST_BASE_URL);
      assert.equal(location.pathname, '/auth/authorize');
      assert.deepEqual(Object.fromEntries(location.searchParams), params);
      // The top-level GET that follows carries the cookie: straight to the code, no sign-in page.
      const res = await b.get(`${location.pathname}${location.search}`);
      assert.equal(res.statusCode, 302, res.body);
      const code = redirectParams(res).get('code');
      assert.ok(code);
      assert.equal((await redeem(code, codeVerifier, 'first-party-app')).statusCode, 200);
    });

    it('a cross-site POST is turned into a GET only once the client and redirect_uri are trusted and the request is sound', async () => {
      const post = (params: Record<string, string>) =>
        portico.app.inject({ method: 'POST', url: '/auth/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(params).toString() });
      assertErrorPage(await post(authorizeParams({ client_id: 'no-such-app' })));
      assertErrorPage(await post(authorizeParams({ redirect_uri: 'http://evil.example/redirect' })));
      const bad = await post(authorizeParams({ code_challenge_method: 'plain' }));
      assert.equal(bad.statusCode, 303);
      assertErrorRedirect(bad, 'invalid_request');
    });

    it('the same flow works when the app POSTs the authorization request', async () => {
      const b = await signedIn();
      const codeVerifier = verifier();
      const params = authorizeParams({ code_challenge: challengeOf(codeVerifier) });
      const page = await b.post('/auth/authorize', params);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /name="scope" value="patient\/Observation.rs"/);
    });

    it('deny → access_denied with state, no code', async () => {
      const { res } = await consent(await signedIn(), authorizeParams(), 'deny');
      assert.equal(res.statusCode, 303);
      assertErrorRedirect(res, 'access_denied');
    });

    it('unchecked scopes are not granted', async () => {
      const codeVerifier = verifier();
      const { res } = await consent(await signedIn(), authorizeParams({ code_challenge: challengeOf(codeVerifier) }), 'allow', (s) => s !== 'patient/Observation.rs' && s !== 'offline_access');
      const code = redirectParams(res).get('code');
      assert.ok(code);
      const body = (await redeem(code, codeVerifier)).json() as Record<string, unknown>;
      const granted = String(body.scope).split(' ');
      assert.ok(!granted.includes('patient/Observation.rs'));
      assert.ok(!granted.includes('offline_access'));
      assert.ok(granted.includes('patient/Patient.rs'));
      assert.equal(body.refresh_token, undefined);
    });

    it('a decision cannot add scopes that were not offered, and needs the CSRF token', async () => {
      const b = await signedIn();
      const codeVerifier = verifier();
      const params = authorizeParams({ client_id: 'limited-app', code_challenge: challengeOf(codeVerifier) });
      const page = await b.get(authorizeUrl(params));
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /patient\/Observation.rs/);
      const request = new URLSearchParams(params).toString();
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), authorize_request: request, decision: 'allow' });
      for (const scope of ['patient/Patient.rs', 'patient/Observation.rs', 'launch/patient']) form.append('scope', scope);
      const post = (payload: string) =>
        portico.app.inject({ method: 'POST', url: '/auth/authorize/decision', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() }, payload });
      const forged = new URLSearchParams(form);
      forged.set('csrf_token', 'forged');
      const refused = await post(forged.toString());
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.headers.location, undefined);
      const res = await post(form.toString());
      const code = redirectParams(res).get('code');
      assert.ok(code);
      const body = (await redeem(code, codeVerifier, 'limited-app')).json() as Record<string, unknown>;
      assert.deepEqual(String(body.scope).split(' ').sort(), ['launch/patient', 'patient/Patient.rs']);
    });

    it('a first-party client skips consent: straight to the code', async () => {
      const b = await signedIn();
      const codeVerifier = verifier();
      const res = await b.get(authorizeUrl(authorizeParams({ client_id: 'first-party-app', code_challenge: challengeOf(codeVerifier) })));
      assert.equal(res.statusCode, 302);
      const back = redirectParams(res);
      assert.equal(back.get('state'), ODD_STATE);
      const code = back.get('code');
      assert.ok(code);
      const token = await redeem(code, codeVerifier, 'first-party-app');
      assert.equal(token.statusCode, 200, token.body);
      assert.equal((token.json() as Record<string, unknown>).patient, 'test-pt-1');
    });

    it('a practitioner in a standalone launch chooses the patient on the picker', async () => {
      const put = await portico.app.inject({
        method: 'PUT',
        url: '/fhir/Patient/picked-pt',
        headers: { authorization: ROOT_BASIC, 'content-type': 'application/fhir+json' },
        payload: { resourceType: 'Patient', id: 'picked-pt', name: [{ family: 'Picked' }] },
      });
      assert.ok(put.statusCode === 200 || put.statusCode === 201, put.body);
      const b = await signedIn(PRACTITIONER);
      const codeVerifier = verifier();
      // The patient first: the picker, before consent.
      const picker = await b.get(authorizeUrl(authorizeParams({ code_challenge: challengeOf(codeVerifier) })));
      assert.equal(picker.statusCode, 200, picker.body);
      assert.match(picker.body, /<input type="radio" id="patient-\d+" name="patient" value="picked-pt" required>/);
      assert.match(picker.body, /name="patient_search"/);
      assert.equal(picker.headers.location, undefined);

      /** Posts a page's form as a browser would: its hidden fields, its checked scopes, and `fields`. */
      const post = (page: LightMyRequestResponse, fields: Record<string, string>) => {
        const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), ...fields });
        for (const m of page.body.matchAll(/type="hidden" name="(authorize_request|patient)" value="([^"]+)"/g)) form.append(m[1] ?? '', (m[2] ?? '').replace(/&amp;/g, '&'));
        for (const m of page.body.matchAll(/type="checkbox" id="[^"]+" name="scope" value="([^"]+)" checked>/g)) form.append('scope', (m[1] ?? '').replace(/&amp;/g, '&'));
        return portico.app.inject({ method: 'POST', url: '/auth/authorize/decision', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() }, payload: form.toString() });
      };
      const unknown = await post(picker, { patient: 'no-such-patient', patient_action: 'choose' });
      assert.equal(unknown.statusCode, 200);
      assert.match(unknown.body, /No patient has that id/);
      const consentPage = await post(unknown, { patient: 'picked-pt', patient_action: 'choose' });
      assert.equal(consentPage.statusCode, 200, consentPage.body);
      assert.match(consentPage.body, /Patient: <strong>Picked<\/strong> \(picked-pt\)/);
      const chosen = await post(consentPage, { decision: 'allow' });
      assert.equal(chosen.statusCode, 303);
      const code = redirectParams(chosen).get('code');
      assert.ok(code);
      const token = await redeem(code, codeVerifier);
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Record<string, unknown>;
      assert.equal(body.patient, 'picked-pt');
      assert.deepEqual(String(body.scope).split(' ').sort(), SCOPE.split(' ').sort());
    });
  });
}

const PATIENT_FORM = { username: PATIENT.email, password: PATIENT.password };
