import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, type TestPortico } from '../support/portico.ts';
import { consoleBrowser, currentStep, enrolledSecret, freshCode, lastStepSent, GLOBAL_ADMIN, rootPut, startConsolePortico, TENANT, TENANT_ADMIN, totpCodeAt } from './console-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

/** A new administrator of the root URLs (each test its own, so that their second factors and throttles are theirs). */
async function newAdmin(app: FastifyInstance, id: string): Promise<{ id: string; email: string; password: string }> {
  const account = { id, email: `${id}@example.org`, password: `a-password-of-${id}` };
  await rootPut(app, `/User/${id}`, { resourceType: 'User', email: account.email, password: account.password, roles: ['admin'] });
  return account;
}

/** Signs in at the sign-in page (303) without going on to the console. */
async function signedIn(app: FastifyInstance, account: { email: string; password: string }): Promise<Browser> {
  const b = browser(app);
  const res = await b.signIn(account.email, account.password, '/admin');
  assert.equal(res.statusCode, 303, res.body);
  return b;
}

const secretIn = (body: string) => /id="totp-secret" type="text" readonly value="([A-Z2-7]+)"/.exec(body)?.[1];
const recoveryCodesIn = (body: string) => (/<textarea id="recovery-codes"[^>]*>([^<]*)<\/textarea>/.exec(body)?.[1] ?? '').split('\n').filter(Boolean);

/** A 6-digit code none of the steps around now accepts for `secret`. */
function wrongCode(secret: string): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpCodeAt(secret, currentStep() + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/** Enrols through the pages, by hand: the enrolment page, a first code, the recovery codes page. */
async function enrolByHand(b: Browser, prefix = ''): Promise<{ secret: string; step: number; codes: string[] }> {
  const page = await b.get(`${prefix}/admin/second-factor/enrol?return_to=${encodeURIComponent(`${prefix}/admin`)}`);
  assert.equal(page.statusCode, 200, page.body);
  const secret = secretIn(page.body);
  assert.ok(secret, page.body);
  const step = currentStep();
  const done = await b.post(`${prefix}/admin/second-factor/enrol`, { csrf_token: csrfTokenIn(page.body), return_to: `${prefix}/admin`, code: totpCodeAt(secret, step) });
  assert.equal(done.statusCode, 200, done.body);
  const codes = recoveryCodesIn(done.body);
  return { secret, step, codes };
}

/** Opens the verify page and posts `code`. */
async function present(b: Browser, code: string, returnTo = '/admin'): Promise<{ statusCode: number; body: string; location: string | undefined; retryAfter: string | undefined }> {
  const page = await b.get(`/admin/second-factor?return_to=${encodeURIComponent('/admin')}`);
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /<h1>Second factor<\/h1>/);
  const res = await b.post('/admin/second-factor', { csrf_token: csrfTokenIn(page.body), return_to: returnTo, code });
  return { statusCode: res.statusCode, body: res.body, location: res.headers.location as string | undefined, retryAfter: res.headers['retry-after'] as string | undefined };
}

const subtypeCount = async (portico: TestPortico, subtype: string, tenant = 'default') => (await auditEvents(portico, { subtype }, tenant)).length;

for (const driver of drivers) {
  describe(`the administrators' second factor in production (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startConsolePortico(driver, 'production', { LOGIN_MAX_FAILURES: '3' });
    });
    after(() => portico.stop());

    it('an administrator without one enrols before any console page: QR code, first code, recovery codes shown once', async () => {
      const b = await signedIn(portico.app, GLOBAL_ADMIN);
      const dashboard = await b.get('/admin');
      assert.equal(dashboard.statusCode, 303);
      assert.equal(dashboard.headers.location, '/admin/second-factor?return_to=%2Fadmin');
      const hub = await b.get(String(dashboard.headers.location));
      assert.equal(hub.statusCode, 303);
      assert.equal(hub.headers.location, '/admin/second-factor/enrol?return_to=%2Fadmin');
      const page = await b.get(String(hub.headers.location));
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<figure class="qr-code"><svg role="img" aria-labelledby="qr-caption"/);
      assert.doesNotMatch(page.body, /console-nav/, 'no navigation before the second factor');
      assert.doesNotMatch(page.body, /style=/);
      const secret = secretIn(page.body);
      assert.ok(secret && secret.length === 32, page.body);
      // The same pending secret on a second look (a QR code scanned before a reload still works).
      assert.equal(secretIn((await b.get(String(hub.headers.location))).body), secret);

      const wrong = await b.post('/admin/second-factor/enrol', { csrf_token: csrfTokenIn(page.body), return_to: '/admin', code: wrongCode(secret) });
      assert.equal(wrong.statusCode, 422);
      assert.match(wrong.body, /id="code-error">That code is not right/);
      assert.match(wrong.body, /aria-invalid="true"/);
      assert.equal((await b.get('/admin')).statusCode, 303, 'not enrolled by a wrong code');

      const done = await b.post('/admin/second-factor/enrol', { csrf_token: csrfTokenIn(wrong.body), return_to: '/admin', code: totpCodeAt(secret, currentStep()) });
      assert.equal(done.statusCode, 200, done.body);
      const codes = recoveryCodesIn(done.body);
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) assert.match(code, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
      assert.match(done.body, /href="\/admin">I have saved them: continue/);
      assert.equal((await b.get('/admin')).statusCode, 200);

      // Once on, the page says so, and the codes are never shown again.
      const status = await b.get('/admin/second-factor');
      assert.equal(status.statusCode, 200);
      assert.match(status.body, /Your second factor is on/);
      assert.match(status.body, /10 unused recovery codes left/);
      assert.ok(!codes.some((code) => status.body.includes(code)));
      const again = await b.get('/admin/second-factor/enrol');
      assert.equal(again.statusCode, 303);
      assert.equal(await subtypeCount(portico, 'second-factor-enrolled'), 1);
      const failed = await auditEvents(portico, { subtype: 'second-factor-failed' });
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.outcome, '4');
      assert.equal(failed[0]?.agent[0]?.who?.identifier?.value, GLOBAL_ADMIN.id);
    });

    it('the session that presented it keeps it; a new sign-in presents it again; a code is never accepted twice', async () => {
      const account = await newAdmin(portico.app, 'admin-twice');
      const first = await consoleBrowser(portico.app, account);
      const secret = enrolledSecret(portico.app, account.email);
      assert.ok(secret);
      assert.equal((await first.get('/admin')).statusCode, 200);

      const second = await signedIn(portico.app, account);
      const refused = await second.get('/admin');
      assert.equal(refused.statusCode, 303);
      assert.equal(refused.headers.location, '/admin/second-factor?return_to=%2Fadmin');
      // The enrolment's own code (its step was accepted) does not open a second session (RFC 6238 §5.2).
      const replayed = await present(second, totpCodeAt(secret, lastStepSent(portico.app, account.email) ?? 0));
      assert.equal(replayed.statusCode, 422);
      const code = await freshCode(portico.app, account.email);
      // return_to is a path on this server: another origin falls back to the dashboard.
      const accepted = await present(second, code, '//evil.example/steal');
      assert.equal(accepted.statusCode, 303, accepted.body);
      assert.equal(accepted.location, '/admin');
      assert.equal((await second.get('/admin')).statusCode, 200);

      const third = await signedIn(portico.app, account);
      assert.equal((await present(third, code)).statusCode, 422, 'the same code again');
      assert.equal((await third.get('/admin')).statusCode, 303);
      const failures = await auditEvents(portico, { subtype: 'second-factor-failed' });
      assert.ok(failures.filter((e) => e.outcomeDesc === 'code already used (RFC 6238 §5.2)').length >= 2);
      assert.ok((await subtypeCount(portico, 'second-factor-verified')) >= 2);
    });

    it('wrong codes are refused, then every code is refused for a while (throttled), and recorded', async () => {
      const account = await newAdmin(portico.app, 'admin-guessed');
      await consoleBrowser(portico.app, account);
      const secret = enrolledSecret(portico.app, account.email) ?? '';
      const b = await signedIn(portico.app, account);
      for (let i = 0; i < 3; i++) {
        const res = await present(b, wrongCode(secret));
        assert.equal(res.statusCode, 422);
        assert.match(res.body, /That code is not right/);
      }
      const locked = await present(b, await freshCode(portico.app, account.email));
      assert.equal(locked.statusCode, 429);
      assert.ok(Number(locked.retryAfter) > 0);
      assert.match(locked.body, /Too many wrong codes/);
      assert.equal((await b.get('/admin')).statusCode, 303);
      const lockouts = await auditEvents(portico, { subtype: 'second-factor-lockout' });
      assert.equal(lockouts.filter((e) => e.agent[0]?.who?.identifier?.value === account.id).length, 1);
    });

    it('a recovery code opens one session, once (case, spaces and hyphens do not matter)', async () => {
      const account = await newAdmin(portico.app, 'admin-lost-phone');
      const { codes } = await enrolByHand(await signedIn(portico.app, account));
      const code = codes[3] ?? '';
      const b = await signedIn(portico.app, account);
      const used = await present(b, ` ${code.toUpperCase().replaceAll('-', ' ')} `);
      assert.equal(used.statusCode, 303, used.body);
      assert.equal((await b.get('/admin')).statusCode, 200);
      assert.match((await b.get('/admin/second-factor')).body, /9 unused recovery codes left/);

      const again = await signedIn(portico.app, account);
      assert.equal((await present(again, code)).statusCode, 422);
      assert.equal((await again.get('/admin')).statusCode, 303);
      const events = await auditEvents(portico, { subtype: 'recovery-code-used' });
      const mine = events.filter((e) => e.agent[0]?.who?.identifier?.value === account.id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]?.outcomeDesc, '9 recovery codes left');
      assert.ok(!JSON.stringify(events).includes(code.slice(0, 4) + '-'), 'no recovery code in an event');
    });

    it('consoleBrowser signs one administrator in again and again (the sections\' production tests rely on it)', async () => {
      const account = await newAdmin(portico.app, 'admin-often');
      const started = Date.now();
      for (let i = 0; i < 4; i++) assert.equal((await (await consoleBrowser(portico.app, account)).get('/admin')).statusCode, 200);
      // Never a wait for the clock: a recovery code when no time step is free.
      assert.ok(Date.now() - started < 25_000);
    });

    it("a tenant's administrator enrols at the tenant's console; the events are the tenant's", async () => {
      const b = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      assert.equal((await b.get(`/t/${TENANT}/admin`)).statusCode, 200);
      assert.equal(await subtypeCount(portico, 'second-factor-enrolled', TENANT), 1);
      const status = await b.get(`/t/${TENANT}/admin/second-factor`);
      assert.match(status.body, /Your second factor is on/);
    });
  });

  describe(`the administrators' second factor in sandbox mode (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
    });
    after(() => portico.stop());

    it('is optional: the console opens without it, offers it, and once enrolled a new sign-in presents it', async () => {
      const b = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const dashboard = await b.get('/admin');
      assert.match(dashboard.body, /<a href="\/admin\/second-factor">Second factor<\/a>/);
      const status = await b.get('/admin/second-factor');
      assert.equal(status.statusCode, 200);
      assert.match(status.body, /Your second factor is off/);
      assert.match(status.body, /href="\/admin\/second-factor\/enrol"/);
      const enrolment = await enrolByHand(b);
      assert.equal(enrolment.codes.length, 10);
      assert.equal((await b.get('/admin')).statusCode, 200);

      const next = await signedIn(portico.app, GLOBAL_ADMIN);
      assert.equal((await next.get('/admin')).statusCode, 303);
      const res = await present(next, totpCodeAt(enrolment.secret, enrolment.step + 1));
      assert.equal(res.statusCode, 303, res.body);
      assert.equal((await next.get('/admin')).statusCode, 200);
    });

    it('its pages are for signed-in administrators only, and its forms need their CSRF token', async () => {
      const anonymous = await browser(portico.app).get('/admin/second-factor');
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, '/auth/login?return_to=%2Fadmin%2Fsecond-factor');
      const account = await newAdmin(portico.app, 'admin-forged');
      const b = await signedIn(portico.app, account);
      const page = await b.get('/admin/second-factor/enrol');
      assert.equal(page.statusCode, 200);
      const secret = secretIn(page.body) ?? '';
      const forged = await b.post('/admin/second-factor/enrol', { csrf_token: 'forged', code: totpCodeAt(secret, currentStep()) });
      assert.equal(forged.statusCode, 403);
      assert.match((await b.get('/admin/second-factor')).body, /Your second factor is off/);
      const real = await b.post('/admin/second-factor/enrol', { csrf_token: csrfTokenIn(page.body), code: totpCodeAt(secret, currentStep()) });
      assert.equal(real.statusCode, 200, real.body);
    });
  });
}
