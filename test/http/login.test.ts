import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { hashPassword } from '../../src/auth/users/password-hash.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, setCookies } from './login-support.ts';

const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const PRACTITIONER = { email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password' };
const INCORRECT = 'The email or password is incorrect';

function assertPageHeaders(res: LightMyRequestResponse) {
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|script-src/);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
}

/** Whether this browser's session cookie is signed in, as the sign-out page tells. */
async function signedIn(b: ReturnType<typeof browser>): Promise<boolean> {
  const res = await b.get('/auth/logout');
  return res.body.includes('You are signed in as');
}

for (const driver of drivers) {
  describe(`sign-in pages (${driver})`, () => {
    let portico: TestPortico;
    let offsetMs = 0;
    before(async () => {
      portico = await startPortico(
        driver,
        { LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '3', SESSION_IDLE_TIMEOUT: '1800', SESSION_MAX_LIFETIME: '3600' },
        { now: () => new Date(Date.now() + offsetMs) },
      );
      await seedSandboxUsers(portico.auth.users);
    });
    after(() => portico.stop());

    it('renders the form: username, password, a CSRF token, the return address, a submit button', async () => {
      const res = await browser(portico.app).get('/auth/login?return_to=' + encodeURIComponent('/auth/authorize?client_id=a&state=x'));
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assertPageHeaders(res);
      assert.match(res.body, /<html lang="en">/);
      assert.match(res.body, /<label for="username">/);
      assert.match(res.body, /<input id="username" name="username"/);
      assert.match(res.body, /<input id="password" name="password" type="password"/);
      assert.match(res.body, /<button type="submit" class="primary">Sign in<\/button>/);
      assert.match(res.body, /name="return_to" value="\/auth\/authorize\?client_id=a&amp;state=x"/);
      assert.ok(csrfTokenIn(res.body));
      assert.doesNotMatch(res.body, /<script|style=/);
    });

    it('signs in: 303 to return_to, a signed HttpOnly SameSite=Lax session cookie', async () => {
      const b = browser(portico.app, '203.0.113.10');
      const res = await b.signIn(PATIENT.email, PATIENT.password, '/auth/authorize?client_id=a&state=x');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/auth/authorize?client_id=a&state=x');
      const cookie = setCookies(res).find((c) => c.startsWith('portico_session='));
      assert.ok(cookie, 'a session cookie is set');
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Lax/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /Domain=/);
      // Signed: the value is the id and an HMAC.
      assert.match(cookie, /^portico_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/_-]+/);
      assert.equal(await signedIn(b), true);
      // The email is matched without regard to case.
      const again = await browser(portico.app, '203.0.113.11').signIn(PATIENT.email.toUpperCase(), PATIENT.password);
      assert.equal(again.statusCode, 303);
    });

    it('a tampered session cookie is not signed in', async () => {
      const b = browser(portico.app, '203.0.113.12');
      assert.equal((await b.signIn(PATIENT.email, PATIENT.password)).statusCode, 303);
      const value = b.jar.cookies.get('portico_session') ?? '';
      assert.match(value, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/_-]+/);
      // The control: the cookie as the server signed it is signed in.
      assert.equal(await signedIn(b), true);
      assert.equal(b.jar.cookies.get('portico_session'), value);

      const [id = '', signature = ''] = value.split('.');
      const flip = (text: string) => text.slice(0, -2) + (text.endsWith('A') ? 'BB' : 'AA');
      // A changed signature, and another session id under the original signature.
      for (const tampered of [`${id}.${flip(signature)}`, `${flip(id)}.${signature}`]) {
        b.jar.cookies.set('portico_session', tampered);
        assert.equal(await signedIn(b), false, tampered);
      }
      // The session itself is untouched: its genuine cookie is still signed in.
      b.jar.cookies.set('portico_session', value);
      assert.equal(await signedIn(b), true);
    });

    it('wrong password and unknown email: 401, the same message, the form again', async () => {
      const wrong = await browser(portico.app, '203.0.113.20').signIn(PATIENT.email, 'not-the-password');
      const unknown = await browser(portico.app, '203.0.113.21').signIn('nobody@example.org', PATIENT.password);
      for (const res of [wrong, unknown]) {
        assert.equal(res.statusCode, 401);
        assertPageHeaders(res);
        assert.match(res.body, new RegExp(INCORRECT));
        assert.doesNotMatch(res.body, /unknown|not found|password is wrong/i);
        assert.equal(setCookies(res).some((c) => c.startsWith('portico_session=')), false);
        assert.ok(csrfTokenIn(res.body));
      }
      assert.equal(wrong.body.replace(/value="[^"]*"/g, ''), unknown.body.replace(/value="[^"]*"/g, ''));
    });

    it('an inactive user is refused with the same message', async () => {
      await portico.auth.users.put({
        resourceType: 'User',
        id: 'inactive-user',
        email: 'inactive@example.org',
        active: false,
        password_hash: await hashPassword('inactive-password'),
      });
      const res = await browser(portico.app, '203.0.113.22').signIn('inactive@example.org', 'inactive-password');
      assert.equal(res.statusCode, 401);
      assert.match(res.body, new RegExp(INCORRECT));
    });

    it('CSRF: a missing, wrong or other browser\'s token → 403 page, nobody signed in', async () => {
      const b = browser(portico.app, '203.0.113.30');
      const page = await b.get('/auth/login');
      const token = csrfTokenIn(page.body);
      const missing = await b.post('/auth/login', { username: PATIENT.email, password: PATIENT.password });
      const wrong = await b.post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: token.slice(0, -3) + 'xyz' });
      const other = browser(portico.app, '203.0.113.31');
      await other.get('/auth/login');
      const foreign = await other.post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: token });
      const noCookie = await browser(portico.app, '203.0.113.32').post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: token });
      for (const res of [missing, wrong, foreign, noCookie]) {
        assert.equal(res.statusCode, 403);
        assertPageHeaders(res);
        assert.match(res.body, /Form refused/);
        assert.equal(setCookies(res).some((c) => c.startsWith('portico_session=')), false);
      }
    });

    it('a cross-site POST (another Origin) is refused even with a valid token', async () => {
      const b = browser(portico.app, '203.0.113.33');
      const token = csrfTokenIn((await b.get('/auth/login')).body);
      const res = await b.post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: token }, { origin: 'https://evil.example' });
      assert.equal(res.statusCode, 403);
      const same = await b.post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: token }, { origin: 'http://portico.test' });
      assert.equal(same.statusCode, 303);
    });

    it('Origin: null (what browsers send under Referrer-Policy: no-referrer) falls back to Sec-Fetch-Site', async () => {
      const b = browser(portico.app, '203.0.113.34');
      const token = csrfTokenIn((await b.get('/auth/login')).body);
      const body = { username: PATIENT.email, password: PATIENT.password, csrf_token: token };
      const crossSite = await b.post('/auth/login', body, { origin: 'null', 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.statusCode, 403);
      const sameSite = await b.post('/auth/login', body, { origin: 'null', 'sec-fetch-site': 'same-site' });
      assert.equal(sameSite.statusCode, 403);
      const sameOrigin = await b.post('/auth/login', body, { origin: 'null', 'sec-fetch-site': 'same-origin' });
      assert.equal(sameOrigin.statusCode, 303);
    });

    it('session fixation: a session cookie the browser already had is replaced and stops working', async () => {
      const attacker = browser(portico.app, '203.0.113.40');
      await attacker.signIn(PATIENT.email, PATIENT.password);
      const planted = attacker.jar.cookies.get('portico_session') ?? '';
      assert.ok(planted);
      const victim = browser(portico.app, '203.0.113.41');
      victim.jar.cookies.set('portico_session', planted);
      const res = await victim.signIn(PATIENT.email, PATIENT.password);
      assert.equal(res.statusCode, 303);
      const issued = victim.jar.cookies.get('portico_session');
      assert.ok(issued);
      assert.notEqual(issued, planted);
      assert.equal(await signedIn(victim), true);
      assert.equal(await signedIn(attacker), false, 'the pre-login session id is no longer authenticated');
      // An attacker-chosen, unsigned value is simply replaced.
      const other = browser(portico.app, '203.0.113.42');
      other.jar.cookies.set('portico_session', 'attacker-chosen');
      await other.signIn(PATIENT.email, PATIENT.password);
      assert.notEqual(other.jar.cookies.get('portico_session'), 'attacker-chosen');
    });

    it('open redirects refused: only local paths are honoured', async () => {
      const evil = ['https://evil.example/', '//evil.example', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)', 'evil.example', ' //evil.example'];
      for (const [i, returnTo] of evil.entries()) {
        const res = await browser(portico.app, `203.0.113.${50 + i}`).signIn(PATIENT.email, PATIENT.password, returnTo);
        assert.equal(res.statusCode, 303, returnTo);
        assert.equal(res.headers.location, '/auth/apps', returnTo);
      }
      const page = await browser(portico.app).get('/auth/login?return_to=' + encodeURIComponent('//evil.example'));
      assert.match(page.body, /name="return_to" value="\/auth\/apps"/);
    });

    it('throttling: after N failures for an account → 429 with Retry-After, even with the right password', async () => {
      const email = 'practitioner@sandbox.portico.test';
      for (let i = 0; i < 3; i++) {
        const res = await browser(portico.app, `198.51.100.${i}`).signIn(email.toUpperCase(), 'wrong-password');
        assert.equal(res.statusCode, 401);
      }
      const blocked = await browser(portico.app, '198.51.100.9').signIn(email, 'sandbox-practitioner-password');
      assert.equal(blocked.statusCode, 429);
      assertPageHeaders(blocked);
      const retryAfter = Number(blocked.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      assert.equal(setCookies(blocked).some((c) => c.startsWith('portico_session=')), false);
      assert.match(blocked.body, /Too many sign-in attempts/);
    });

    it('throttling: a successful sign-in clears the account count', async () => {
      await portico.auth.users.put({ resourceType: 'User', id: 'reset-user', email: 'reset@example.org', active: true, password_hash: await hashPassword('reset-password') });
      const fail = (n: number) => browser(portico.app, `198.51.101.${n}`).signIn('reset@example.org', 'wrong');
      assert.equal((await fail(1)).statusCode, 401);
      assert.equal((await fail(2)).statusCode, 401);
      assert.equal((await browser(portico.app, '198.51.101.3').signIn('reset@example.org', 'reset-password')).statusCode, 303);
      assert.equal((await fail(4)).statusCode, 401);
      assert.equal((await fail(5)).statusCode, 401);
      assert.equal((await fail(6)).statusCode, 401);
      assert.equal((await fail(7)).statusCode, 429);
    });

    it('throttling: per client address, across accounts; other addresses unaffected', async () => {
      const from = (ip: string, n: number) => browser(portico.app, ip).signIn(`guess${n}@example.org`, 'wrong');
      for (let n = 0; n < 3; n++) assert.equal((await from('192.0.2.77', n)).statusCode, 401);
      assert.equal((await from('192.0.2.77', 10)).statusCode, 429);
      assert.equal((await from('192.0.2.78', 11)).statusCode, 401);
    });

    it('throttling: X-Forwarded-For is not believed without TRUST_PROXY (no escaping the address count)', async () => {
      const b = browser(portico.app, '192.0.2.90');
      const guess = async (n: number) => {
        const page = await b.get('/auth/login');
        return b.post('/auth/login', { username: `spoof${n}@example.org`, password: 'wrong', csrf_token: csrfTokenIn(page.body), return_to: '/' }, { 'x-forwarded-for': `198.18.0.${n}` });
      };
      for (let n = 0; n < 3; n++) assert.equal((await guess(n)).statusCode, 401);
      assert.equal((await guess(3)).statusCode, 429);
    });

    it('throttling: parallel wrong guesses are all counted (no lost increments)', async () => {
      await portico.auth.users.put({ resourceType: 'User', id: 'parallel-user', email: 'parallel@example.org', active: true, password_hash: await hashPassword('parallel-password') });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, n) => browser(portico.app, `198.51.102.${n}`).signIn('parallel@example.org', 'wrong')),
      );
      const statuses = results.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 401).length, 3, statuses.join());
      assert.equal(statuses.filter((s) => s === 429).length, 5, statuses.join());
    });

    it('logout: GET asks, POST (with CSRF) ends the session', async () => {
      const b = browser(portico.app, '203.0.113.60');
      await b.signIn(PATIENT.email, PATIENT.password);
      const cookie = b.jar.cookies.get('portico_session') ?? '';
      const ask = await b.get('/auth/logout');
      assert.equal(ask.statusCode, 200);
      assertPageHeaders(ask);
      assert.match(ask.body, /Sandbox Patient/);
      const noToken = await b.post('/auth/logout', {});
      assert.equal(noToken.statusCode, 403);
      assert.equal(await signedIn(b), true);
      const out = await b.post('/auth/logout', { csrf_token: csrfTokenIn(ask.body) });
      assert.equal(out.statusCode, 200);
      assertPageHeaders(out);
      assert.ok(setCookies(out).some((c) => /^portico_session=;/.test(c)), 'the cookie is cleared');
      // The old cookie, replayed, is signed out on the server too.
      b.jar.cookies.set('portico_session', cookie);
      assert.equal(await signedIn(b), false);
    });

    it('escapes hostile text: return_to, the email typed, a user name', async () => {
      const hostile = '/auth/authorize?state="><script>alert(1)</script>';
      const page = await browser(portico.app).get('/auth/login?return_to=' + encodeURIComponent(hostile));
      assert.doesNotMatch(page.body, /<script>/);
      assert.match(page.body, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      const failed = await browser(portico.app, '203.0.113.70').signIn('"><script>alert(1)</script>', 'x');
      assert.equal(failed.statusCode, 401);
      assert.doesNotMatch(failed.body, /<script>/);
      await portico.auth.users.put({
        resourceType: 'User',
        id: 'hostile-name',
        name: '<script>alert(1)</script>',
        email: 'hostile@example.org',
        active: true,
        password_hash: await hashPassword('hostile-password'),
      });
      const b = browser(portico.app, '203.0.113.71');
      assert.equal((await b.signIn('hostile@example.org', 'hostile-password')).statusCode, 303);
      const out = await b.get('/auth/logout');
      assert.doesNotMatch(out.body, /<script>/);
      assert.match(out.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });

    it('serves the stylesheet; a body that is not a form is refused with an HTML page', async () => {
      const css = await portico.app.inject({ method: 'GET', url: '/auth/assets/portico.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['content-type']), /^text\/css/);
      const json = await portico.app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(json.statusCode, 415);
      assertPageHeaders(json);
      assert.match(String(json.headers['content-type']), /^text\/html/);
    });

    // Moves the clock: keep last.
    it('sessions end after the idle timeout and after the absolute lifetime', async () => {
      const idle = browser(portico.app, '203.0.113.80');
      await idle.signIn(PATIENT.email, PATIENT.password);
      const active = browser(portico.app, '203.0.113.81');
      await active.signIn(PATIENT.email, PATIENT.password);
      offsetMs += 1500_000;
      assert.equal(await signedIn(active), true);
      offsetMs += 400_000; // idle: 1900 s since its last request
      assert.equal(await signedIn(idle), false);
      assert.equal(await signedIn(active), true);
      offsetMs += 1500_000;
      assert.equal(await signedIn(active), true);
      offsetMs += 300_000; // 3700 s after sign-in: past the absolute lifetime, though active
      assert.equal(await signedIn(active), false);
    });
  });
}

for (const driver of drivers) {
  describe(`sign-in behind a trusted proxy (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '3', TRUST_PROXY: '10.0.0.1' });
    });
    after(() => portico.stop());

    /** A wrong guess for a fresh account sent by `peer`, saying it is forwarded for `forwardedFor`. */
    const guess = async (peer: string, forwardedFor: string, n: number) => {
      const b = browser(portico.app, peer);
      const page = await b.get('/auth/login');
      const form = { username: `proxied${n}@example.org`, password: 'wrong', csrf_token: csrfTokenIn(page.body), return_to: '/' };
      return b.post('/auth/login', form, { 'x-forwarded-for': forwardedFor });
    };

    it("counts failures per forwarded client address: one client's guesses do not lock out the others behind the proxy", async () => {
      for (let n = 0; n < 3; n++) assert.equal((await guess('10.0.0.1', '192.0.2.10', n)).statusCode, 401);
      assert.equal((await guess('10.0.0.1', '192.0.2.10', 3)).statusCode, 429);
      assert.equal((await guess('10.0.0.1', '192.0.2.11', 4)).statusCode, 401);
    });

    it('believes X-Forwarded-For only from the trusted proxy', async () => {
      for (let n = 10; n < 13; n++) assert.equal((await guess('203.0.113.9', `198.18.1.${n}`, n)).statusCode, 401);
      assert.equal((await guess('203.0.113.9', '198.18.1.99', 13)).statusCode, 429);
    });
  });
}

for (const driver of drivers) {
  describe(`sign-in throttling: an address's limit is higher than an account's (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '8' });
      await seedSandboxUsers(portico.auth.users);
    });
    after(() => portico.stop());

    it("one person's wrong passwords lock their account, not everyone else signing in from the same address", async () => {
      const from = (email: string, password: string) => browser(portico.app, '192.0.2.200').signIn(email, password);
      for (let n = 0; n < 3; n++) assert.equal((await from(PATIENT.email, 'wrong-password')).statusCode, 401);
      assert.equal((await from(PATIENT.email, PATIENT.password)).statusCode, 429, 'the account is locked');
      assert.equal((await from(PRACTITIONER.email, PRACTITIONER.password)).statusCode, 303, 'another account from the same address signs in');
      // The address has a limit of its own: guesses over many accounts from it end at 8.
      for (let n = 0; n < 4; n++) assert.equal((await from(`nobody${n}@example.org`, 'wrong')).statusCode, 401, `guess ${n}`);
      assert.equal((await from('nobody-else@example.org', 'wrong')).statusCode, 429);
      assert.equal((await browser(portico.app, '192.0.2.201').signIn(PRACTITIONER.email, PRACTITIONER.password)).statusCode, 303, 'other addresses are unaffected');
    });
  });
}
