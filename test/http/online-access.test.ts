import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, introspect, launch, PATIENT_LOGIN, putAdmin, refresh, type Json } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const ONLINE = 'launch/patient openid fhirUser online_access patient/Patient.rs';
const OFFLINE = 'launch/patient openid fhirUser offline_access patient/Patient.rs';
const IDLE_TIMEOUT = 600;

function assertSessionEnded(res: { statusCode: number; body: string }) {
  assert.equal(res.statusCode, 400, res.body);
  const body = JSON.parse(res.body) as Json;
  assert.equal(body.error, 'invalid_grant');
  assert.match(String(body.error_description), /sign-in session ended/);
}

/** SMART App Launch 2.2: an online_access refresh token lives only as long as the user's sign-in session. */
for (const driver of drivers) {
  describe(`online_access refresh tokens (${driver})`, () => {
    let portico: TestPortico;
    // A clock the test moves (never waits on): sessions, tokens and refresh tokens all read it.
    let clock = Date.now();

    before(async () => {
      portico = await startPortico(driver, { SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT) }, { now: () => new Date(clock) });
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, '/Client/online-app', firstPartyClient('Online App'));
    });
    after(() => portico.stop());

    const signedIn = async (): Promise<Browser> => {
      const b = browser(portico.app);
      assert.equal((await b.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);
      return b;
    };
    const signOut = async (b: Browser) => {
      const page = await b.get('/auth/logout');
      const res = await b.post('/auth/logout', { csrf_token: csrfTokenIn(page.body) });
      assert.equal(res.statusCode, 200, res.body);
    };

    it('refreshes while the user is signed in; after sign-out the refresh is invalid_grant and the token inactive', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'online-app', ONLINE);
      assert.equal(typeof tokens.refresh_token, 'string');
      assert.equal(tokens.scope, ONLINE);

      const first = await refresh(portico.app, tokens.refresh_token, 'online-app');
      assert.equal(first.statusCode, 200, first.body);
      const rotated = (first.json() as Json).refresh_token;
      assert.equal(typeof rotated, 'string');
      assert.equal((await introspect(portico.app, rotated, 'online-app')).active, true);

      await signOut(b);
      assert.deepEqual(await introspect(portico.app, rotated, 'online-app'), { active: false });
      assertSessionEnded(await refresh(portico.app, rotated, 'online-app'));
    });

    it('offline_access refresh tokens outlive the sign-in session', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'online-app', OFFLINE);
      await signOut(b);
      const res = await refresh(portico.app, tokens.refresh_token, 'online-app');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as Json).scope, OFFLINE);
    });

    it('a refresh narrowed down to online_access narrows the access token only: the refresh token keeps offline_access', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'online-app', `${OFFLINE} online_access`);
      const narrowed = await portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), client_id: 'online-app', scope: 'online_access patient/Patient.rs' }).toString(),
      });
      assert.equal(narrowed.statusCode, 200, narrowed.body);
      const body = narrowed.json() as Json;
      assert.deepEqual(String(body.scope).split(' ').sort(), ['online_access', 'patient/Patient.rs']);
      // RFC 6749 §6: the new refresh token's scope is the presented one's, so it outlives the session.
      assert.equal((await introspect(portico.app, body.refresh_token, 'online-app')).scope, `${OFFLINE} online_access`);
      await signOut(b);
      const after = await refresh(portico.app, body.refresh_token, 'online-app');
      assert.equal(after.statusCode, 200, after.body);
    });

    it('session expiry (idle timeout) ends online_access refresh too; signing in again does not revive it', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'online-app', ONLINE);
      clock += (IDLE_TIMEOUT + 1) * 1000;
      assertSessionEnded(await refresh(portico.app, tokens.refresh_token, 'online-app'));
      // A new session is another session: the old grant stays bound to the one that ended.
      await signedIn();
      assertSessionEnded(await refresh(portico.app, tokens.refresh_token, 'online-app'));
    });

    it('another browser signing out does not end this session’s online_access', async () => {
      const mine = await signedIn();
      const other = await signedIn();
      const tokens = await launch(portico.app, mine, 'online-app', ONLINE);
      await signOut(other);
      const res = await refresh(portico.app, tokens.refresh_token, 'online-app');
      assert.equal(res.statusCode, 200, res.body);
    });
  });
}
