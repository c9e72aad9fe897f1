import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { FormBrowser, formIn, type Hop } from '../browser/support/form-browser.ts';
import { startListeningPortico, type ListeningPortico } from '../browser/support/listening-portico.ts';
import { auditEvents } from '../support/audit-read.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { FORGED_DEFAULT_CLIENT, startForgedUpstream, type ForgedScenario, type ForgedUpstream } from '../support/forged-upstream.ts';
import { drivers } from '../support/portico.ts';
import { signInAtUpstream, startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.ts';

const TENANT = 'hospital';
const OTHER = 'clinic';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const APP_REDIRECT = 'http://federated-app.example/callback';
const UPSTREAM_SECRET = 'upstream-registration-secret-0123456789';
const ACCOUNTS = {
  'dr-grey': { email: 'meredith.grey@hospital.example', email_verified: true, given_name: 'Meredith', family_name: 'Grey', staff_id: '1234567893', groups: ['clinicians', 'portico-admins'] },
  'dr-nobody': { email: 'nobody@hospital.example', email_verified: true, name: 'Doctor Nobody', staff_id: '9999999999', groups: ['clinicians'] },
  'nurse-link': { email: 'nurse@hospital.example', email_verified: true, name: 'Nurse Linked', staff_id: '1234567893' },
  'stranger': { email: 'stranger@elsewhere.example', email_verified: true, name: 'A Stranger', staff_id: '0000000000' },
};

const mapping = (provisioning: 'jit' | 'existing-only') => ({
  user_claim: 'sub',
  fhirUser: { type: 'identifier', claim: 'staff_id', system: NPI, resourceType: 'Practitioner' },
  roles: { claim: 'groups', values: { 'portico-admins': 'admin' } },
  provisioning,
});

/**
 * Sign-in through a tenant's identity provider, over HTTP against a listening Portico: a real upstream OpenID provider
 * (node-oidc-provider, its own login and consent pages) for the journeys, and a forged one for answers that must be
 * refused (id_token signature, audience, nonce, RFC 9207 iss). Each refusal is shown beside the same journey succeeding.
 */
for (const driver of drivers) {
  describe(`Federated sign-in through a tenant's identity provider (${driver})`, () => {
    let server: ListeningPortico;
    let upstream: UpstreamOidc;
    let userinfoUpstream: UpstreamOidc;
    let forged: ForgedUpstream;
    const tenantBase = () => `${server.baseUrl}/t/${TENANT}`;
    const callback = (tenant: string, id: string) => `${server.baseUrl}/t/${tenant}/auth/federation/${id}/callback`;

    const root = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': path.includes('/fhir/') ? 'application/fhir+json' : 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const put = async (path: string, body: unknown) => {
      const res = await root('PUT', path, body);
      assert.ok(res.status === 200 || res.status === 201, `PUT ${path}: ${res.status} ${JSON.stringify(res.json)}`);
      return res.json;
    };
    const usersOf = async (tenant: string) => {
      const res = await root('GET', `/t/${tenant}/User?_count=100`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return ((res.json.entry ?? []) as { resource: Record<string, unknown> }[]).map((e) => e.resource);
    };

    before(async () => {
      server = await startListeningPortico({}, driver);
      const ids = ['hospital-sso', 'hospital-linked'];
      upstream = await startUpstreamOidc({
        clients: [
          { client_id: 'portico', client_secret: UPSTREAM_SECRET, redirect_uris: [...ids.map((id) => callback(TENANT, id)), callback(OTHER, 'clinic-sso')] },
          // Registered with Portico's published keys: it authenticates with a private_key_jwt assertion.
          { client_id: 'portico-keys', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${server.baseUrl}/.well-known/jwks.json`, redirect_uris: [callback(TENANT, 'hospital-keys')] },
        ],
        accounts: ACCOUNTS,
      });
      // An upstream whose id_token carries `sub` alone: the mapping's claims are at its userinfo endpoint.
      userinfoUpstream = await startUpstreamOidc({
        clients: [{ client_id: 'portico', client_secret: UPSTREAM_SECRET, redirect_uris: [callback(TENANT, 'hospital-userinfo')] }],
        accounts: ACCOUNTS,
        claimsAtUserinfoOnly: true,
      });
      forged = await startForgedUpstream({ clients: [{ ...FORGED_DEFAULT_CLIENT, redirect_uris: [callback(TENANT, 'hospital-forged')] }] });
      await put(`/Tenant/${TENANT}`, { name: 'General Hospital' });
      await put(`/Tenant/${OTHER}`, { name: 'Small Clinic' });
      await put(`/t/${TENANT}/fhir/Practitioner/prac-grey`, { resourceType: 'Practitioner', id: 'prac-grey', identifier: [{ system: NPI, value: '1234567893' }], name: [{ family: 'Grey', given: ['Meredith'] }] });
      await put(`/t/${TENANT}/fhir/Patient/pat-1`, { resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Doe', given: ['Jane'] }] });
      // The same NPI at the other tenant: a sign-in at the hospital must never land on it.
      await put(`/t/${OTHER}/fhir/Practitioner/prac-grey`, { resourceType: 'Practitioner', id: 'prac-grey', identifier: [{ system: NPI, value: '1234567893' }] });
      const provider = (title: string, provisioning: 'jit' | 'existing-only', tenant = TENANT, issuer = upstream.issuer) => ({
        title,
        issuer,
        client_id: 'portico',
        client_secret: UPSTREAM_SECRET,
        scopes: ['openid', 'email', 'profile', 'staff', 'groups'],
        meta: { _tenant: tenant },
        mapping: mapping(provisioning),
      });
      await put('/IdentityProvider/hospital-sso', provider('Hospital SSO', 'jit'));
      await put('/IdentityProvider/hospital-linked', provider('Hospital staff directory', 'existing-only'));
      await put('/IdentityProvider/clinic-sso', provider('Clinic SSO', 'jit', OTHER));
      await put('/IdentityProvider/hospital-userinfo', provider('Hospital userinfo', 'jit', TENANT, userinfoUpstream.issuer));
      const { client_secret: _secret, ...withoutSecret } = provider('Hospital keys', 'jit');
      await put('/IdentityProvider/hospital-keys', { ...withoutSecret, client_id: 'portico-keys', token_endpoint_auth_method: 'private_key_jwt' });
      await put('/IdentityProvider/hospital-forged', { ...provider('Forged', 'jit', TENANT, forged.issuer), client_id: FORGED_DEFAULT_CLIENT.client_id, client_secret: FORGED_DEFAULT_CLIENT.client_secret });
      await put('/Client/hospital-app', {
        name: 'Ward rounds',
        type: 'smart-app',
        grant_types: ['authorization_code'],
        scope: ['openid', 'fhirUser', 'user/Patient.rs'],
        auth: { authorization_code: { redirect_uri: APP_REDIRECT, secret_required: false, pkce: true } },
        meta: { _tenant: TENANT },
      });
    });
    after(async () => {
      await server?.stop();
      await upstream?.close();
      await userinfoUpstream?.close();
      await forged?.close();
    });

    /** An authorization request of the hospital's app (standalone, a practitioner's scopes), with its PKCE verifier. */
    const authorization = (extra: Record<string, string> = {}) => {
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'hospital-app',
        redirect_uri: APP_REDIRECT,
        scope: 'openid fhirUser user/Patient.rs',
        state: randomBytes(8).toString('hex'),
        aud: `${tenantBase()}/fhir`,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...extra,
      });
      return { url: `${tenantBase()}/auth/authorize?${query}`, verifier };
    };

    /** From the tenant's sign-in page, the "Sign in with {title}" link followed: the redirect to the upstream. */
    const startAt = async (browser: FormBrowser, signInPage: Hop, title: string): Promise<Hop> => {
      assert.equal(signInPage.status, 200, signInPage.body);
      const link = new RegExp(`<a class="button-link[^"]*" href="([^"]+)">Sign in with ${title}</a>`).exec(signInPage.body);
      assert.ok(link?.[1], `no "Sign in with ${title}" on ${signInPage.url}:\n${signInPage.body}`);
      const start = await browser.request(new URL(link[1].replace(/&amp;/g, '&'), signInPage.url).href);
      assert.equal(start.status, 303, start.body);
      return start;
    };

    /** The app's authorization through the upstream's sign-in, up to Portico's consent page (after the callback). */
    const signInThroughUpstream = async (browser: FormBrowser, login: string, provider = 'Hospital SSO') => {
      const request = authorization();
      const toSignIn = await browser.request(request.url);
      assert.equal(toSignIn.status, 303, toSignIn.body);
      const start = await startAt(browser, await browser.request(toSignIn.location as string), provider);
      const back = await signInAtUpstream(browser, start, login);
      assert.ok(back.location?.startsWith(`${tenantBase()}/auth/federation/`), back.location);
      const returned = await browser.request(back.location as string);
      return { request, back, returned };
    };

    /** Allows the consent page as offered; the code redeemed at the tenant's token endpoint. */
    const consentAndRedeem = async (browser: FormBrowser, consentPage: Hop, verifier: string) => {
      assert.equal(consentPage.status, 200, consentPage.body);
      const allowed = await browser.submit(formIn(consentPage, /\/auth\/authorize\/decision$/), { decision: 'allow' });
      assert.equal(allowed.status, 303, allowed.body);
      const code = new URL(allowed.location as string).searchParams.get('code');
      assert.ok(code, allowed.location);
      const token = await fetch(`${tenantBase()}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: APP_REDIRECT, client_id: 'hospital-app' }),
      });
      const body = (await token.json()) as Record<string, unknown>;
      assert.equal(token.status, 200, JSON.stringify(body));
      return body;
    };

    it("shows the tenant's providers on its sign-in page, and none of another tenant's", async () => {
      const hospital = await new FormBrowser().request(`${tenantBase()}/auth/login`);
      assert.equal(hospital.status, 200);
      assert.match(hospital.body, /Sign in with Hospital SSO/);
      assert.match(hospital.body, /Sign in with Hospital staff directory/);
      assert.match(hospital.body, /name="password"/, 'password sign-in stays on by default');
      assert.doesNotMatch(hospital.body, /Clinic SSO/);
      const clinic = await new FormBrowser().request(`${server.baseUrl}/t/${OTHER}/auth/login`);
      assert.match(clinic.body, /Sign in with Clinic SSO/);
      assert.doesNotMatch(clinic.body, /Hospital SSO/);
      const root = await new FormBrowser().request(`${server.baseUrl}/auth/login`);
      assert.doesNotMatch(root.body, /Sign in with/);
    });

    it('signs a clinician in at the upstream (PKCE, state, nonce), back to consent, and issues a token whose fhirUser is the Practitioner found by identifier; the User is made once', async () => {
      const browser = new FormBrowser();
      const request = authorization();
      const toSignIn = await browser.request(request.url);
      const start = await startAt(browser, await browser.request(toSignIn.location as string), 'Hospital SSO');
      const upstreamRequest = new URL(start.location as string);
      assert.equal(upstreamRequest.origin, upstream.issuer);
      assert.equal(upstreamRequest.searchParams.get('redirect_uri'), callback(TENANT, 'hospital-sso'));
      assert.equal(upstreamRequest.searchParams.get('code_challenge_method'), 'S256');
      assert.ok((upstreamRequest.searchParams.get('state') ?? '').length >= 43);
      assert.ok((upstreamRequest.searchParams.get('nonce') ?? '').length >= 43);
      const back = await signInAtUpstream(browser, start, 'dr-grey');
      assert.equal(new URL(back.location as string).searchParams.get('iss'), upstream.issuer, 'the upstream sends RFC 9207 iss');
      const returned = await browser.request(back.location as string);
      assert.equal(returned.status, 303, returned.body);
      assert.equal(returned.location, request.url, 'back to the authorization request');
      const consent = await browser.request(returned.location);
      assert.match(consent.body, /Ward rounds/);
      const tokens = await consentAndRedeem(browser, consent, request.verifier);
      const idToken = decodeJwt(String(tokens.id_token));
      assert.equal(idToken.fhirUser, `${tenantBase()}/fhir/Practitioner/prac-grey`);
      assert.equal(idToken.iss, tenantBase());

      const made = (await usersOf(TENANT)).filter((u) => JSON.stringify(u.identities ?? []).includes('dr-grey'));
      assert.equal(made.length, 1);
      assert.deepEqual(made[0]?.identities, [{ issuer: upstream.issuer, subject: 'dr-grey' }]);
      assert.equal(made[0]?.fhirUser, 'Practitioner/prac-grey');
      assert.deepEqual(made[0]?.roles, ['admin'], 'portico-admins → admin; clinicians is not mapped');
      assert.equal(made[0]?.email, ACCOUNTS['dr-grey'].email);
      assert.deepEqual(made[0]?.name, { givenName: 'Meredith', familyName: 'Grey' });

      // A second sign-in (another browser) finds the same User.
      const again = await signInThroughUpstream(new FormBrowser(), 'dr-grey');
      assert.equal(again.returned.status, 303, again.returned.body);
      assert.equal((await usersOf(TENANT)).filter((u) => JSON.stringify(u.identities ?? []).includes('dr-grey')).length, 1);

      const events = await auditEvents(server.portico, { subtype: 'sign-in' }, TENANT);
      const federated = events.filter((e) => e.entity?.some((en) => en.name === 'identity-provider' && en.what?.identifier?.value === 'hospital-sso'));
      assert.ok(federated.length >= 2, 'each federated sign-in is recorded with its provider');
      assert.equal(federated[0]?.agent?.[0]?.who?.identifier?.value ?? federated[0]?.agent?.find((a) => a.who?.identifier)?.who?.identifier?.value, made[0]?.id);
    });

    it('passes prompt=login on to the upstream: a signed-in person authenticates there again', async () => {
      const browser = new FormBrowser();
      const first = await signInThroughUpstream(browser, 'dr-grey');
      assert.equal(first.returned.status, 303, first.returned.body);
      // Signed in: the same request goes straight to consent...
      assert.equal((await browser.request(authorization().url)).status, 200);
      // ...but with prompt=login it asks for a sign-in again, and the upstream is asked to authenticate again.
      const forced = await browser.request(authorization({ prompt: 'login' }).url);
      assert.equal(forced.status, 303);
      assert.match(forced.location as string, /\/auth\/login\?return_to=[^&]+&prompt=login$/);
      const start = await startAt(browser, await browser.request(forced.location as string), 'Hospital SSO');
      assert.equal(new URL(start.location as string).searchParams.get('prompt'), 'login');
      // Without it, the upstream is not told to.
      const plain = await startAt(new FormBrowser(), await new FormBrowser().request((await new FormBrowser().request(authorization().url)).location as string), 'Hospital SSO');
      assert.equal(new URL(plain.location as string).searchParams.get('prompt'), null);
      // idp_hint carries it too.
      const hinted = await browser.request(authorization({ prompt: 'login', idp_hint: 'hospital-sso' }).url);
      assert.match(hinted.location as string, /\/federation\/hospital-sso\/start\?return_to=[^&]+&prompt=login$/);
    });

    it('skips the sign-in page with idp_hint; an unknown hint shows the sign-in page', async () => {
      const browser = new FormBrowser();
      const hinted = authorization({ idp_hint: 'hospital-sso' });
      const toStart = await browser.request(hinted.url);
      assert.equal(toStart.status, 303);
      assert.match(toStart.location as string, new RegExp(`/t/${TENANT}/auth/federation/hospital-sso/start\\?return_to=`));
      const start = await browser.request(toStart.location as string);
      assert.equal(start.status, 303);
      assert.equal(new URL(start.location as string).origin, upstream.issuer);

      const unknown = await browser.request(authorization({ idp_hint: 'nope' }).url);
      const toLogin = await browser.request(unknown.location as string);
      assert.equal(toLogin.status, 303);
      assert.match(toLogin.location as string, new RegExp(`/t/${TENANT}/auth/login\\?return_to=`));
      // Another tenant's provider is unknown here too.
      const foreign = await browser.request(`${tenantBase()}/auth/federation/clinic-sso/start?return_to=%2F`);
      assert.equal(foreign.status, 303);
      assert.match(foreign.location as string, new RegExp(`/t/${TENANT}/auth/login`));
    });

    it('refuses an unknown account with existing-only provisioning, and signs it in once an administrator links it', async () => {
      const refused = await signInThroughUpstream(new FormBrowser(), 'nurse-link', 'Hospital staff directory');
      assert.equal(refused.returned.status, 403, refused.returned.body);
      assert.match(refused.returned.body, /no account here yet/);
      assert.equal((await usersOf(TENANT)).filter((u) => JSON.stringify(u.identities ?? []).includes('nurse-link')).length, 0, 'nobody was made');
      // An unlinked account hears that it has no account, not what its record lacks.
      const stranger = await signInThroughUpstream(new FormBrowser(), 'stranger', 'Hospital staff directory');
      assert.equal(stranger.returned.status, 403, stranger.returned.body);
      assert.match(stranger.returned.body, /no account here yet/);

      await put('/User/nurse', { name: 'Nurse Linked', email: 'nurse.linked@hospital.example', roles: ['practitioner'], identities: [{ issuer: upstream.issuer, subject: 'nurse-link' }], meta: { _tenant: TENANT } });
      const linked = await signInThroughUpstream(new FormBrowser(), 'nurse-link', 'Hospital staff directory');
      assert.equal(linked.returned.status, 303, linked.returned.body);
      const nurse = (await root('GET', '/User/nurse')).json;
      assert.equal(nurse.fhirUser, 'Practitioner/prac-grey', 'the mapping gives the linked User their fhirUser');
      assert.deepEqual(nurse.roles, ['practitioner'], 'roles the mapping does not grant are kept');

      const failures = await auditEvents(server.portico, { subtype: 'sign-in-failed' }, TENANT);
      assert.ok(failures.some((e) => /no User is linked to .* subject nurse-link/.test(e.outcomeDesc ?? '')), 'the refusal is recorded with its reason');
    });

    it("refuses a clinician whose identifier matches no Practitioner of this tenant (another tenant's does not count)", async () => {
      const refused = await signInThroughUpstream(new FormBrowser(), 'dr-nobody');
      assert.equal(refused.returned.status, 403, refused.returned.body);
      assert.match(refused.returned.body, /No single practitioner record/);
      assert.equal((await usersOf(TENANT)).filter((u) => JSON.stringify(u.identities ?? []).includes('dr-nobody')).length, 0);
    });

    it('takes a state once: the same callback again, or in another browser, or at another tenant, is refused', async () => {
      const browser = new FormBrowser();
      const { back, returned } = await signInThroughUpstream(browser, 'dr-grey');
      assert.equal(returned.status, 303, returned.body);
      const replayed = await browser.request(back.location as string);
      assert.equal(replayed.status, 400);
      assert.match(replayed.body, /expired or was already completed/);

      // A callback carried to another browser (a stolen or injected code): no binding cookie there.
      const victim = new FormBrowser();
      const second = new FormBrowser();
      const request = authorization();
      const start = await startAt(second, await second.request((await second.request(request.url)).location as string), 'Hospital SSO');
      const stolen = await signInAtUpstream(second, start, 'dr-grey');
      const elsewhere = await victim.request(stolen.location as string);
      assert.equal(elsewhere.status, 400);
      assert.match(elsewhere.body, /started in another browser/);
      const afterwards = await second.request(stolen.location as string);
      assert.equal(afterwards.status, 400, 'the state was spent by the refused attempt');

      // The hospital's callback brought to the clinic's URL: the state is not the clinic's.
      const third = new FormBrowser();
      const started = await startAt(third, await third.request((await third.request(authorization().url)).location as string), 'Hospital SSO');
      const answer = new URL((await signInAtUpstream(third, started, 'dr-grey')).location as string);
      const atClinic = await third.request(`${server.baseUrl}/t/${OTHER}/auth/federation/hospital-sso/callback${answer.search}`);
      assert.equal(atClinic.status, 400);
      assert.match(atClinic.body, /wrong place/);
    });

    it('authenticates to the upstream with a private_key_jwt assertion signed by its own published key', async () => {
      const browser = new FormBrowser();
      const { request, returned } = await signInThroughUpstream(browser, 'dr-grey', 'Hospital keys');
      assert.equal(returned.status, 303, returned.body);
      const tokens = await consentAndRedeem(browser, await browser.request(returned.location as string), request.verifier);
      assert.equal(decodeJwt(String(tokens.id_token)).fhirUser, `${tenantBase()}/fhir/Practitioner/prac-grey`);
    });

    it("reads the mapping's claims at userinfo when the id_token carries only sub", async () => {
      const browser = new FormBrowser();
      const { request, back, returned } = await signInThroughUpstream(browser, 'nurse-link', 'Hospital userinfo');
      assert.ok(back.location?.includes('/hospital-userinfo/callback'), back.location);
      assert.equal(returned.status, 303, returned.body);
      const tokens = await consentAndRedeem(browser, await browser.request(returned.location as string), request.verifier);
      assert.equal(decodeJwt(String(tokens.id_token)).fhirUser, `${tenantBase()}/fhir/Practitioner/prac-grey`, 'staff_id came from userinfo');
      const made = (await usersOf(TENANT)).find((u) => JSON.stringify(u.identities ?? []).includes(userinfoUpstream.issuer));
      assert.equal(made?.email, ACCOUNTS['nurse-link'].email);
      assert.equal(made?.name, 'Nurse Linked');
    });

    it('lets two sign-ins started in two tabs of one browser both finish', async () => {
      const browser = new FormBrowser();
      const starts = [];
      for (let i = 0; i < 2; i++) {
        starts.push(await startAt(browser, await browser.request((await browser.request(authorization().url)).location as string), 'Forged'));
      }
      const backs = [];
      for (const start of starts) {
        // The forged upstream's scenario holds for the next authorization it sees.
        forged.next({ sub: 'two-tabs', claims: { staff_id: '1234567893' } });
        const back = await browser.request(start.location as string);
        assert.equal(back.status, 302, back.body);
        backs.push(back);
      }
      for (const back of backs) {
        const answer = await browser.request(back.location as string);
        assert.equal(answer.status, 303, answer.body);
      }
    });

    it('makes one User when the same person completes two first sign-ins at once', async () => {
      const started = [];
      for (let i = 0; i < 2; i++) {
        forged.next({ sub: 'twin-first-sign-in', claims: { staff_id: '1234567893', email: 'twin@hospital.example' } });
        const browser = new FormBrowser();
        const start = await startAt(browser, await browser.request((await browser.request(authorization().url)).location as string), 'Forged');
        const back = await browser.request(start.location as string);
        assert.equal(back.status, 302, back.body);
        started.push({ browser, callback: back.location as string });
      }
      const answers = await Promise.all(started.map(({ browser, callback: url }) => browser.request(url)));
      assert.deepEqual(answers.map((a) => a.status), [303, 303], answers.map((a) => a.body).join('\n'));
      const twins = (await usersOf(TENANT)).filter((u) => JSON.stringify(u.identities ?? []).includes('twin-first-sign-in'));
      assert.equal(twins.length, 1);
      assert.equal(twins[0]?.email, 'twin@hospital.example');
    });

    it('records a callback without state, naming the provider only by an id it could have', async () => {
      const plain = await new FormBrowser().request(`${tenantBase()}/auth/federation/hospital-sso/callback?code=x`);
      assert.equal(plain.status, 400);
      assert.match(plain.body, /without the state/);
      const junk = 'not an id<b>';
      const odd = await new FormBrowser().request(`${tenantBase()}/auth/federation/${encodeURIComponent(junk)}/callback?code=x`);
      assert.equal(odd.status, 400);
      const failures = (await auditEvents(server.portico, { subtype: 'sign-in-failed' }, TENANT)).filter((e) => e.outcomeDesc === 'the callback carried no state');
      const named = failures.map((e) => e.entity?.find((en) => en.name === 'identity-provider')?.what?.identifier?.value);
      assert.deepEqual(named.slice(-2), ['hospital-sso', '(not an id)']);
    });

    it("shows the upstream's refusal as a page, recorded", async () => {
      forged.next({ authorizationResponse: { error: 'access_denied' } });
      const browser = new FormBrowser();
      const start = await startAt(browser, await browser.request((await browser.request(authorization().url)).location as string), 'Forged');
      const back = await browser.request(start.location as string);
      const page = await browser.request(back.location as string);
      assert.equal(page.status, 403, page.body);
      assert.match(page.body, /Forged did not sign you in \(access_denied/);
      assert.match(page.body, /Back to sign-in/);
    });

    describe('an answer that does not verify is refused, after the same journey succeeds', () => {
      /** One journey through the forged upstream with a scenario: the callback's answer. */
      const throughForged = async (scenario: ForgedScenario) => {
        forged.next({ sub: 'forged-clinician', claims: { staff_id: '1234567893' }, ...scenario });
        const browser = new FormBrowser();
        const start = await startAt(browser, await browser.request((await browser.request(authorization().url)).location as string), 'Forged');
        const back = await browser.request(start.location as string);
        assert.equal(back.status, 302, back.body);
        return { browser, answer: await browser.request(back.location as string) };
      };

      it('signs in with a correct answer, fetching the upstream JWKS once for several sign-ins', async () => {
        const { answer } = await throughForged({});
        assert.equal(answer.status, 303, answer.body);
        const fetched = forged.jwksRequests;
        assert.ok(fetched >= 1, 'the signature was checked against the published keys');
        assert.equal((await throughForged({})).answer.status, 303);
        assert.equal(forged.jwksRequests, fetched, 'the second sign-in reused the keys');
      });

      const refusals: [string, ForgedScenario, RegExp][] = [
        ['an id_token signed with a key the upstream does not publish', { idToken: { signWith: 'unpublished-key' } }, /signature/i],
        ['an id_token changed after signing', { idToken: { tamper: 'payload' } }, /signature/i],
        ['an unsigned id_token (alg none)', { idToken: { alg: 'none' } }, /alg/i],
        ['an id_token for another client (aud)', { idToken: { aud: 'someone-else' } }, /aud/i],
        ['an id_token with the wrong nonce', { idToken: { nonce: 'not-the-nonce' } }, /nonce/i],
        ['an id_token of another issuer', { idToken: { iss: 'https://evil.example' } }, /iss/i],
        ['an expired id_token', { idToken: { exp: Math.floor(Date.now() / 1000) - 3600 } }, /exp|timestamp/i],
        ['a callback whose RFC 9207 iss names another issuer (mix-up)', { authorizationResponse: { iss: 'https://evil.example' } }, /iss/i],
        ['a callback without iss from an upstream that promises it', { authorizationResponse: { iss: null } }, /iss/i],
      ];
      for (const [what, scenario, reason] of refusals) {
        it(`refuses ${what}`, async () => {
          const { browser, answer } = await throughForged(scenario);
          assert.equal(answer.status, 502, answer.body);
          assert.match(answer.body, /could not be verified/);
          assert.doesNotMatch(answer.body, /at \w+ \(|Error:/, 'no stack trace');
          // Not signed in: the authorization request still asks for a sign-in.
          const again = await browser.request(authorization().url);
          assert.equal(again.status, 303);
          assert.match(again.location as string, /\/auth\/login\?/);
          const failures = await auditEvents(server.portico, { subtype: 'sign-in-failed' }, TENANT);
          const last = failures.at(-1);
          assert.ok(last?.outcomeDesc?.startsWith("the identity provider's answer was refused"), last?.outcomeDesc);
          assert.match(last?.outcomeDesc ?? '', reason);
        });
      }
    });

    it('turns password sign-in off for the tenant once a provider exists: no form, and a posted password is refused', async () => {
      const before = new FormBrowser();
      const page = await before.request(`${tenantBase()}/auth/login`);
      assert.match(page.body, /name="password"/);
      await put(`/Tenant/${TENANT}`, { name: 'General Hospital', password_login: false });
      try {
        const browser = new FormBrowser();
        const off = await browser.request(`${tenantBase()}/auth/login`);
        assert.equal(off.status, 200);
        assert.doesNotMatch(off.body, /name="password"/);
        assert.match(off.body, /Sign in with Hospital SSO/);
        // The old form, posted anyway (its CSRF token from before is this browser's: take a fresh one from another page).
        const posted = await before.submit(formIn(page, /\/auth\/login$/), { username: 'nurse.linked@hospital.example', password: 'whatever-password' });
        assert.equal(posted.status, 403, posted.body);
        assert.match(posted.body, /identity provider only/);
        // The last active provider cannot be turned off while passwords are off.
        const last = await root('PUT', '/IdentityProvider/hospital-sso', { title: 'Hospital SSO', issuer: upstream.issuer, client_id: 'portico', active: false, meta: { _tenant: TENANT } });
        assert.equal(last.status, 200, 'others remain active');
      } finally {
        await put('/IdentityProvider/hospital-sso', { title: 'Hospital SSO', issuer: upstream.issuer, client_id: 'portico', scopes: ['openid', 'email', 'profile', 'staff', 'groups'], meta: { _tenant: TENANT }, mapping: mapping('jit') });
        await put(`/Tenant/${TENANT}`, { name: 'General Hospital', password_login: true });
      }
    });
  });
}
