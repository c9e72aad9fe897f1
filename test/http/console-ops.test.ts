import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, type TestPortico } from '../support/portico.ts';
import { CLERK, consoleBrowser, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { firstPartyClient, launch } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const APP = 'ops-app';

/** Posts a console action, then its confirmation page's form (confirm=yes): the final answer. */
async function confirmAction(b: Browser, path: string, fields: Record<string, string>, from: string): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> {
  const page = await b.get(from);
  assert.equal(page.statusCode, 200, page.body);
  const ask = await b.post(path, { ...fields, csrf_token: csrfTokenIn(page.body) });
  assert.equal(ask.statusCode, 200, ask.body);
  assert.match(ask.body, /name="confirm" value="yes"/);
  return b.post(path, { ...fields, confirm: 'yes', csrf_token: csrfTokenIn(ask.body) });
}

const kidsOf = async (portico: TestPortico) => {
  const res = await portico.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(res.statusCode, 200);
  return (res.json() as { keys: { kid: string; alg: string }[] }).keys.map((k) => k.kid);
};

for (const driver of drivers) {
  describe(`the admin console: keys, sessions and grants, bulk exports (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      // Superseded keys verify for 30 days after their successor was created: the page says until when.
      portico = await startConsolePortico(driver, 'sandbox', { SIGNING_KEY_RETIRE_AFTER_DAYS: '30' });
      await rootPut(portico.app, `/Client/${APP}`, firstPartyClient('Ops App'));
    });
    after(() => portico.stop());

    /** The clerk, signed in, authorizes the app: its access token. */
    async function clerkToken(): Promise<{ clerk: Browser; token: string }> {
      const clerk = browser(portico.app, '203.0.113.9');
      assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/')).statusCode, 303);
      const tokens = await launch(portico.app, clerk, APP, 'openid fhirUser user/Patient.rs');
      return { clerk, token: String(tokens.access_token) };
    }
    const fhirWith = (token: string) => portico.app.inject({ method: 'GET', url: '/fhir/Patient', headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });

    it('rotating makes a new key sign while the old one still verifies; the active key cannot be retired, a superseded one can', async () => {
      const { token } = await clerkToken();
      const before = await kidsOf(portico);
      assert.notEqual((await fhirWith(token)).statusCode, 401);
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const listed = await admin.get('/admin/keys');
      assert.equal(listed.statusCode, 200);
      for (const kid of before) assert.match(listed.body, new RegExp(`<code class="console-id">${kid}</code>`));

      const rotated = await confirmAction(admin, '/admin/keys/rotate', {}, '/admin/keys');
      assert.equal(rotated.statusCode, 303);
      assert.equal(rotated.headers.location, '/admin/keys?done=rotated');
      const after = await kidsOf(portico);
      const added = after.filter((kid) => !before.includes(kid));
      assert.equal(added.length, before.length, 'one new key per algorithm');
      for (const kid of before) assert.ok(after.includes(kid), `${kid} still published`);
      // The token signed with the superseded key still verifies at the FHIR API.
      assert.notEqual((await fhirWith(token)).statusCode, 401);
      const page = await admin.get('/admin/keys?done=rotated');
      assert.match(page.body, /New signing keys are active/);
      assert.match(page.body, /signs new tokens/);
      assert.match(page.body, /for 30 days after its successor was created/);
      // Each superseded key: verifying until its successor's creation + 30 days.
      const times = (kid: string) => [...(new RegExp(`<code class="console-id">${kid}</code>.*?</tr>`).exec(page.body)?.[0] ?? '').matchAll(/datetime="([^"]+)"/g)].map((m) => Date.parse(m[1] ?? ''));
      const successorCreated = Math.min(...added.map((kid) => times(kid)[0] ?? NaN));
      for (const kid of before) {
        assert.match(page.body, new RegExp(`<code class="console-id">${kid}</code></td><td>\\w+</td><td>verifying</td>`));
        assert.equal(times(kid)[1], successorCreated + 30 * 86_400_000, kid);
      }

      // The new active key: refused, with the reason.
      const active = added[0] ?? '';
      const refused = await admin.post('/admin/keys/retire', { kid: active, csrf_token: csrfTokenIn(page.body) });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.body, new RegExp(`${active} is the active \\w+ key: it signs every new token, so it cannot be retired`));
      assert.ok((await kidsOf(portico)).includes(active));

      // A superseded key: retired after the confirmation; no longer published, its tokens refused.
      const old = before[0] ?? '';
      const retired = await confirmAction(admin, '/admin/keys/retire', { kid: old }, '/admin/keys');
      assert.equal(retired.statusCode, 303);
      assert.ok(!(await kidsOf(portico)).includes(old));
      const events = await auditEvents(portico, { subtype: 'key-rotated' });
      const recorded = events.filter((e) => e.agent.some((a) => a.who?.identifier?.value === GLOBAL_ADMIN.id));
      assert.equal(recorded.length, added.length, 'each new key recorded with the administrator as actor');
      const retiredEvents = (await auditEvents(portico, { subtype: 'key-retired' })).filter((e) => e.entity?.[0]?.what?.identifier?.value === old);
      assert.equal(retiredEvents.length, 1);
    });

    it("a tenant's console shows the keys read-only and refuses to rotate them", async () => {
      const north = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      const page = await north.get(`/t/${TENANT}/admin/keys`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Rotate keys/);
      assert.match(page.body, /a global administrator rotates and retires them/);
      const before = await kidsOf(portico);
      const refused = await north.post(`/t/${TENANT}/admin/keys/rotate`, { confirm: 'yes', csrf_token: csrfTokenIn(page.body) });
      assert.equal(refused.statusCode, 403);
      assert.deepEqual(await kidsOf(portico), before);
    });

    it("revoking a grant from the list (filtered by app) ends its tokens at the FHIR API; another tenant's console cannot see or revoke it", async () => {
      const { token } = await clerkToken();
      assert.notEqual((await fhirWith(token)).statusCode, 401);
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const listed = await admin.get(`/admin/sessions?app=${APP}`);
      assert.equal(listed.statusCode, 200);
      const grants = [...listed.body.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1] ?? '');
      assert.ok(grants.length >= 1, listed.body);
      // Filtered by the user (by email) the same grants show; by another app, none.
      const byUser = await admin.get(`/admin/sessions?user=${encodeURIComponent(CLERK.email.toUpperCase())}`);
      for (const grant of grants) assert.match(byUser.body, new RegExp(`value="${grant}"`));
      const other = await admin.get('/admin/sessions?app=no-such-app');
      assert.doesNotMatch(other.body, /name="grant"/);

      // The tenant's administrator: its own grants (made at its issuer), none of the default tenant's, and revoking one is a 404.
      const north = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      await launch(portico.app, north, APP, 'openid fhirUser user/Patient.rs', { site: `/t/${TENANT}` });
      const northPage = await north.get(`/t/${TENANT}/admin/sessions?app=${APP}`);
      assert.equal(northPage.statusCode, 200);
      const northGrants = [...northPage.body.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1] ?? '');
      assert.equal(northGrants.length, 1);
      assert.match(northPage.body, new RegExp(`<code>${TENANT_ADMIN.id}</code>`));
      for (const grant of grants) assert.doesNotMatch(northPage.body, new RegExp(grant));
      // The root's console sees every tenant's, each with its tenant.
      const everyTenant = await admin.get(`/admin/sessions?app=${APP}`);
      assert.match(everyTenant.body, new RegExp(`value="${northGrants[0]}"`));
      assert.match(everyTenant.body, new RegExp(`<td>${TENANT}</td>`));
      const northRevoke = await confirmAction(north, `/t/${TENANT}/admin/sessions/revoke`, { grant: grants[0] ?? '' }, `/t/${TENANT}/admin/sessions`);
      assert.equal(northRevoke.statusCode, 404);
      assert.notEqual((await fhirWith(token)).statusCode, 401);

      for (const grant of grants) {
        const revoked = await confirmAction(admin, '/admin/sessions/revoke', { grant }, '/admin/sessions');
        assert.equal(revoked.statusCode, 303);
        assert.equal(revoked.headers.location, '/admin/sessions?done=revoked');
      }
      assert.equal((await fhirWith(token)).statusCode, 401);
      const after = await admin.get(`/admin/sessions?app=${APP}&user=${CLERK.id}`);
      assert.doesNotMatch(after.body, /name="grant"/);
      const events = (await auditEvents(portico, { subtype: 'token-revoked' })).filter((e) => e.agent.some((a) => a.who?.identifier?.value === GLOBAL_ADMIN.id));
      assert.deepEqual(events.map((e) => e.entity?.find((x) => x.name === 'grant')?.what?.identifier?.value).sort(), [...grants].sort());
    });

    it('ending a session signs that browser out; only the console of its User’s tenant can', async () => {
      const clerk = browser(portico.app, '203.0.113.10');
      assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/admin')).statusCode, 303);
      // Signed in (a User without the role admin): refused, not sent to sign in.
      assert.equal((await clerk.get('/admin')).statusCode, 403);
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const listed = await admin.get(`/admin/sessions?user=${CLERK.id}`);
      const sessions = [...listed.body.matchAll(/name="session" value="([^"]+)"/g)].map((m) => m[1] ?? '');
      assert.ok(sessions.length >= 1, listed.body);

      const north = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      const northPage = await north.get(`/t/${TENANT}/admin/sessions`);
      assert.match(northPage.body, /Nora North/);
      for (const session of sessions) assert.doesNotMatch(northPage.body, new RegExp(session));
      assert.equal((await confirmAction(north, `/t/${TENANT}/admin/sessions/end`, { session: sessions[0] ?? '' }, `/t/${TENANT}/admin/sessions`)).statusCode, 404);
      assert.equal((await clerk.get('/admin')).statusCode, 403);

      for (const session of sessions) assert.equal((await confirmAction(admin, '/admin/sessions/end', { session }, '/admin/sessions')).statusCode, 303);
      const signedOut = await clerk.get('/admin');
      assert.equal(signedOut.statusCode, 303);
      assert.equal(signedOut.headers.location, '/auth/login?return_to=%2Fadmin');
      const events = (await auditEvents(portico, { subtype: 'session-ended' })).filter((e) => e.entity?.some((x) => x.name === 'user' && x.what?.identifier?.value === CLERK.id));
      assert.equal(events.length, sessions.length);
    });

    it("an export job is listed with its owner, request, status and files, and cancelled: its status URL answers 404; another tenant's console does not see it", async () => {
      const patient = await portico.app.inject({
        method: 'PUT',
        url: '/fhir/Patient/ops-p1',
        headers: { authorization: rootBasic, 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({ resourceType: 'Patient', id: 'ops-p1', name: [{ family: 'Ops' }] }),
      });
      assert.ok(patient.statusCode === 201 || patient.statusCode === 200, patient.body);
      const kickOff = await portico.app.inject({
        method: 'GET',
        url: '/fhir/$export?_type=Patient&_since=2020-01-01T00:00:00Z',
        headers: { authorization: rootBasic, prefer: 'respond-async', accept: 'application/fhir+json' },
      });
      assert.equal(kickOff.statusCode, 202, kickOff.body);
      const statusUrl = new URL(String(kickOff.headers['content-location']));
      const jobId = statusUrl.pathname.split('/').pop() ?? '';
      const status = () => portico.app.inject({ method: 'GET', url: statusUrl.pathname, headers: { authorization: rootBasic } });
      // Until it completes (the worker runs in this process): then its files are listed.
      for (let i = 0; i < 100 && (await status()).statusCode === 202; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await status()).statusCode, 200);

      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const listed = await admin.get('/admin/exports');
      assert.match(listed.body, /<td>completed<\/td>/);
      assert.match(listed.body, /1 file, 1 line<ul class="export-files"><li>Patient \(1\)<\/li><\/ul>/);
      assert.match(listed.body, /<code>\$root<\/code>/);
      assert.equal(listed.statusCode, 200);
      assert.match(listed.body, new RegExp(`<code class="console-id">${jobId}</code>`));
      assert.match(listed.body, /types: Patient/);
      assert.match(listed.body, /since 2020-01-01T00:00:00(\.000)?Z/);
      const byOther = await admin.get('/admin/exports?app=no-such-app');
      assert.doesNotMatch(byOther.body, new RegExp(jobId));

      const north = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      const northPage = await north.get(`/t/${TENANT}/admin/exports`);
      assert.equal(northPage.statusCode, 200);
      assert.doesNotMatch(northPage.body, new RegExp(jobId));
      const northCancel = await north.post(`/t/${TENANT}/admin/exports/cancel`, { job: jobId, confirm: 'yes', csrf_token: csrfTokenIn(northPage.body) });
      assert.equal(northCancel.statusCode, 404);
      assert.notEqual((await status()).statusCode, 404);

      const cancelled = await confirmAction(admin, '/admin/exports/cancel', { job: jobId }, '/admin/exports');
      assert.equal(cancelled.statusCode, 303);
      assert.equal((await status()).statusCode, 404);
      assert.doesNotMatch((await admin.get('/admin/exports')).body, new RegExp(jobId));
      const events = await auditEvents(portico, { subtype: 'export-cancelled' });
      assert.equal(events.filter((e) => e.entity?.some((x) => x.what?.identifier?.value === jobId)).length, 1);
    });

    it('the sessions are paged, 20 a page, the filter kept across pages', async () => {
      for (let i = 0; i < 21; i++) assert.equal((await browser(portico.app, '203.0.113.20').signIn(CLERK.email, CLERK.password, '/')).statusCode, 303);
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const first = await admin.get(`/admin/sessions?user=${CLERK.id}`);
      const total = Number(/1–20 of (\d+)/.exec(first.body)?.[1]);
      assert.ok(total >= 21, first.body);
      assert.equal([...first.body.matchAll(/name="session"/g)].length, 20);
      const next = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
      assert.equal(next, `/admin/sessions?user=${CLERK.id}&spage=2`);
      const second = await admin.get(next);
      assert.match(second.body, new RegExp(`21–${total} of ${total}`));
      assert.equal([...second.body.matchAll(/name="session"/g)].length, total - 20);
      assert.match(second.body, /rel="prev"/);
    });

    it('a User without the role admin is refused every section and action; nobody signed in is sent to sign in', async () => {
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const clerk = browser(portico.app, '203.0.113.30');
      assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/')).statusCode, 303);
      const anonymous = browser(portico.app, '203.0.113.31');
      for (const path of ['/admin/keys', '/admin/sessions', '/admin/exports']) {
        assert.equal((await admin.get(path)).statusCode, 200, path);
        const refused = await clerk.get(path);
        assert.equal(refused.statusCode, 403, path);
        assert.match(refused.body, /Administrators only/);
        const away = await anonymous.get(path);
        assert.equal(away.statusCode, 303, path);
        assert.equal(away.headers.location, `/auth/login?return_to=${encodeURIComponent(path)}`);
      }
      // With a valid CSRF token of their own session, the clerk's confirmed actions are refused all the same.
      const token = csrfTokenIn((await clerk.get('/portal/apps')).body);
      const before = await kidsOf(portico);
      for (const [path, fields] of [['/admin/keys/rotate', {}], ['/admin/sessions/revoke', { grant: 'any' }], ['/admin/sessions/end', { session: 'any' }], ['/admin/exports/cancel', { job: 'any' }]] as const) {
        const refused = await clerk.post(path, { ...fields, confirm: 'yes', csrf_token: token });
        assert.equal(refused.statusCode, 403, path);
        // Past the CSRF check: refused as no administrator.
        assert.match(refused.body, /Administrators only/, path);
      }
      assert.deepEqual(await kidsOf(portico), before);
    });

    it('a filter too long is a 400 page naming the field; actions without the CSRF token are refused', async () => {
      const admin = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const ok = await admin.get('/admin/sessions?user=x');
      assert.equal(ok.statusCode, 200);
      const long = await admin.get(`/admin/sessions?user=${'x'.repeat(300)}`);
      assert.equal(long.statusCode, 400);
      assert.match(long.body, /id="user-error">At most 256 characters/);
      const exportsLong = await admin.get(`/admin/exports?app=${'x'.repeat(300)}`);
      assert.equal(exportsLong.statusCode, 400);
      const before = await kidsOf(portico);
      const forged = await admin.post('/admin/keys/rotate', { confirm: 'yes' });
      assert.equal(forged.statusCode, 403);
      assert.deepEqual(await kidsOf(portico), before);
    });
  });
}
