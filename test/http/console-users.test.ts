import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { CLERK, consoleBrowser, consoleEnv, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { firstPartyClient, launch } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const PORTICO_SUBTYPE = 'http://portico.example.org/fhir/CodeSystem/audit-event-subtype';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PATIENT = { id: 'console-pt-1', family: 'Zebedee', given: 'Zara' };
const PRACTITIONER = { id: 'console-pr-1', family: 'Quimby', given: 'Quentin' };
const NORTH_PATIENT = { id: 'north-pt-1', family: 'Zebedee', given: 'Nils' };
const CLIENT_ID = 'console-users-app';
const NEW_PASSWORD = 'a chosen password';

type Json = Record<string, unknown>;

/** A form post with repeated fields (checkboxes), as a browser sends it, with the browser's cookies. */
async function postForm(app: FastifyInstance, b: Browser, action: string, form: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  const res = await app.inject({ method: 'POST', url: action, remoteAddress: b.remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() }, payload: body.toString() });
  b.jar.take(res);
  return res;
}

/** The link shown once on the page, as a path at the test server. */
function linkIn(body: string): string {
  const url = /id="issued-link" type="text" readonly value="([^"]+)"/.exec(body)?.[1];
  assert.ok(url, 'no link on the page');
  return new URL(url.replaceAll('&amp;', '&')).pathname;
}

async function apiUser(app: FastifyInstance, id: string): Promise<Json> {
  const res = await app.inject({ method: 'GET', url: `/User/${id}`, headers: { authorization: rootBasic } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Json>();
}

async function userIdByEmail(app: FastifyInstance, email: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/User?_count=1000', headers: { authorization: rootBasic } });
  assert.equal(res.statusCode, 200, res.body);
  const bundle = res.json<{ entry?: { resource: Json }[] }>();
  const id = bundle.entry?.map((e) => e.resource).find((u) => u.email === email)?.id;
  assert.ok(typeof id === 'string', `no User ${email}`);
  return id;
}

/** The Portico subtype codes of a tenant's registry events about the User `id`, oldest first. */
async function userEvents(portico: TestPortico, id: string, tenant = 'default'): Promise<RecordedAuditEvent[]> {
  const events = await auditEvents(portico, { type: `${DCM}|110100` }, tenant);
  return events.filter((e) => e.entity?.some((entity) => entity.what?.identifier?.value === id));
}
const codesOf = (events: RecordedAuditEvent[]) => events.map((e) => e.subtype?.find((c) => c.system === PORTICO_SUBTYPE)?.code);

/** Sets a password through the link's page in a fresh browser: the answer of the form's POST. */
async function setPassword(app: FastifyInstance, link: string, password: string, repeat = password): Promise<LightMyRequestResponse> {
  const invitee = browser(app, '198.51.100.77');
  const page = await invitee.get(link);
  assert.equal(page.statusCode, 200, page.body);
  return invitee.post(link, { password, repeat, csrf_token: csrfTokenIn(page.body) });
}

for (const driver of drivers) {
  describe(`the admin console's Users (${driver})`, () => {
    let portico: TestPortico;
    let app: FastifyInstance;
    let admin: Browser;
    let northAdmin: Browser;
    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox', { LOGIN_MAX_FAILURES: '2', LOGIN_ADDRESS_MAX_FAILURES: '100' });
      app = portico.app;
      const fhirPut = async (path: string, body: Json) => {
        const res = await app.inject({ method: 'PUT', url: path, headers: { authorization: rootBasic, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(body) });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `PUT ${path}: ${res.statusCode} ${res.body}`);
      };
      await fhirPut(`/fhir/Patient/${PATIENT.id}`, { resourceType: 'Patient', id: PATIENT.id, name: [{ family: PATIENT.family, given: [PATIENT.given] }] });
      await fhirPut(`/fhir/Practitioner/${PRACTITIONER.id}`, { resourceType: 'Practitioner', id: PRACTITIONER.id, name: [{ family: PRACTITIONER.family, given: [PRACTITIONER.given] }] });
      await fhirPut(`/t/${TENANT}/fhir/Patient/${NORTH_PATIENT.id}`, { resourceType: 'Patient', id: NORTH_PATIENT.id, name: [{ family: NORTH_PATIENT.family, given: [NORTH_PATIENT.given] }] });
      await rootPut(app, `/Client/${CLIENT_ID}`, { ...firstPartyClient('Console Users App'), scope: ['launch/patient', 'openid', 'fhirUser', 'patient/*.rs'] });
      admin = await consoleBrowser(app, GLOBAL_ADMIN);
      northAdmin = await consoleBrowser(app, TENANT_ADMIN, `/t/${TENANT}`);
    });
    after(() => portico.stop());

    /** Opens `page` in the console browser and posts its form's CSRF token with `form` to `action`. */
    const postFrom = async (b: Browser, page: string, action: string, form: Record<string, string | string[]>): Promise<LightMyRequestResponse> => {
      const opened = await b.get(page);
      assert.equal(opened.statusCode, 200, `GET ${page}: ${opened.body}`);
      return postForm(app, b, action, { ...form, csrf_token: csrfTokenIn(opened.body) });
    };
    /** Adds a User through the console's form: the page answered (201 with the link shown once). */
    const addUser = (b: Browser, form: Record<string, string | string[]>, prefix = '') => postFrom(b, `${prefix}/admin/users/new`, `${prefix}/admin/users/new`, form);

    it('searches Users by text, role and status, a page at a time; a tenant sees only its own', async () => {
      for (let n = 1; n <= 23; n++) {
        await rootPut(app, `/User/listed-${n}`, { resourceType: 'User', email: `listed-${String(n).padStart(2, '0')}@example.org`, name: `Listed ${n}`, roles: n % 2 === 0 ? ['practitioner'] : ['patient'], active: n !== 3 });
      }
      const first = await admin.get('/admin/users?q=listed-');
      assert.equal(first.statusCode, 200);
      assert.match(first.body, /1–20 of 23/);
      assert.match(first.body, /href="\/admin\/users\?q=listed-&amp;page=2" rel="next"/);
      const second = await admin.get('/admin/users?q=listed-&page=2');
      assert.match(second.body, /21–23 of 23/);
      assert.match(second.body, /listed-23@example.org/);
      assert.doesNotMatch(second.body, /listed-01@example.org/);
      // Name contains, case-insensitively; the role; the status.
      assert.match((await admin.get('/admin/users?q=LISTED%2017')).body, /1–1 of 1/);
      assert.match((await admin.get('/admin/users?q=listed-&role=practitioner')).body, /1–11 of 11/);
      const inactive = await admin.get('/admin/users?q=listed-&status=inactive');
      assert.match(inactive.body, /1–1 of 1/);
      assert.match(inactive.body, /listed-03@example.org/);
      // LIKE's own characters are taken literally.
      assert.match((await admin.get('/admin/users?q=listed%25')).body, /No users match/);
      // The root's console lists the tenant's administrator (with its tenant); the tenant's lists no global User.
      assert.match((await admin.get(`/admin/users?q=${encodeURIComponent(TENANT_ADMIN.email)}`)).body, /<td>north<\/td>/);
      const north = await northAdmin.get(`/t/${TENANT}/admin/users`);
      assert.equal(north.statusCode, 200);
      assert.match(north.body, /north-admin@example.org/);
      assert.doesNotMatch(north.body, /listed-|clerk@example.org|>admin@example.org</);
      // A page that is no number is a 400 page, not a 500.
      assert.equal((await admin.get('/admin/users?page=abc')).statusCode, 400);
    });

    it('refuses a User whose fields are wrong, one message per field; the same form with them right is added', async () => {
      const bad = await addUser(admin, { name: 'Bad Email', email: 'not-an-email', roles: ['patient'], fhirUser: 'Observation/1' });
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, /id="email" name="email" type="email" autocomplete="off" required value="not-an-email" aria-invalid="true"/);
      assert.match(bad.body, /<p class="field-error" id="email-error">Must be an email address\.<\/p>/);
      const noEmail = await addUser(admin, { name: 'No Email' });
      assert.equal(noEmail.statusCode, 422);
      assert.match(noEmail.body, /id="email-error">Enter their email/);
      const taken = await addUser(admin, { name: 'Taken', email: CLERK.email });
      assert.equal(taken.statusCode, 422);
      assert.match(taken.body, /id="email-error">Another User already has this email/);
      const badRole = await addUser(admin, { email: 'badrole@example.org', roles: ['not a role!'] });
      assert.equal(badRole.statusCode, 422);
      assert.match(badRole.body, /id="roles-error"/);
      const good = await addUser(admin, { name: 'Good Form', email: 'good-form@example.org', roles: ['patient'], fhirUser: `Patient/${PATIENT.id}` });
      assert.equal(good.statusCode, 201, good.body);
      const id = await userIdByEmail(app, 'good-form@example.org');
      const user = await apiUser(app, id);
      assert.deepEqual(user.roles, ['patient']);
      assert.equal(user.fhirUser, `Patient/${PATIENT.id}`);
    });

    it('invites by a one-time link: the invitee chooses a password there (the admin API\'s rules) and signs in; the link works once', async () => {
      const added = await addUser(admin, { name: 'Ivy Invitee', email: 'ivy@example.org', roles: ['developer'] });
      assert.equal(added.statusCode, 201, added.body);
      assert.match(added.body, /Shown this once/);
      assert.equal(added.headers['cache-control'], 'no-store');
      const link = linkIn(added.body);
      assert.match(link, /^\/auth\/invitation\/[A-Za-z0-9_-]{43}$/);
      const id = await userIdByEmail(app, 'ivy@example.org');
      // No password yet: signing in fails; the user page says an invitation waits.
      assert.equal((await browser(app, '198.51.100.60').signIn('ivy@example.org', NEW_PASSWORD)).statusCode, 401);
      assert.match((await admin.get(`/admin/users/${id}`)).body, /Not set yet; an invitation is waiting to be used/);
      // The password rules are the admin API's; the two must agree.
      const short = await setPassword(app, link, 'short');
      assert.equal(short.statusCode, 422);
      assert.match(short.body, /id="password-error">The password must be at least 8 characters/);
      const differ = await setPassword(app, link, NEW_PASSWORD, 'another password');
      assert.equal(differ.statusCode, 422);
      assert.match(differ.body, /id="repeat-error">/);
      const set = await setPassword(app, link, NEW_PASSWORD);
      assert.equal(set.statusCode, 303, set.body);
      assert.equal(set.headers.location, '/auth/login');
      assert.equal((await browser(app, '198.51.100.61').signIn('ivy@example.org', NEW_PASSWORD)).statusCode, 303);
      // Used: the link is gone, its POST too.
      const again = await browser(app).get(link);
      assert.equal(again.statusCode, 404);
      assert.match(again.body, /This link does not work/);
      const page = await browser(app).get('/auth/login');
      const reuse = await app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${String(page.headers['set-cookie']).split(';')[0]}` }, payload: new URLSearchParams({ password: 'x'.repeat(12), repeat: 'x'.repeat(12), csrf_token: csrfTokenIn(page.body) }).toString() });
      assert.equal(reuse.statusCode, 404);
      assert.equal((await browser(app).get('/auth/invitation/not-a-token')).statusCode, 404);
      // Recorded: created and invited by the administrator, the password chosen by the User.
      const events = await userEvents(portico, id);
      assert.deepEqual(codesOf(events), ['user-created', 'user-invited', 'user-updated', 'user-password-set']);
      assert.equal(events[1]?.agent?.[0]?.who?.identifier?.value, GLOBAL_ADMIN.id);
      assert.equal(events[2]?.entity?.[0]?.description, 'Changed: password');
      assert.equal(events[3]?.agent?.[0]?.who?.identifier?.value, id);
      assert.doesNotMatch(JSON.stringify(events), new RegExp(`${NEW_PASSWORD}|${link.split('/').pop() ?? ''}`));
    });

    it('a reset link ends the earlier ones; a link opens only at its User\'s own tenant', async () => {
      const added = await addUser(admin, { email: 'reset@example.org' });
      const invitation = linkIn(added.body);
      const id = await userIdByEmail(app, 'reset@example.org');
      assert.equal((await setPassword(app, invitation, NEW_PASSWORD)).statusCode, 303);
      const first = linkIn((await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/link`, {})).body);
      const second = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/link`, {});
      assert.equal(second.statusCode, 200);
      assert.match(second.body, /Password reset link/);
      const latest = linkIn(second.body);
      assert.equal((await browser(app).get(first)).statusCode, 404);
      const opened = await browser(app).get(latest);
      assert.equal(opened.statusCode, 200);
      assert.match(opened.body, /Choose a new password/);
      assert.deepEqual(codesOf(await userEvents(portico, id)).filter((c) => c === 'user-password-reset'), ['user-password-reset', 'user-password-reset']);

      // A tenant's User is invited at the tenant's pages; at the root URLs the link is unknown.
      const tenantAdded = await addUser(northAdmin, { email: 'north-invitee@example.org' }, `/t/${TENANT}`);
      assert.equal(tenantAdded.statusCode, 201, tenantAdded.body);
      const tenantLink = linkIn(tenantAdded.body);
      assert.match(tenantLink, /^\/t\/north\/auth\/invitation\//);
      assert.equal((await browser(app).get(tenantLink.replace(`/t/${TENANT}`, ''))).statusCode, 404);
      assert.equal((await browser(app).get(tenantLink)).statusCode, 200);
    });

    it('edits details and roles through the admin API\'s validation; links fhirUser through a search of the tenant\'s records', async () => {
      const added = await addUser(admin, { name: 'Rory Roles', email: 'rory@example.org', roles: ['patient'] });
      assert.equal(added.statusCode, 201);
      const id = await userIdByEmail(app, 'rory@example.org');
      const saved = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}`, { name: 'Rory Renamed', email: 'rory@example.org', roles: ['admin', 'developer'] });
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, `/admin/users/${id}?done=saved`);
      const user = await apiUser(app, id);
      assert.deepEqual(user.roles, ['admin', 'developer']);
      assert.equal(user.name, 'Rory Renamed');
      const refused = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}`, { name: 'Rory', email: 'no-at-sign', roles: ['admin'] });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /id="email-error">Must be an email address/);
      assert.deepEqual((await apiUser(app, id)).roles, ['admin', 'developer']);

      // The search finds the practitioner by name, and the patient; picking one saves it.
      const found = await admin.get(`/admin/users/${id}/fhir-user?q=quim&kind=any`);
      assert.equal(found.statusCode, 200);
      assert.match(found.body, new RegExp(`Quentin Quimby`));
      assert.match(found.body, new RegExp(`name="fhirUser" value="Practitioner/${PRACTITIONER.id}"`));
      const patients = await admin.get(`/admin/users/${id}/fhir-user?q=Zebedee&kind=Patient`);
      assert.match(patients.body, new RegExp(`Patient/${PATIENT.id}`));
      // The tenant's patient is the tenant's only.
      assert.doesNotMatch(patients.body, new RegExp(NORTH_PATIENT.id));
      const linked = await postFrom(admin, `/admin/users/${id}/fhir-user`, `/admin/users/${id}/fhir-user`, { fhirUser: `Practitioner/${PRACTITIONER.id}` });
      assert.equal(linked.statusCode, 303);
      assert.equal((await apiUser(app, id)).fhirUser, `Practitioner/${PRACTITIONER.id}`);
      // What the search would not offer is refused: unknown here, or another tenant's.
      for (const reference of ['Patient/nobody', `Patient/${NORTH_PATIENT.id}`, 'Observation/1']) {
        const wrong = await postFrom(admin, `/admin/users/${id}/fhir-user`, `/admin/users/${id}/fhir-user`, { fhirUser: reference });
        assert.equal(wrong.statusCode, 422, reference);
      }
      assert.equal((await apiUser(app, id)).fhirUser, `Practitioner/${PRACTITIONER.id}`);
      const northSearch = await northAdmin.get(`/t/${TENANT}/admin/users/${TENANT_ADMIN.id}/fhir-user?q=Zebedee`);
      assert.match(northSearch.body, new RegExp(`Patient/${NORTH_PATIENT.id}`));
      assert.doesNotMatch(northSearch.body, new RegExp(PATIENT.id));
      // Unlinking removes it.
      assert.equal((await postFrom(admin, `/admin/users/${id}/fhir-user`, `/admin/users/${id}/fhir-user`, { fhirUser: '' })).statusCode, 303);
      assert.equal((await apiUser(app, id)).fhirUser, undefined);
    });

    it('shows a throttled account as locked out and unlocks it', async () => {
      const added = await addUser(admin, { email: 'locked@example.org', roles: ['patient'] });
      const id = await userIdByEmail(app, 'locked@example.org');
      assert.equal((await setPassword(app, linkIn(added.body), NEW_PASSWORD)).statusCode, 303);
      const guesser = browser(app, '198.51.100.90');
      for (let n = 0; n < 2; n++) assert.equal((await guesser.signIn('locked@example.org', 'a wrong password')).statusCode, 401);
      // Locked: the right password is refused too.
      assert.equal((await browser(app, '198.51.100.91').signIn('locked@example.org', NEW_PASSWORD)).statusCode, 429);
      const page = await admin.get(`/admin/users/${id}`);
      assert.match(page.body, /<strong>Locked out<\/strong> after 3 attempts/);
      const unlocked = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/unlock`, {});
      assert.equal(unlocked.statusCode, 303);
      assert.match((await admin.get(`/admin/users/${id}?done=unlocked`)).body, /Sign-in unlocked[\s\S]*Not locked out/);
      assert.equal((await browser(app, '198.51.100.92').signIn('locked@example.org', NEW_PASSWORD)).statusCode, 303);
      assert.ok(codesOf(await userEvents(portico, id)).includes('user-unlocked'));
    });

    it('deactivating (after a confirmation) ends the User\'s session and tokens at once; reactivating brings none back; deleting asks too', async () => {
      const added = await addUser(admin, { email: 'dee@example.org', roles: ['patient'], fhirUser: `Patient/${PATIENT.id}` });
      const id = await userIdByEmail(app, 'dee@example.org');
      assert.equal((await setPassword(app, linkIn(added.body), NEW_PASSWORD)).statusCode, 303);
      const dee = browser(app, '198.51.100.100');
      assert.equal((await dee.signIn('dee@example.org', NEW_PASSWORD)).statusCode, 303);
      const tokens = await launch(app, dee, CLIENT_ID, 'launch/patient openid fhirUser patient/Patient.rs');
      const read = () => app.inject({ method: 'GET', url: `/fhir/Patient/${PATIENT.id}`, headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
      assert.equal((await read()).statusCode, 200);
      assert.equal((await dee.get('/auth/apps')).statusCode, 200);

      // The first POST only asks.
      const asked = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/deactivate`, {});
      assert.equal(asked.statusCode, 200);
      assert.match(asked.body, /Deactivate dee@example.org\?/);
      assert.notEqual((await apiUser(app, id)).active, false);
      assert.equal((await read()).statusCode, 200);
      const done = await postForm(app, admin, `/admin/users/${id}/deactivate`, { confirm: 'yes', csrf_token: csrfTokenIn(asked.body) });
      assert.equal(done.statusCode, 303);
      assert.equal((await apiUser(app, id)).active, false);
      assert.equal((await dee.get('/auth/apps')).statusCode, 303);
      const refused = await read();
      assert.equal(refused.statusCode, 401, refused.body);
      assert.match((await admin.get(`/admin/users/${id}`)).body, /Deactivated: cannot sign in/);

      const reactivated = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/reactivate`, {});
      assert.equal(reactivated.statusCode, 303);
      assert.notEqual((await apiUser(app, id)).active, false);
      assert.equal((await read()).statusCode, 401);

      const askDelete = await postFrom(admin, `/admin/users/${id}`, `/admin/users/${id}/delete`, {});
      assert.equal(askDelete.statusCode, 200);
      assert.match(askDelete.body, /This cannot be undone/);
      assert.equal((await app.inject({ method: 'GET', url: `/User/${id}`, headers: { authorization: rootBasic } })).statusCode, 200);
      const deleted = await postForm(app, admin, `/admin/users/${id}/delete`, { confirm: 'yes', csrf_token: csrfTokenIn(askDelete.body) });
      assert.equal(deleted.statusCode, 303);
      assert.equal(deleted.headers.location, '/admin/users?done=deleted');
      assert.equal((await app.inject({ method: 'GET', url: `/User/${id}`, headers: { authorization: rootBasic } })).statusCode, 404);
      assert.equal((await admin.get(`/admin/users/${id}`)).statusCode, 404);
      assert.deepEqual(codesOf(await userEvents(portico, id)).slice(-3), ['user-updated', 'user-updated', 'user-deleted']);
    });

    it('is for administrators only, with CSRF on every form; a tenant\'s console does not reach other Users', async () => {
      const clerk = browser(app, '198.51.100.120');
      assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/admin/users')).statusCode, 303);
      assert.equal((await clerk.get('/admin/users')).statusCode, 403);
      assert.equal((await browser(app).get('/admin/users')).statusCode, 303);
      // The same form without its token is refused, and changes nothing.
      const withToken = await postFrom(admin, `/admin/users/${CLERK.id}`, `/admin/users/${CLERK.id}/unlock`, {});
      assert.equal(withToken.statusCode, 303);
      const without = await postForm(app, admin, `/admin/users/${CLERK.id}/deactivate`, { confirm: 'yes' });
      assert.equal(without.statusCode, 403);
      assert.notEqual((await apiUser(app, CLERK.id)).active, false);
      // The tenant's administrator: the global clerk is no User of theirs.
      assert.equal((await northAdmin.get(`/t/${TENANT}/admin/users/${CLERK.id}`)).statusCode, 404);
      const page = await northAdmin.get(`/t/${TENANT}/admin/users/${TENANT_ADMIN.id}`);
      assert.equal(page.statusCode, 200);
      const refused = await postForm(app, northAdmin, `/t/${TENANT}/admin/users/${CLERK.id}/deactivate`, { confirm: 'yes', csrf_token: csrfTokenIn(page.body) });
      assert.equal(refused.statusCode, 404);
      assert.notEqual((await apiUser(app, CLERK.id)).active, false);
      // Nor does an administrator deactivate or delete their own account (the same forms work on another's, above).
      for (const action of ['deactivate', 'delete']) {
        const own = await postFrom(northAdmin, `/t/${TENANT}/admin/users/${TENANT_ADMIN.id}`, `/t/${TENANT}/admin/users/${TENANT_ADMIN.id}/${action}`, { confirm: 'yes' });
        assert.equal(own.statusCode, 409, action);
        assert.match(own.body, /your own account/);
      }
      assert.notEqual((await apiUser(app, TENANT_ADMIN.id)).active, false);
    });
  });
}

for (const driver of drivers) {
  describe(`the admin console's set-password links at rest and in time (${driver})`, () => {
    let portico: TestPortico;
    let clock = Date.parse('2026-03-01T09:00:00Z');
    before(async () => {
      portico = await startPortico(driver, { ...consoleEnv('sandbox'), INVITATION_LIFETIME: '3600' }, { now: () => new Date(clock) });
      await rootPut(portico.app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    });
    after(() => portico.stop());

    it('stores only the hash of a link, which works until INVITATION_LIFETIME has passed and not after', async () => {
      const app = portico.app;
      const admin = await consoleBrowser(app, GLOBAL_ADMIN);
      const form = await admin.get('/admin/users/new');
      const early = await admin.post('/admin/users/new', { email: 'early@example.org', csrf_token: csrfTokenIn(form.body) });
      assert.equal(early.statusCode, 201, early.body);
      const earlyLink = linkIn(early.body);
      const token = earlyLink.split('/').pop() ?? '';
      const rows = await portico.authDb.query<{ token_hash: string }>('SELECT token_hash FROM auth_password_link');
      assert.deepEqual(rows.map((r) => r.token_hash), [createHash('sha256').update(token).digest('base64url')]);
      // Just before the hour, the link opens; from the hour on, it does not (its POST neither).
      clock += 3600_000 - 1000;
      assert.equal((await browser(app).get(earlyLink)).statusCode, 200);
      clock += 1000;
      const invitee = browser(app);
      const opened = await invitee.get('/auth/login');
      const late = await invitee.post(earlyLink, { password: NEW_PASSWORD, repeat: NEW_PASSWORD, csrf_token: csrfTokenIn(opened.body) });
      assert.equal(late.statusCode, 404, late.body);
      assert.equal((await browser(app).get(earlyLink)).statusCode, 404);
    });
  });
}
