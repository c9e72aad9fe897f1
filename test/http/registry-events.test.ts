import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import type { Database } from '../../src/storage/database.ts';
import { basic } from '../auth/support/admin-http.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PORTICO_SUBTYPE = 'http://portico.example.org/fhir/CodeSystem/audit-event-subtype';
const CLIENT_ID = 'http://portico.example.org/fhir/sid/client';
const USER_ID = 'http://portico.example.org/fhir/sid/user';
const POLICY_ID = 'http://portico.example.org/fhir/sid/access-policy';
const TENANT_ID = 'http://portico.example.org/fhir/sid/tenant';
const ROOT = basic('root', 'secret');
const PASSWORD = 'a developer password';

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Answer = { status: number; body: any; text: string };

/** A request from `address`, JSON in and out; root's Basic credentials unless told otherwise. */
async function call(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { body?: Json; authorization?: string | null; address?: string } = {}): Promise<Answer> {
  const authorization = options.authorization === undefined ? ROOT : options.authorization;
  const res = await app.inject({
    method,
    url,
    remoteAddress: options.address ?? '192.0.2.10',
    headers: { ...(authorization ? { authorization } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) },
    ...(options.body ? { payload: JSON.stringify(options.body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
}

/** The events of a tenant about one object (by its id), in the order recorded, with their Portico subtype codes. */
async function eventsAbout(portico: TestPortico, id: string, tenant = 'default'): Promise<RecordedAuditEvent[]> {
  const events = await auditEvents(portico, { type: `${DCM}|110100` }, tenant);
  return events.filter((e) => e.entity?.some((entity) => entity.what?.identifier?.value === id));
}

const porticoCode = (event: RecordedAuditEvent) => event.subtype?.find((c) => c.system === PORTICO_SUBTYPE)?.code;
const codesOf = (events: RecordedAuditEvent[]) => events.map(porticoCode);

/** The shape every registry event has: Application Activity, DICOM's subtype, success, the object as a security resource. */
function assertShape(event: RecordedAuditEvent, expected: { code: string; dicom: string; action: string; system: string; id: string; site?: string }): void {
  assert.deepEqual(event.type, { system: DCM, code: '110100', display: 'Application Activity' });
  assert.equal(porticoCode(event), expected.code);
  assert.ok(event.subtype?.some((c) => c.system === DCM && c.code === expected.dicom), `${expected.code}: DICOM subtype ${expected.dicom}`);
  assert.equal(event.action, expected.action, expected.code);
  assert.equal(event.outcome, '0');
  assert.equal(event.source.site, expected.site ?? TEST_BASE_URL);
  const [entity] = event.entity ?? [];
  assert.deepEqual(entity?.what, { identifier: { system: expected.system, value: expected.id } });
  assert.equal(entity?.role?.code, '13', 'Security Resource');
  assert.equal(entity?.type?.code, '2', 'System Object');
}

/** The requestor agent of an event. */
const requestor = (event: RecordedAuditEvent) => event.agent.find((a) => a.requestor);

/** Nothing of these secrets appears anywhere in the events. */
function assertNoSecrets(events: RecordedAuditEvent[], secrets: (string | undefined)[]): void {
  const text = JSON.stringify(events);
  for (const secret of secrets) {
    assert.ok(secret && secret.length >= 8, 'a secret to look for');
    assert.ok(!text.includes(secret), 'a secret appears in an AuditEvent');
  }
  assert.doesNotMatch(text, /scrypt\$/, 'no password hash');
}

/** Signs up at /portal/signup from `address` and signs in. */
async function signedUpDeveloper(app: FastifyInstance, email: string, address: string): Promise<Browser> {
  const b = browser(app, address);
  const form = await b.get('/portal/signup');
  assert.equal(form.statusCode, 200, form.body);
  const created = await b.post('/portal/signup', { csrf_token: csrfTokenIn(form.body), name: 'Dana Developer', email, password: PASSWORD });
  assert.equal(created.statusCode, 303, created.body);
  assert.equal((await b.signIn(email, PASSWORD, '/portal/apps')).statusCode, 303);
  return b;
}

const APP_FORM = {
  name: 'Heart Tracker',
  description: 'Tracks hearts',
  type: 'patient-facing-smart-app',
  confidentiality: 'confidential',
  redirectUris: 'https://heart.example.org/cb',
  launchUri: 'https://heart.example.org/launch',
  logoUrl: '',
  orgName: '',
  orgUrl: '',
  policyUrl: '',
  tosUrl: '',
  jwksUri: '',
  jwks: '',
};

const secretIn = (page: string) => /id="client-secret" type="text" readonly value="([^"]+)"/.exec(page)?.[1];
const clientIdIn = (page: string) => /id="client-id" type="text" readonly value="([^"]+)"/.exec(page)?.[1] ?? '';

const confidential = { grant_types: ['client_credentials'], scope: ['system/*.rs'] };

for (const driver of drivers) {
  describe(`registry changes as AuditEvents: admin API, RPC, registration (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    it('admin API: a Client created, changed, its secret rotated, its status decided and deleted, each by root from its address', async () => {
      const created = await call(portico.app, 'POST', '/Client', { body: { ...confidential, name: 'first' }, address: '192.0.2.21' });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id as string;
      const secret = (await call(portico.app, 'GET', `/Client/${id}`)).body.secret as string;
      assert.equal((await call(portico.app, 'PUT', `/Client/${id}`, { body: { ...confidential, name: 'renamed', scope: ['system/Patient.rs'] } })).status, 200);
      const rotated = await call(portico.app, 'POST', `/Client/${id}/$rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal((await call(portico.app, 'PUT', `/Client/${id}`, { body: { ...confidential, name: 'renamed', scope: ['system/Patient.rs'], status: 'rejected' } })).status, 200);
      assert.equal((await call(portico.app, 'DELETE', `/Client/${id}`)).status, 200);

      const events = await eventsAbout(portico, id);
      assert.deepEqual(codesOf(events), ['client-created', 'client-updated', 'client-secret-rotated', 'client-status-changed', 'client-deleted']);
      const [create, update, rotate, status, remove] = events as [RecordedAuditEvent, RecordedAuditEvent, RecordedAuditEvent, RecordedAuditEvent, RecordedAuditEvent];
      const client = { dicom: '110129', system: CLIENT_ID, id };
      assertShape(create, { ...client, code: 'client-created', action: 'C' });
      assertShape(update, { ...client, code: 'client-updated', action: 'U' });
      assertShape(rotate, { ...client, code: 'client-secret-rotated', action: 'U' });
      assertShape(status, { ...client, code: 'client-status-changed', action: 'U' });
      assertShape(remove, { ...client, code: 'client-deleted', action: 'D' });
      assert.equal(update.entity?.[0]?.description, 'Changed: name, scope');
      assert.equal(status.entity?.[0]?.description, 'Status: approved → rejected');
      // Root, at the address its request came from.
      assert.deepEqual(requestor(create)?.who, { identifier: { system: CLIENT_ID, value: 'root' }, display: 'root client' });
      assert.deepEqual(requestor(create)?.network, { address: '192.0.2.21', type: '2' });
      assert.equal(requestor(remove)?.network?.address, '192.0.2.10');
      assertNoSecrets(events, [secret, rotated.body.secret]);
    });

    it('admin API: a User created, its password changed, deactivated and deleted, never with the password', async () => {
      const password = 'a-first-password-1';
      assert.equal((await call(portico.app, 'PUT', '/User/nurse', { body: { email: 'nurse@example.org', password } })).status, 201);
      assert.equal((await call(portico.app, 'PUT', '/User/nurse', { body: { email: 'nurse@example.org', password: 'a-second-password-2' } })).status, 200);
      assert.equal((await call(portico.app, 'PUT', '/User/nurse', { body: { email: 'nurse@example.org', active: false } })).status, 200);
      assert.equal((await call(portico.app, 'DELETE', '/User/nurse')).status, 200);
      const events = await eventsAbout(portico, 'nurse');
      assert.deepEqual(codesOf(events), ['user-created', 'user-updated', 'user-updated', 'user-deleted']);
      const user = { dicom: '110137', system: USER_ID, id: 'nurse' };
      assertShape(events[0] as RecordedAuditEvent, { ...user, code: 'user-created', action: 'C' });
      assertShape(events[1] as RecordedAuditEvent, { ...user, code: 'user-updated', action: 'U' });
      assertShape(events[3] as RecordedAuditEvent, { ...user, code: 'user-deleted', action: 'D' });
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: password');
      assert.equal(events[2]?.entity?.[0]?.description, 'Changed: active');
      assertNoSecrets(events, [password, 'a-second-password-2']);
    });

    it('admin API: an AccessPolicy created, changed and deleted', async () => {
      const policy = { engine: 'allow', link: [{ resourceType: 'Client', id: 'some-client' }] };
      assert.equal((await call(portico.app, 'PUT', '/AccessPolicy/p1', { body: policy })).status, 201);
      assert.equal((await call(portico.app, 'PUT', '/AccessPolicy/p1', { body: { ...policy, link: [{ resourceType: 'Client', id: 'other-client' }] } })).status, 200);
      assert.equal((await call(portico.app, 'DELETE', '/AccessPolicy/p1')).status, 200);
      const events = await eventsAbout(portico, 'p1');
      assert.deepEqual(codesOf(events), ['policy-created', 'policy-updated', 'policy-deleted']);
      for (const [i, action] of ['C', 'U', 'D'].entries()) {
        assertShape(events[i] as RecordedAuditEvent, { code: codesOf(events)[i] as string, dicom: '110136', system: POLICY_ID, id: 'p1', action });
      }
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: link');
    });

    it('admin API: a Tenant created, changed, deactivated and deleted, at the default tenant', async () => {
      assert.equal((await call(portico.app, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma' } })).status, 201);
      assert.equal((await call(portico.app, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma Health' } })).status, 200);
      assert.equal((await call(portico.app, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma Health', active: false } })).status, 200);
      assert.equal((await call(portico.app, 'DELETE', '/Tenant/gamma')).status, 200);
      const events = await eventsAbout(portico, 'gamma');
      assert.deepEqual(codesOf(events), ['tenant-created', 'tenant-updated', 'tenant-updated', 'tenant-deleted']);
      assertShape(events[0] as RecordedAuditEvent, { code: 'tenant-created', dicom: '110129', system: TENANT_ID, id: 'gamma', action: 'C' });
      assertShape(events[3] as RecordedAuditEvent, { code: 'tenant-deleted', dicom: '110129', system: TENANT_ID, id: 'gamma', action: 'D' });
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: name');
      assert.equal(events[2]?.entity?.[0]?.description, 'Changed: active');
    });

    it('admin API: a change an AccessPolicy refuses is answered 403, and records nothing', async () => {
      assert.equal((await call(portico.app, 'PUT', '/Client/reader', { body: { ...confidential, secret: 'a-reader-secret-1' } })).status, 201);
      const reader = basic('reader', 'a-reader-secret-1');
      // Allowed to create Clients only: a create works, a delete is refused.
      const policy = { engine: 'matcho', link: [{ resourceType: 'Client', id: 'reader' }], matcho: { operation: { id: 'Client.create' } } };
      assert.equal((await call(portico.app, 'PUT', '/AccessPolicy/reader-creates', { body: policy })).status, 201);
      const made = await call(portico.app, 'POST', '/Client', { body: confidential, authorization: reader, address: '192.0.2.31' });
      assert.equal(made.status, 201, made.text);
      const [created] = await eventsAbout(portico, made.body.id);
      assert.deepEqual(requestor(created as RecordedAuditEvent)?.who, { identifier: { system: CLIENT_ID, value: 'reader' } });
      assert.equal(requestor(created as RecordedAuditEvent)?.network?.address, '192.0.2.31');
      assert.equal((await call(portico.app, 'DELETE', `/Client/${made.body.id as string}`, { authorization: reader })).status, 403);
      assert.deepEqual(codesOf(await eventsAbout(portico, made.body.id)), ['client-created']);
    });

    it('RPC: save-developer-application records the Client created, by root or by the developer', async () => {
      const params = { confidentiality: 'confidential', name: 'rpc-app', 'redirect-url': 'https://rpc.example.org/cb' };
      const byRoot = await call(portico.app, 'POST', '/rpc', { body: { method: 'smartbox.portal.developer.rpc/save-developer-application', params }, address: '192.0.2.41' });
      assert.equal(byRoot.status, 200, byRoot.text);
      const [rootEvent] = await eventsAbout(portico, byRoot.body.result.id);
      assertShape(rootEvent as RecordedAuditEvent, { code: 'client-created', dicom: '110129', system: CLIENT_ID, id: byRoot.body.result.id, action: 'C' });
      assert.equal(requestor(rootEvent as RecordedAuditEvent)?.who?.identifier?.value, 'root');
      assert.equal(requestor(rootEvent as RecordedAuditEvent)?.network?.address, '192.0.2.41');

      assert.equal((await call(portico.app, 'PUT', '/User/rpc-dev', { body: { email: 'rpc-dev@example.org', password: PASSWORD, roles: ['developer'] } })).status, 201);
      const byDeveloper = await call(portico.app, 'POST', '/rpc', {
        body: { method: 'smartbox.portal.developer.rpc/save-developer-application', params },
        authorization: basic('rpc-dev@example.org', PASSWORD),
        address: '192.0.2.42',
      });
      assert.equal(byDeveloper.status, 200, byDeveloper.text);
      const [devEvent] = await eventsAbout(portico, byDeveloper.body.result.id);
      assert.deepEqual(requestor(devEvent as RecordedAuditEvent)?.who, { identifier: { system: USER_ID, value: 'rpc-dev' } });
      assert.deepEqual(requestor(devEvent as RecordedAuditEvent)?.network, { address: '192.0.2.42', type: '2' });
      const secret = (await call(portico.app, 'GET', `/Client/${byDeveloper.body.result.id as string}`)).body.secret as string;
      assertNoSecrets([devEvent as RecordedAuditEvent], [secret, PASSWORD]);
    });

    it('RFC 7591/7592: registration, update and deletion are recorded as made by the client; a read records nothing', async () => {
      const registered = await call(portico.app, 'POST', '/auth/register', {
        body: { client_name: 'dcr-app', redirect_uris: ['https://dcr.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' },
        authorization: null,
        address: '192.0.2.51',
      });
      assert.equal(registered.status, 201, registered.text);
      const id = registered.body.client_id as string;
      const bearer = (token: string) => `Bearer ${token}`;
      const read = await call(portico.app, 'GET', `/auth/register/${id}`, { authorization: bearer(registered.body.registration_access_token) });
      assert.equal(read.status, 200, read.text);
      const updated = await call(portico.app, 'PUT', `/auth/register/${id}`, {
        body: { client_id: id, client_name: 'dcr-app renamed', redirect_uris: ['https://dcr.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' },
        authorization: bearer(read.body.registration_access_token),
        address: '192.0.2.52',
      });
      assert.equal(updated.status, 200, updated.text);
      const removed = await call(portico.app, 'DELETE', `/auth/register/${id}`, { authorization: bearer(updated.body.registration_access_token) });
      assert.equal(removed.status, 204, removed.text);

      const events = await eventsAbout(portico, id);
      assert.deepEqual(codesOf(events), ['client-created', 'client-updated', 'client-deleted']);
      assertShape(events[0] as RecordedAuditEvent, { code: 'client-created', dicom: '110129', system: CLIENT_ID, id, action: 'C' });
      assertShape(events[2] as RecordedAuditEvent, { code: 'client-deleted', dicom: '110129', system: CLIENT_ID, id, action: 'D' });
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: name');
      for (const [event, address] of [[events[0], '192.0.2.51'], [events[1], '192.0.2.52']] as const) {
        assert.deepEqual(requestor(event as RecordedAuditEvent)?.who, { identifier: { system: CLIENT_ID, value: id } });
        assert.equal(requestor(event as RecordedAuditEvent)?.network?.address, address);
      }
      assertNoSecrets(events, [registered.body.client_secret, registered.body.registration_access_token, read.body.registration_access_token, updated.body.registration_access_token]);
    });
  });

  describe(`registry changes as AuditEvents: each tenant's at that tenant (${driver})`, () => {
    let portico: TestPortico;
    const acmeAdmin = basic('admin@acme.example', 'acme-admin-password');
    before(async () => {
      portico = await startPortico(driver);
      for (const tenant of ['acme', 'beta']) assert.equal((await call(portico.app, 'PUT', `/Tenant/${tenant}`, { body: { name: tenant } })).status, 201);
      const admin = { email: 'admin@acme.example', password: 'acme-admin-password', roles: ['admin'], meta: { _tenant: 'acme' } };
      assert.equal((await call(portico.app, 'PUT', '/User/acme-admin', { body: admin })).status, 201);
    });
    after(() => portico.stop());

    it("a tenant administrator's changes land at that tenant, made by that User, and nowhere else", async () => {
      const created = await call(portico.app, 'PUT', '/t/acme/Client/acme-c', { body: { ...confidential, secret: 'a-client-secret-2' }, authorization: acmeAdmin, address: '192.0.2.61' });
      assert.equal(created.status, 201, created.text);
      const rotated = await call(portico.app, 'POST', '/t/acme/Client/acme-c/$rotate-secret', { authorization: acmeAdmin });
      assert.equal(rotated.status, 200, rotated.text);
      const user = await call(portico.app, 'POST', '/t/acme/User', { body: { email: 'nurse@acme.example', password: 'nurse-password-1' }, authorization: acmeAdmin });
      assert.equal(user.status, 201, user.text);

      const events = await eventsAbout(portico, 'acme-c', 'acme');
      assert.deepEqual(codesOf(events), ['client-created', 'client-secret-rotated']);
      assertShape(events[0] as RecordedAuditEvent, { code: 'client-created', dicom: '110129', system: CLIENT_ID, id: 'acme-c', action: 'C', site: `${TEST_BASE_URL}/t/acme` });
      assert.deepEqual(requestor(events[0] as RecordedAuditEvent)?.who, { identifier: { system: USER_ID, value: 'acme-admin' } });
      assert.deepEqual(requestor(events[0] as RecordedAuditEvent)?.network, { address: '192.0.2.61', type: '2' });
      assert.deepEqual(codesOf(await eventsAbout(portico, user.body.id, 'acme')), ['user-created']);
      for (const elsewhere of ['default', 'beta']) {
        assert.deepEqual(await eventsAbout(portico, 'acme-c', elsewhere), [], elsewhere);
        assert.deepEqual(await eventsAbout(portico, user.body.id, elsewhere), [], elsewhere);
      }
      assertNoSecrets(events, ['a-client-secret-2', rotated.body.secret, 'nurse-password-1']);
    });

    it("root's change of a tenant's object lands at that tenant; of a global one, at the default tenant", async () => {
      assert.equal((await call(portico.app, 'PUT', '/Client/beta-c', { body: { ...confidential, meta: { _tenant: 'beta' } } })).status, 201);
      assert.equal((await call(portico.app, 'PUT', '/Client/global-c', { body: confidential })).status, 201);
      assert.deepEqual(codesOf(await eventsAbout(portico, 'beta-c', 'beta')), ['client-created']);
      assert.deepEqual(await eventsAbout(portico, 'beta-c', 'default'), []);
      assert.deepEqual(codesOf(await eventsAbout(portico, 'global-c', 'default')), ['client-created']);
      for (const tenant of ['acme', 'beta']) assert.deepEqual(await eventsAbout(portico, 'global-c', tenant), [], tenant);
    });

    it("a registration at a tenant's endpoint lands at that tenant", async () => {
      const registered = await call(portico.app, 'POST', '/t/acme/auth/register', {
        body: { client_name: 'acme-dcr', redirect_uris: ['https://dcr.example.org/cb'] },
        authorization: null,
      });
      assert.equal(registered.status, 201, registered.text);
      const id = registered.body.client_id as string;
      const events = await eventsAbout(portico, id, 'acme');
      assert.deepEqual(codesOf(events), ['client-created']);
      assertShape(events[0] as RecordedAuditEvent, { code: 'client-created', dicom: '110129', system: CLIENT_ID, id, action: 'C', site: `${TEST_BASE_URL}/t/acme` });
      assert.deepEqual(await eventsAbout(portico, id, 'default'), []);
    });
  });

  describe(`registry changes as AuditEvents: the developer portal (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, {
        MODE: 'production',
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: 'a-production-root-secret-0123456789',
        SESSION_SECRET: 'x'.repeat(32),
        SECRETS_KEY: 'a'.repeat(64),
        BASE_URL: TEST_BASE_URL,
        DEVELOPER_SIGNUP: 'open',
      });
    });
    after(() => portico.stop());

    it('sign-up, an app registered, edited, its secret rotated, submitted, approved by root and deleted', async () => {
      const dev = await signedUpDeveloper(portico.app, 'events@dev.example', '198.51.100.7');
      const signups = (await auditEvents(portico, { subtype: 'user-created' })).filter((e) => requestor(e)?.network?.address === '198.51.100.7');
      assert.equal(signups.length, 1, 'the sign-up is recorded');
      const userId = signups[0]?.entity?.[0]?.what?.identifier?.value ?? '';
      assertShape(signups[0] as RecordedAuditEvent, { code: 'user-created', dicom: '110137', system: USER_ID, id: userId, action: 'C' });
      assert.deepEqual(requestor(signups[0] as RecordedAuditEvent)?.who, { identifier: { system: USER_ID, value: userId } });

      const form = await dev.get('/portal/apps/new');
      const created = await dev.post('/portal/apps/new', { ...APP_FORM, csrf_token: csrfTokenIn(form.body) });
      assert.equal(created.statusCode, 201, created.body);
      const id = clientIdIn(created.body);
      const editForm = await dev.get(`/portal/apps/${id}/edit`);
      const edited = await dev.post(`/portal/apps/${id}/edit`, { ...APP_FORM, description: 'Tracks hearts better', csrf_token: csrfTokenIn(editForm.body) });
      assert.equal(edited.statusCode, 200, edited.body);
      const rotated = await dev.post(`/portal/apps/${id}/rotate-secret`, { csrf_token: csrfTokenIn(edited.body) });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const submitted = await dev.post(`/portal/apps/${id}/submit`, { csrf_token: csrfTokenIn(rotated.body) });
      assert.match(submitted.body, /status-submitted/);
      const root = basic('root', 'a-production-root-secret-0123456789');
      const { secret: _secret, meta: _meta, ...stored } = (await call(portico.app, 'GET', `/Client/${id}`, { authorization: root })).body;
      const approved = await call(portico.app, 'PUT', `/Client/${id}`, { body: { ...stored, status: 'approved' }, authorization: root, address: '192.0.2.71' });
      assert.equal(approved.status, 200, approved.text);
      const ask = await dev.post(`/portal/apps/${id}/delete`, { csrf_token: csrfTokenIn((await dev.get(`/portal/apps/${id}`)).body) });
      const deleted = await dev.post(`/portal/apps/${id}/delete`, { csrf_token: csrfTokenIn(ask.body), confirm: 'yes' });
      assert.equal(deleted.statusCode, 200, deleted.body);

      const events = await eventsAbout(portico, id);
      assert.deepEqual(codesOf(events), ['client-created', 'client-updated', 'client-secret-rotated', 'client-status-changed', 'client-status-changed', 'client-deleted']);
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: description');
      assert.equal(events[3]?.entity?.[0]?.description, 'Status: draft → submitted');
      assert.equal(events[4]?.entity?.[0]?.description, 'Status: submitted → approved');
      for (const event of [events[0], events[1], events[2], events[3], events[5]]) {
        assert.deepEqual(requestor(event as RecordedAuditEvent)?.who, { identifier: { system: USER_ID, value: userId } }, porticoCode(event as RecordedAuditEvent));
        assert.deepEqual(requestor(event as RecordedAuditEvent)?.network, { address: '198.51.100.7', type: '2' });
      }
      assert.equal(requestor(events[4] as RecordedAuditEvent)?.who?.identifier?.value, 'root', 'root approves');
      assert.equal(requestor(events[4] as RecordedAuditEvent)?.network?.address, '192.0.2.71');
      assertNoSecrets([...events, ...signups], [secretIn(created.body), secretIn(rotated.body), PASSWORD]);
    });
  });

  describe(`registry changes as AuditEvents: no change is acknowledged when its event cannot be recorded (${driver})`, () => {
    let portico: TestPortico;
    let trailDown = false;
    /** Every pool, with the audit trail's INSERT failing while `trailDown`. */
    const failingTrail = (db: Database): Database =>
      new Proxy(db, {
        get(target, property, receiver) {
          if (property === 'query') {
            return (text: unknown, params?: readonly unknown[]) =>
              trailDown && typeof text === 'string' && text.includes('INSERT INTO audit_event') ? Promise.reject(new Error('the audit trail is down')) : target.query(text as string, params);
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    before(async () => {
      portico = await startPortico(driver, {}, { wrapDatabase: failingTrail });
    });
    after(() => portico.stop());

    it('answers 5xx in each surface\'s own error format; the same changes succeed once the trail records again', async () => {
      const params = { confidentiality: 'confidential', name: 'rpc-app', 'redirect-url': 'https://rpc.example.org/cb' };
      const rpc = { method: 'smartbox.portal.developer.rpc/save-developer-application', params };
      const registration = { client_name: 'dcr-app', redirect_uris: ['https://dcr.example.org/cb'] };
      // Recorded: each change succeeds.
      assert.equal((await call(portico.app, 'PUT', '/Client/audited', { body: confidential })).status, 201);
      assert.equal((await call(portico.app, 'POST', '/rpc', { body: rpc })).status, 200);
      assert.equal((await call(portico.app, 'POST', '/auth/register', { body: registration, authorization: null })).status, 201);
      assert.deepEqual(codesOf(await eventsAbout(portico, 'audited')), ['client-created']);

      trailDown = true;
      try {
        const admin = await call(portico.app, 'PUT', '/Client/unaudited', { body: confidential });
        assert.equal(admin.status, 500, admin.text);
        assert.equal(admin.body.resourceType, 'OperationOutcome');
        const viaRpc = await call(portico.app, 'POST', '/rpc', { body: rpc });
        assert.equal(viaRpc.status, 500, viaRpc.text);
        assert.equal(typeof viaRpc.body.error.message, 'string');
        const registered = await call(portico.app, 'POST', '/auth/register', { body: registration, authorization: null });
        assert.equal(registered.status, 500, registered.text);
        assert.equal(registered.body.error, 'server_error');
        assert.equal(registered.body.client_id, undefined, 'no credentials handed out');
      } finally {
        trailDown = false;
      }
      // The change had committed before its record failed: it stands, unacknowledged, and a retry is recorded.
      assert.equal((await call(portico.app, 'PUT', '/Client/unaudited', { body: confidential })).status, 200);
      assert.deepEqual(codesOf(await eventsAbout(portico, 'unaudited')), ['client-updated']);
    });
  });
}
