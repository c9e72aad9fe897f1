import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { drivers, type TestPortico } from '../support/portico.ts';
import { CLERK, consoleBrowser, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { tokenRequest } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const PATIENT_ID = 'console-apps-pt';
const SECRET = 'a-console-apps-client-secret';
const basicOf = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

/** A confidential backend-ish client: a secret, client_credentials for system/ reads, approved. */
function confidentialClient(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Client',
    name,
    active: true,
    secret: SECRET,
    type: 'smart-app',
    grant_types: ['authorization_code', 'client_credentials'],
    scope: ['system/*.rs'],
    auth: { authorization_code: { redirect_uri: 'https://app.example/callback', secret_required: true } },
    ...extra,
  };
}

/** A developer's app waiting for review, owned by the clerk. */
function submittedApp(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Client',
    name,
    type: 'patient-facing-smart-app',
    status: 'submitted',
    owner: `User/${CLERK.id}`,
    grant_types: ['authorization_code'],
    scope: ['patient/Patient.rs', 'launch/patient'],
    auth: { authorization_code: { redirect_uri: 'https://dev.example/callback', pkce: true, secret_required: false } },
    ...extra,
  };
}

async function rootGet(app: FastifyInstance, path: string): Promise<Record<string, unknown>> {
  const res = await app.inject({ method: 'GET', url: path, headers: { authorization: rootBasic } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Record<string, unknown>>();
}

/** A client_credentials token for `clientId` (fails the test unless issued). */
async function backendToken(app: FastifyInstance, clientId: string, secret = SECRET): Promise<string> {
  const res = await tokenRequest(app, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, '/auth/token', { authorization: basicOf(clientId, secret) });
  assert.equal(res.statusCode, 200, res.body);
  return String(res.json<{ access_token: string }>().access_token);
}

const fhirRead = (app: FastifyInstance, token: string) => app.inject({ method: 'GET', url: `/fhir/Patient/${PATIENT_ID}`, headers: { authorization: `Bearer ${token}` } });

/** Posts a console form with the CSRF token of the page at `from`. */
async function postFrom(b: Browser, from: string, url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
  const page = await b.get(from);
  assert.equal(page.statusCode, 200, page.body);
  return b.post(url, { ...versionIn(page.body), ...form, csrf_token: csrfTokenIn(page.body) });
}

/** The version of the app a page shows (its review and edit forms send it), when it shows one. */
function versionIn(body: string): { version?: string } {
  const version = /name="version" value="([^"]+)"/.exec(body)?.[1];
  return version === undefined ? {} : { version };
}

/** The rows' client ids of a list page. */
const listedIds = (body: string) => [...body.matchAll(/<td><code class="client-id">([^<]+)<\/code><\/td>/g)].map((m) => m[1]);

for (const driver of drivers) {
  describe(`the admin console's Apps section (${driver})`, () => {
    let portico: TestPortico;
    let app: FastifyInstance;
    let admin: Browser;

    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
      app = portico.app;
      await rootPut(app, `/fhir/Patient/${PATIENT_ID}`, { resourceType: 'Patient', id: PATIENT_ID });
      for (let i = 1; i <= 23; i++) await rootPut(app, `/Client/paged-${String(i).padStart(2, '0')}`, confidentialClient(`Paged App ${i}`));
      await rootPut(app, '/Client/queue-one', submittedApp('Queue One'));
      await rootPut(app, '/Client/queue-two', submittedApp('Queue Two'));
      await rootPut(app, '/Client/north-app', { ...submittedApp('North App', { owner: `User/${TENANT_ADMIN.id}` }), meta: { _tenant: TENANT } });
      await rootPut(app, '/Client/bulk-app', {
        resourceType: 'Client',
        name: 'Bulk Exporter',
        type: 'bulk-api-client',
        grant_types: ['client_credentials'],
        jwks_uri: 'https://bulk.example/jwks.json',
      });
      admin = await consoleBrowser(app, GLOBAL_ADMIN);
    });
    after(() => portico.stop());

    it('lists apps in pages of 20, the filters kept in the pager links', async () => {
      const first = await admin.get('/admin/apps?name=paged');
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(listedIds(first.body).length, 20);
      assert.match(first.body, /1–20 of 23/);
      const next = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
      assert.equal(next, '/admin/apps?name=paged&page=2');
      const second = await admin.get(next ?? '');
      assert.deepEqual(listedIds(second.body), ['paged-21', 'paged-22', 'paged-23']);
      assert.match(second.body, /21–23 of 23/);
      assert.doesNotMatch(second.body, /rel="next"/);
    });

    it('filters by name, type, status, tenant and developer (email or User id), in storage', async () => {
      const ids = async (query: string) => {
        const res = await admin.get(`/admin/apps?${query}`);
        assert.equal(res.statusCode, 200, res.body);
        return listedIds(res.body).sort();
      };
      assert.deepEqual(await ids('name=QUEUE'), ['queue-one', 'queue-two']);
      assert.deepEqual(await ids('type=bulk-api-client'), ['bulk-app']);
      assert.deepEqual(await ids('status=submitted'), ['north-app', 'queue-one', 'queue-two']);
      assert.deepEqual(await ids(`tenant=${TENANT}`), ['north-app']);
      assert.deepEqual(await ids('tenant=default&status=submitted'), ['queue-one', 'queue-two']);
      assert.deepEqual(await ids(`developer=${encodeURIComponent(CLERK.email.toUpperCase())}`), ['queue-one', 'queue-two']);
      assert.deepEqual(await ids(`developer=${CLERK.id}&name=two`), ['queue-two']);
      // A LIKE wildcard typed in the name is a character, not "anything".
      assert.deepEqual(await ids('name=%25'), []);
    });

    it('the review queue shows only submitted apps, and its count is in the section navigation', async () => {
      const queue = await admin.get('/admin/apps?status=submitted');
      assert.match(queue.body, /<h1>Review queue<\/h1>/);
      assert.match(queue.body, /Review queue <span class="badge">\d+<\/span>/);
      const list = await admin.get('/admin/apps');
      const count = Number(/Review queue <span class="badge">(\d+)<\/span>/.exec(list.body)?.[1]);
      assert.equal(count, listedIds(queue.body).length);
    });

    it('an unknown type or status is a 400 page naming the field, never a 500', async () => {
      const res = await admin.get('/admin/apps?type=robot&status=sleeping');
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /id="filter-type-error">Not a type of app/);
      assert.match(res.body, /id="filter-status-error">Not a status/);
    });

    it('rejecting needs a note; the developer reads it in the portal; approving makes it approved; both audited', async () => {
      const page = '/admin/apps/queue-one';
      const noNote = await postFrom(admin, page, `${page}/review`, { decision: 'reject', note: ' ' });
      assert.equal(noNote.statusCode, 422);
      assert.match(noNote.body, /id="review-note-error">Say why it is rejected/);
      assert.equal((await rootGet(app, '/Client/queue-one')).status, 'submitted');

      const rejected = await postFrom(admin, page, `${page}/review`, { decision: 'reject', note: 'The privacy policy link is <broken>.' });
      assert.equal(rejected.statusCode, 303, rejected.body);
      assert.equal(rejected.headers.location, '/admin/apps/queue-one?done=rejected');
      const stored = await rootGet(app, '/Client/queue-one');
      assert.equal(stored.status, 'rejected');
      assert.equal((stored.review as { note: string }).note, 'The privacy policy link is <broken>.');

      const developer = browser(app, '203.0.113.9');
      assert.equal((await developer.signIn(CLERK.email, CLERK.password, '/portal/apps')).statusCode, 303);
      const portal = await developer.get('/portal/apps/queue-one');
      assert.equal(portal.statusCode, 200, portal.body);
      assert.match(portal.body, /Reviewer's note<\/dt><dd class="review-note">The privacy policy link is &lt;broken&gt;.<\/dd>/);

      const approved = await postFrom(admin, page, `${page}/review`, { decision: 'approve', note: 'Fixed, thanks.' });
      assert.equal(approved.statusCode, 303);
      assert.equal((await rootGet(app, '/Client/queue-one')).status, 'approved');
      // The page's recent activity reads the trail: both decisions, by this administrator.
      const detail = await admin.get(`${page}?done=approved`);
      assert.match(detail.body, /Approved: anyone may now be authorized/);
      assert.match(detail.body, /Status: submitted → rejected/);
      assert.match(detail.body, /Status: rejected → approved/);
      assert.match(detail.body, new RegExp(`<td>User ${GLOBAL_ADMIN.id}</td>`));
    });

    it('suspending asks first, then ends its grants at once: its token stops working at the FHIR API', async () => {
      await rootPut(app, '/Client/suspend-me', confidentialClient('Suspend Me'));
      await rootPut(app, '/AccessPolicy/suspend-me', { engine: 'allow', link: [{ resourceType: 'Client', id: 'suspend-me' }] });
      const token = await backendToken(app, 'suspend-me');
      assert.equal((await fhirRead(app, token)).statusCode, 200);

      const page = '/admin/apps/suspend-me';
      const ask = await postFrom(admin, page, `${page}/active`, { active: 'false' });
      assert.equal(ask.statusCode, 200);
      assert.match(ask.body, /Suspend Suspend Me\?/);
      assert.match(ask.body, /name="confirm" value="yes"/);
      assert.equal((await fhirRead(app, token)).statusCode, 200, 'nothing happens before the confirmation');

      const suspended = await admin.post(`${page}/active`, { active: 'false', confirm: 'yes', csrf_token: csrfTokenIn(ask.body) });
      assert.equal(suspended.statusCode, 303, suspended.body);
      assert.equal((await fhirRead(app, token)).statusCode, 401);
      assert.equal((await rootGet(app, '/Client/suspend-me')).active, false);
      assert.deepEqual(listedIds((await admin.get('/admin/apps?status=suspended')).body), ['suspend-me']);
      const detail = await admin.get(page);
      assert.match(detail.body, /<span class="badge">suspended<\/span>/);
      assert.match(detail.body, /Reactivate/);

      const reactivated = await postFrom(admin, page, `${page}/active`, { active: 'true' });
      assert.equal(reactivated.statusCode, 303);
      assert.equal((await rootGet(app, '/Client/suspend-me')).active, true);
      assert.equal((await fhirRead(app, token)).statusCode, 401, 'reactivation brings no grant back');
      assert.equal((await fhirRead(app, await backendToken(app, 'suspend-me'))).statusCode, 200);
    });

    it("lists the app's active grants and revokes one (asked first): its token stops working", async () => {
      await rootPut(app, '/Client/grants-app', confidentialClient('Grants App'));
      await rootPut(app, '/AccessPolicy/grants-app', { engine: 'allow', link: [{ resourceType: 'Client', id: 'grants-app' }] });
      const older = await backendToken(app, 'grants-app');
      const newer = await backendToken(app, 'grants-app');
      const page = await admin.get('/admin/apps/grants-app');
      const revokeForms = [...page.body.matchAll(/action="(\/admin\/apps\/grants-app\/grants\/[^"]+\/revoke)"/g)].map((m) => m[1] ?? '');
      assert.equal(revokeForms.length, 2);
      const grantOf = (token: string) => String(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).grant);
      // Newest first.
      assert.deepEqual(revokeForms, [`/admin/apps/grants-app/grants/${grantOf(newer)}/revoke`, `/admin/apps/grants-app/grants/${grantOf(older)}/revoke`]);

      const ask = await admin.post(revokeForms[0] ?? '', { csrf_token: csrfTokenIn(page.body) });
      assert.equal(ask.statusCode, 200);
      assert.match(ask.body, /Revoke this grant\?/);
      assert.equal((await fhirRead(app, newer)).statusCode, 200);
      const revoked = await admin.post(revokeForms[0] ?? '', { confirm: 'yes', csrf_token: csrfTokenIn(ask.body) });
      assert.equal(revoked.statusCode, 303);
      assert.equal((await fhirRead(app, newer)).statusCode, 401);
      assert.equal((await fhirRead(app, older)).statusCode, 200, 'the other grant stands');
      const after = await admin.get('/admin/apps/grants-app?done=revoked');
      assert.match(after.body, /Grant revoked/);
      assert.match(after.body, /<td>Token revoked<\/td><td>success<\/td><td>User console-admin<\/td>/);
      // Another app's grant through this app's URL is not found.
      const other = await postFrom(admin, '/admin/apps/grants-app', `/admin/apps/queue-two/grants/${grantOf(older)}/revoke`, { confirm: 'yes' });
      assert.equal(other.statusCode, 404);
      assert.equal((await fhirRead(app, older)).statusCode, 200);
    });

    it("a developer's edit in the portal neither lifts a suspension nor drops the review note", async () => {
      await rootPut(app, '/Client/dev-suspended', submittedApp('Dev Suspended'));
      const page = '/admin/apps/dev-suspended';
      assert.equal((await postFrom(admin, page, `${page}/review`, { decision: 'reject', note: 'Needs a privacy policy.' })).statusCode, 303);
      assert.equal((await postFrom(admin, page, `${page}/active`, { active: 'false', confirm: 'yes' })).statusCode, 303);
      const developer = browser(app, '203.0.113.10');
      assert.equal((await developer.signIn(CLERK.email, CLERK.password, '/portal/apps')).statusCode, 303);
      const form = await developer.get('/portal/apps/dev-suspended/edit');
      assert.equal(form.statusCode, 200, form.body);
      const saved = await developer.post('/portal/apps/dev-suspended/edit', {
        csrf_token: csrfTokenIn(form.body),
        name: 'Dev Suspended, edited',
        description: '',
        type: 'patient-facing-smart-app',
        confidentiality: 'public',
        redirectUris: 'https://dev.example/callback',
        launchUri: '',
        logoUrl: '',
        orgName: '',
        orgUrl: '',
        policyUrl: 'https://dev.example/privacy',
        tosUrl: '',
        jwksUri: '',
        jwks: '',
      });
      assert.ok(saved.statusCode === 303 || saved.statusCode === 200, `${saved.statusCode} ${saved.body}`);
      const stored = await rootGet(app, '/Client/dev-suspended');
      assert.equal(stored.name, 'Dev Suspended, edited', 'the edit was saved');
      assert.equal(stored.active, false);
      assert.equal((stored.review as { note: string }).note, 'Needs a privacy policy.');
      const portal = await developer.get('/portal/apps/dev-suspended');
      assert.match(portal.body, /An administrator suspended this app/);
    });

    it("pages an app's grants, ten at a time", async () => {
      await rootPut(app, '/Client/busy-app', confidentialClient('Busy App'));
      await rootPut(app, '/AccessPolicy/busy-app', { engine: 'allow', link: [{ resourceType: 'Client', id: 'busy-app' }] });
      for (let i = 0; i < 11; i++) await backendToken(app, 'busy-app');
      const revokeForms = (body: string) => [...body.matchAll(/action="\/admin\/apps\/busy-app\/grants\/[^"]+\/revoke"/g)].length;
      const first = await admin.get('/admin/apps/busy-app');
      assert.equal(revokeForms(first.body), 10);
      assert.match(first.body, /1–10 of 11/);
      assert.match(first.body, /href="\/admin\/apps\/busy-app\?grants_page=2" rel="next"/);
      const second = await admin.get('/admin/apps/busy-app?grants_page=2');
      assert.equal(revokeForms(second.body), 1);
      assert.match(second.body, /11–11 of 11/);
    });

    it('a decision or an edit of a version the developer has changed since is refused (409), nothing written', async () => {
      await rootPut(app, '/Client/moving-app', submittedApp('Moving App'));
      const page = await admin.get('/admin/apps/moving-app');
      const edit = await admin.get('/admin/apps/moving-app/edit');
      // The developer changes the app while the administrator looks at it.
      await rootPut(app, '/Client/moving-app', submittedApp('Moving App', { scope: ['patient/*.cruds'] }));
      const decided = await admin.post('/admin/apps/moving-app/review', { ...versionIn(page.body), decision: 'approve', note: '', csrf_token: csrfTokenIn(page.body) });
      assert.equal(decided.statusCode, 409);
      assert.match(decided.body, /changed since this page was loaded/);
      assert.match(decided.body, /patient\/\*\.cruds/, 'the page shows the app as it now is');
      const edited = await admin.post('/admin/apps/moving-app/edit', { ...versionIn(edit.body), body: JSON.stringify({ name: 'Renamed' }), csrf_token: csrfTokenIn(edit.body) });
      assert.equal(edited.statusCode, 409);
      const stored = await rootGet(app, '/Client/moving-app');
      assert.equal(stored.status, 'submitted');
      assert.equal(stored.name, 'Moving App');
      // Decided on the version now shown, it is approved.
      const fresh = await postFrom(admin, '/admin/apps/moving-app', '/admin/apps/moving-app/review', { decision: 'approve', note: '' });
      assert.equal(fresh.statusCode, 303);
    });

    it('edits the Client as JSON: a bad body is a 422 naming the problem, nothing saved; a good one is saved', async () => {
      const page = '/admin/apps/queue-two/edit';
      const form = await admin.get(page);
      assert.equal(form.statusCode, 200);
      const body = JSON.parse(/<textarea id="client-body"[^>]*>([^<]*)<\/textarea>/.exec(form.body)?.[1]?.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&#39;', "'") ?? '{}') as Record<string, unknown>;
      assert.equal(body.name, 'Queue Two');
      assert.equal(body.secret, undefined);

      const bad = await admin.post(page, { ...versionIn(form.body), body: JSON.stringify({ ...body, type: 'robot' }), csrf_token: csrfTokenIn(form.body) });
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, /<code>Client.type<\/code>: must be one of/);
      assert.match(bad.body, /robot/, 'the body comes back as sent');
      const notJson = await admin.post(page, { ...versionIn(bad.body), body: '{ "name": ', csrf_token: csrfTokenIn(bad.body) });
      assert.equal(notJson.statusCode, 422);
      assert.match(notJson.body, /Not JSON/);
      assert.equal((await rootGet(app, '/Client/queue-two')).type, 'patient-facing-smart-app');

      const good = await admin.post(page, { ...versionIn(notJson.body), body: JSON.stringify({ ...body, name: 'Queue Two Renamed' }), csrf_token: csrfTokenIn(notJson.body) });
      assert.equal(good.statusCode, 303, good.body);
      assert.equal((await rootGet(app, '/Client/queue-two')).name, 'Queue Two Renamed');
    });

    it('rotates a secret (asked first): the new one shown once, the old one stops working', async () => {
      await rootPut(app, '/Client/rotate-me', confidentialClient('Rotate Me'));
      await backendToken(app, 'rotate-me');
      const page = '/admin/apps/rotate-me';
      const ask = await postFrom(admin, page, `${page}/rotate-secret`, {});
      assert.equal(ask.statusCode, 200);
      assert.match(ask.body, /Rotate the secret of Rotate Me\?/);
      await backendToken(app, 'rotate-me');
      const rotated = await admin.post(`${page}/rotate-secret`, { confirm: 'yes', csrf_token: csrfTokenIn(ask.body) });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const secret = /<input id="client-secret" type="text" readonly value="([^"]+)">/.exec(rotated.body)?.[1] ?? '';
      assert.ok(secret.length >= 32, rotated.body);
      assert.match(rotated.body, /data-copy="#client-secret"/);
      assert.match(String(rotated.headers['content-security-policy']), /script-src[^;]*'self'/);
      assert.doesNotMatch((await admin.get(page)).body, new RegExp(secret), 'shown once');
      const old = await tokenRequest(app, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, '/auth/token', { authorization: basicOf('rotate-me', SECRET) });
      assert.equal(old.statusCode, 401);
      await backendToken(app, 'rotate-me', secret);
    });

    it('refuses a form without its CSRF token (the same form with it succeeds)', async () => {
      await rootPut(app, '/Client/csrf-app', submittedApp('CSRF App'));
      const page = await admin.get('/admin/apps/csrf-app');
      const ok = await admin.post('/admin/apps/csrf-app/review', { ...versionIn(page.body), decision: 'approve', note: '', csrf_token: csrfTokenIn(page.body) });
      assert.equal(ok.statusCode, 303);
      await rootPut(app, '/Client/csrf-app', submittedApp('CSRF App'));
      const again = await admin.get('/admin/apps/csrf-app');
      const refused = await admin.post('/admin/apps/csrf-app/review', { ...versionIn(again.body), decision: 'approve', note: '' });
      assert.equal(refused.statusCode, 403);
      assert.equal((await rootGet(app, '/Client/csrf-app')).status, 'submitted');
    });

    it("a tenant's console sees and changes only its tenant's apps (404 for the others)", async () => {
      const north = await consoleBrowser(app, TENANT_ADMIN, `/t/${TENANT}`);
      const list = await north.get(`/t/${TENANT}/admin/apps`);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(listedIds(list.body), ['north-app']);
      assert.doesNotMatch(list.body, /id="filter-tenant"/);
      // Its tenant is forced whatever the query asks.
      assert.deepEqual(listedIds((await north.get(`/t/${TENANT}/admin/apps?tenant=default`)).body), ['north-app']);

      const own = await postFrom(north, `/t/${TENANT}/admin/apps/north-app`, `/t/${TENANT}/admin/apps/north-app/review`, { decision: 'approve', note: '' });
      assert.equal(own.statusCode, 303, own.body);
      assert.equal((await rootGet(app, '/Client/north-app')).status, 'approved');

      assert.equal((await north.get(`/t/${TENANT}/admin/apps/queue-two`)).statusCode, 404);
      const other = await postFrom(north, `/t/${TENANT}/admin/apps`, `/t/${TENANT}/admin/apps/rotate-me/active`, { active: 'false', confirm: 'yes' });
      assert.equal(other.statusCode, 404);
      assert.equal((await rootGet(app, '/Client/rotate-me')).active, true);
    });
  });
}
