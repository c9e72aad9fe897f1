import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Portico } from '../../src/portico.ts';
import type { Database, SqlClient } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';
import { adminHttp, basic, type AdminResponse } from '../auth/support/admin-http.ts';
import { drivers, startPortico, startSibling, type TestPortico } from '../support/portico.ts';
import { browser } from './login-support.ts';

// Wrong client secrets are throttled per client_id wherever a Client's secret is checked (the token,
// introspection and revocation endpoints, HTTP Basic at the admin API, /rpc and $rotate-secret), in one count;
// a developer's password over HTTP Basic shares the sign-in page's count of the account. Only failures are
// counted, so a client's right secret is never refused for being busy. The admin API, the RPC and RFC 7592
// change a Client as the database holds it, never as another process's read cache remembered it. The root
// client is not throttled; in production its secret is long.

const MAX_FAILURES = 3;
const WINDOW_SECONDS = 600;
const LOGIN_WINDOW_SECONDS = 900;
const SECRET = 'the-right-secret-of-a-test-client';
const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';
const SAVE_PARAMS = { confidentiality: 'confidential', name: 'dev-app', 'redirect-url': 'https://dev-app.example.org/cb' };
const FORM = 'application/x-www-form-urlencoded';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: Json;
}

/** Statements on the client attempt counters run on behalf of one request. */
const attemptStatements = new AsyncLocalStorage<string[]>();

/** A Database that records every statement touching auth_client_attempt into the current request's list. */
function recordingDatabase(db: Database): Database {
  const before = async (text: string | PreparedStatement) => {
    const sql = typeof text === 'string' ? text : text.text;
    if (sql.includes('auth_client_attempt')) attemptStatements.getStore()?.push(sql.trim().split(/\s+/)[0]?.toUpperCase() ?? '');
  };
  const wrap = (client: SqlClient): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      await before(text);
      return client.query<R>(text, params);
    },
  });
  return {
    driver: db.driver,
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      await before(text);
      return db.query<R>(text, params);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    ping: () => db.ping(),
    close: () => db.close(),
    overloaded: () => db.overloaded(),
    background: () => db.background(),
  };
}

const secretClient = (extra: Json = {}): Json => ({
  resourceType: 'Client',
  type: 'client',
  active: true,
  secret: SECRET,
  grant_types: ['client_credentials'],
  scope: ['system/*.rs'],
  ...extra,
});

async function request(app: Portico['app'], method: 'POST' | 'PUT' | 'GET', url: string, options: { form?: Json; json?: Json; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.form) {
    payload = new URLSearchParams(options.form as Record<string, string>).toString();
    headers['content-type'] = FORM;
  } else if (options.json) {
    payload = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : {}) as Json };
}

const clientCredentials = (app: Portico['app'], clientId: string, secret: string) =>
  request(app, 'POST', '/auth/token', { form: { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, headers: { authorization: basic(clientId, secret) } });

/** An RFC 6749 §5.2 error answer of the token-side endpoints. */
function assertOAuthError(res: Res, status: number, error: string, description: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.match(String(res.body.error_description), description);
  assert.equal(res.headers['cache-control'], 'no-store');
}

/** The answer to a Basic-authenticated client over the limit: 401, its challenge and Retry-After (RFC 6749 §5.2). */
function assertThrottledBasic(res: Res) {
  assertOAuthError(res, 401, 'invalid_client', /too many failed client authentications/);
  assert.match(String(res.headers['www-authenticate']), /^Basic realm="portico"/);
  assert.match(String(res.headers['retry-after']), /^\d+$/);
}

/** A wrong secret, under the limit: 401, no Retry-After. */
function assertWrongBasic(res: Res) {
  assertOAuthError(res, 401, 'invalid_client', /invalid client credentials/);
  assert.equal(res.headers['retry-after'], undefined);
}

/** The admin API's and /rpc's answer to refused credentials over the limit: 401, the Basic challenge, Retry-After. */
function assertAdminThrottled(res: AdminResponse, retryAfter?: number) {
  assert.equal(res.status, 401, res.text);
  assert.match(String(res.headers['www-authenticate']), /^Basic realm="portico"/);
  if (retryAfter === undefined) assert.match(String(res.headers['retry-after']), /^\d+$/);
  else assert.equal(res.headers['retry-after'], String(retryAfter));
  assert.match(res.text, /Too many failed authentications/);
}

/** The admin API's and /rpc's answer to wrong credentials under the limit: 401 without Retry-After. */
function assertAdminWrong(res: AdminResponse) {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers['retry-after'], undefined);
}

for (const driver of drivers) {
  describe(`client authentication throttle (${driver})`, () => {
    let portico: TestPortico;
    let clock = Date.now();
    let admin: ReturnType<typeof adminHttp>;
    const env = {
      CLIENT_AUTH_MAX_FAILURES: String(MAX_FAILURES),
      CLIENT_AUTH_FAILURE_WINDOW: String(WINDOW_SECONDS),
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_ADDRESS_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_FAILURE_WINDOW: String(LOGIN_WINDOW_SECONDS),
    };

    before(async () => {
      portico = await startPortico(driver, env, { now: () => new Date(clock), wrapDatabase: recordingDatabase });
      admin = adminHttp(portico.app);
      for (const id of ['admin-guessed', 'token-guessed', 'basic-answer', 'busy-rs', 'cleared-rs', 'locked-rs', 'quiet-app']) {
        const put = await admin('PUT', `/Client/${id}`, { body: secretClient(id.endsWith('-rs') ? { resource_server: true } : {}) });
        assert.equal(put.status, 201, put.text);
      }
      // The Clients may use the admin API and the RPC: the right secret is then told by a 200, not by a 403.
      for (const id of ['admin-guessed', 'token-guessed']) {
        const policy = await admin('PUT', `/AccessPolicy/${id}`, { body: { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id }] } });
        assert.equal(policy.status, 201, policy.text);
      }
      for (const email of ['dev-rpc@throttle.example', 'dev-page@throttle.example', 'dev-busy@throttle.example']) {
        const dev = await admin('POST', '/User', { body: { resourceType: 'User', email, password: 'the developer password', roles: ['developer'] } });
        assert.equal(dev.status, 201, dev.text);
      }
    });
    after(() => portico.stop());

    const as = (id: string, secret: string) => ({ authorization: basic(id, secret) });
    /** A client_credentials request's answer and the statements it ran on the client attempt counters. */
    const tokenRequestStatements = async (clientId: string, secret: string) => {
      const statements: string[] = [];
      const res = await attemptStatements.run(statements, () => clientCredentials(portico.app, clientId, secret));
      return { res, statements };
    };
    const rpcCall = (id: string, secret: string) => admin('POST', '/rpc', { body: { method: 'aidbox.smart/get-launch-uri', params: {} }, ...as(id, secret) });
    const clientCount = async () => {
      const res = await admin('GET', '/Client?_count=0');
      assert.equal(res.status, 200, res.text);
      return res.body.total as number;
    };

    describe('the admin API, /rpc and $rotate-secret count wrong client secrets with the token endpoint', () => {
      it('guesses there lock the client_id everywhere; the right secret is then refused like a wrong one; nothing is rotated', async () => {
        // Positive controls: the right secret reads the Client, reaches the RPC, is told apart from a wrong one.
        assert.equal((await admin('GET', '/Client/admin-guessed', as('admin-guessed', SECRET))).status, 200);
        assert.equal((await rpcCall('admin-guessed', SECRET)).status, 422, 'authenticated and allowed: the method itself answers');
        assert.equal((await admin('POST', '/Client/admin-guessed/$rotate-secret', as('admin-guessed', SECRET))).status, 403, 'authenticated, not the owner');
        assert.equal((await clientCredentials(portico.app, 'admin-guessed', SECRET)).status, 200);

        // One wrong guess on each surface: each an ordinary 401.
        assertAdminWrong(await admin('GET', '/Client/admin-guessed', as('admin-guessed', 'guess-1')));
        assertAdminWrong(await rpcCall('admin-guessed', 'guess-2'));
        assertAdminWrong(await admin('POST', '/Client/admin-guessed/$rotate-secret', as('admin-guessed', 'guess-3')));

        // The client_id is locked: the right secret is refused on every surface, as a wrong one is.
        const right = await admin('GET', '/Client/admin-guessed', as('admin-guessed', SECRET));
        assertAdminThrottled(right, WINDOW_SECONDS);
        const wrong = await admin('GET', '/Client/admin-guessed', as('admin-guessed', 'guess-4'));
        assert.deepEqual([wrong.status, wrong.text, wrong.headers['retry-after'], wrong.headers['www-authenticate']], [right.status, right.text, right.headers['retry-after'], right.headers['www-authenticate']]);
        assertAdminThrottled(await rpcCall('admin-guessed', SECRET), WINDOW_SECONDS);
        assertAdminThrottled(await admin('POST', '/Client/admin-guessed/$rotate-secret', as('admin-guessed', SECRET)), WINDOW_SECONDS);
        assertThrottledBasic(await clientCredentials(portico.app, 'admin-guessed', SECRET));

        // Nothing was rotated: once the window is over, the same secret works everywhere again.
        clock += (WINDOW_SECONDS + 1) * 1000;
        assert.equal((await clientCredentials(portico.app, 'admin-guessed', SECRET)).status, 200);
        assert.equal((await admin('GET', '/Client/admin-guessed', as('admin-guessed', SECRET))).status, 200);
        assert.equal((await admin('GET', '/Client/admin-guessed')).body.secret, SECRET);
      });

      it('guesses at the token endpoint lock the admin API, /rpc and $rotate-secret too', async () => {
        assert.equal((await admin('GET', '/Client/token-guessed', as('token-guessed', SECRET))).status, 200);
        for (let i = 0; i < MAX_FAILURES; i++) assertWrongBasic(await clientCredentials(portico.app, 'token-guessed', `guess-${i}`));
        assertThrottledBasic(await clientCredentials(portico.app, 'token-guessed', SECRET));
        assertAdminThrottled(await admin('GET', '/Client/token-guessed', as('token-guessed', SECRET)), WINDOW_SECONDS);
        assertAdminThrottled(await rpcCall('token-guessed', SECRET), WINDOW_SECONDS);
        assertAdminThrottled(await admin('POST', '/Client/token-guessed/$rotate-secret', as('token-guessed', SECRET)), WINDOW_SECONDS);
        // Another Client is not affected; the root client never is.
        assert.equal((await clientCredentials(portico.app, 'quiet-app', SECRET)).status, 200);
        assert.equal((await admin('GET', '/Client/token-guessed')).status, 200);
      });
    });

    describe('a developer password over HTTP Basic counts with the sign-in page, per account', () => {
      it('wrong passwords at /rpc lock the account at /rpc, /auth/initial-access-token and the sign-in page; nothing is created', async () => {
        const right = basic('dev-rpc@throttle.example', 'the developer password');
        const saved = await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS }, authorization: right });
        assert.equal(saved.status, 200, saved.text);
        for (let i = 0; i < MAX_FAILURES; i++) {
          assertAdminWrong(await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS }, authorization: basic('dev-rpc@throttle.example', `guess-${i}`) }));
        }
        const clients = await clientCount();
        const tokens = await portico.authDb.query<{ n: number }>('SELECT count(*)::int AS n FROM initial_access_token');
        assertAdminThrottled(await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS }, authorization: right }));
        // Any case of the email is the same account.
        assertAdminThrottled(await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS }, authorization: basic('DEV-RPC@throttle.example', 'the developer password') }));
        const initial = await request(portico.app, 'POST', '/auth/initial-access-token', { headers: { authorization: right } });
        assertOAuthError(initial, 401, 'invalid_client', /too many failed authentications/);
        assert.match(String(initial.headers['www-authenticate']), /^Basic realm="portico"/, 'RFC 6749 §5.2: the Basic challenge');
        assert.match(String(initial.headers['retry-after']), /^\d+$/);
        const page = await browser(portico.app, '198.51.100.7').signIn('dev-rpc@throttle.example', 'the developer password');
        assert.equal(page.statusCode, 429, 'the sign-in page counts the same account');
        assert.equal(await clientCount(), clients, 'no Client was created');
        assert.deepEqual(await portico.authDb.query('SELECT count(*)::int AS n FROM initial_access_token'), tokens, 'no initial access token was issued');
        // The window's end lets the developer in again.
        clock += (LOGIN_WINDOW_SECONDS + 1) * 1000;
        assert.equal((await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS }, authorization: right })).status, 200);
      });

      it('a right password over HTTP Basic does not clear the account\'s failures: one more wrong one locks it', async () => {
        const call = (password: string) => admin('POST', '/rpc', { body: { method: 'no-such-method' }, authorization: basic('dev-busy@throttle.example', password) });
        for (let i = 0; i < MAX_FAILURES - 1; i++) assertAdminWrong(await call(`guess-${i}`));
        for (let i = 0; i < 3; i++) assert.equal((await call('the developer password')).status, 403, 'authenticated: only the policy refuses');
        assertAdminWrong(await call('one-more'));
        assertAdminThrottled(await call('the developer password'));
      });

      it('failed sign-ins on the page lock the account over HTTP Basic too', async () => {
        const right = basic('dev-page@throttle.example', 'the developer password');
        const allowed = await admin('POST', '/rpc', { body: { method: 'no-such-method' }, authorization: right });
        assert.equal(allowed.status, 403, 'authenticated: only the policy refuses');
        const page = browser(portico.app, '198.51.100.8');
        for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await page.signIn('dev-page@throttle.example', `guess-${i}`)).statusCode, 401);
        assertAdminThrottled(await admin('POST', '/rpc', { body: { method: 'no-such-method' }, authorization: right }));
      });
    });

    describe('only failures are counted: a client using its right secret is never refused for being busy', () => {
      it('30 concurrent introspections and 30 concurrent token requests with the right secret all succeed', async () => {
        const introspect = () =>
          request(portico.app, 'POST', '/auth/introspect', { form: { token: 'not-a-token' }, headers: { authorization: basic('busy-rs', SECRET) } });
        const introspections = await Promise.all(Array.from({ length: 30 }, introspect));
        assert.deepEqual([...new Set(introspections.map((r) => r.status))], [200]);
        const tokens = await Promise.all(Array.from({ length: 30 }, () => clientCredentials(portico.app, 'busy-rs', SECRET)));
        assert.deepEqual([...new Set(tokens.map((r) => r.status))], [200]);
        // Wrong secrets are still counted as before.
        for (let i = 0; i < MAX_FAILURES; i++) assertWrongBasic(await clientCredentials(portico.app, 'busy-rs', `guess-${i}`));
        assertThrottledBasic(await clientCredentials(portico.app, 'busy-rs', SECRET));
      });

      it('a success costs one read and never a write; it does not clear failures (they run out with the window), and concurrent right requests pass', async () => {
        const statementsOf = (secret: string) => tokenRequestStatements('cleared-rs', secret);
        const first = await statementsOf(SECRET);
        assert.equal(first.res.status, 200);
        assert.deepEqual(first.statements, ['SELECT'], 'a success with no failures: one read');
        for (let i = 0; i < MAX_FAILURES - 1; i++) assertWrongBasic(await clientCredentials(portico.app, 'cleared-rs', `guess-${i}`));
        // One short of the limit: concurrent right requests all pass, each one read and no write.
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => statementsOf(SECRET)));
        assert.deepEqual([...new Set(concurrent.map((r) => r.res.status))], [200]);
        assert.deepEqual([...new Set(concurrent.map((r) => r.statements.join(',')))], ['SELECT']);
        // The successes gave a guesser no fresh allowance: one more failure locks the client_id.
        assertWrongBasic(await clientCredentials(portico.app, 'cleared-rs', 'one-more'));
        assertThrottledBasic(await clientCredentials(portico.app, 'cleared-rs', SECRET));
        // The failures run out with their window.
        clock += (WINDOW_SECONDS + 1) * 1000;
        const later = await statementsOf(SECRET);
        assert.equal(later.res.status, 200, JSON.stringify(later.res.body));
      });
    });

    describe('a locked client_id tells a right guess from a wrong one in nothing', () => {
      it('the same answer and the same statements (one read, no write) for the right secret and a wrong one', async () => {
        const statementsOf = (secret: string) => tokenRequestStatements('locked-rs', secret);
        // Under the limit the two differ, as they must: the right secret passes on one read, a wrong one is counted.
        const right = await statementsOf(SECRET);
        assert.equal(right.res.status, 200);
        assert.deepEqual(right.statements, ['SELECT']);
        const wrong = await statementsOf('guess-0');
        assertWrongBasic(wrong.res);
        // (A purge of windows long over, at most once a minute, may come before the increment.)
        assert.deepEqual(wrong.statements.filter((statement) => statement !== 'DELETE'), ['SELECT', 'INSERT']);
        for (let i = 1; i < MAX_FAILURES; i++) assertWrongBasic(await clientCredentials(portico.app, 'locked-rs', `guess-${i}`));
        // Locked: both are refused alike, each with one read and no write.
        const lockedRight = await statementsOf(SECRET);
        const lockedWrong = await statementsOf('another-guess');
        assertThrottledBasic(lockedRight.res);
        assert.deepEqual([lockedWrong.res.status, lockedWrong.res.body, lockedWrong.res.headers['retry-after']], [lockedRight.res.status, lockedRight.res.body, lockedRight.res.headers['retry-after']]);
        assert.deepEqual(lockedRight.statements, ['SELECT']);
        assert.deepEqual(lockedWrong.statements, ['SELECT']);
        clock += (WINDOW_SECONDS + 1) * 1000;
        assert.equal((await clientCredentials(portico.app, 'locked-rs', SECRET)).status, 200);
      });
    });

    describe('the throttled answer follows RFC 6749 section 5.2', () => {
      it('HTTP Basic: 401 invalid_client with WWW-Authenticate and Retry-After at every endpoint; client_secret_post: 429 with Retry-After', async () => {
        const start = clock;
        const own = await clientCredentials(portico.app, 'basic-answer', SECRET);
        assert.equal(own.status, 200);
        for (let i = 0; i < MAX_FAILURES; i++) assertWrongBasic(await clientCredentials(portico.app, 'basic-answer', `guess-${i}`));
        clock += 100_000;
        const expected = String(WINDOW_SECONDS - 100);
        const headers = { authorization: basic('basic-answer', SECRET) };
        const answers = [
          await clientCredentials(portico.app, 'basic-answer', SECRET),
          await request(portico.app, 'POST', '/auth/introspect', { form: { token: String(own.body.access_token) }, headers }),
          await request(portico.app, 'POST', '/auth/revoke', { form: { token: String(own.body.access_token) }, headers }),
        ];
        for (const res of answers) {
          assertThrottledBasic(res);
          assert.equal(res.headers['retry-after'], expected);
        }
        const posted = await request(portico.app, 'POST', '/auth/introspect', { form: { token: String(own.body.access_token), client_id: 'basic-answer', client_secret: SECRET } });
        assertOAuthError(posted, 429, 'invalid_client', /too many failed client authentications/);
        assert.equal(posted.headers['retry-after'], expected);
        assert.equal(posted.headers['www-authenticate'], undefined);
        // The refused revocation revoked nothing.
        assert.equal((await request(portico.app, 'POST', '/auth/introspect', { form: { token: String(own.body.access_token) }, headers: { authorization: basic('root', 'secret') } })).body.active, true);
        clock = start + (WINDOW_SECONDS + 1) * 1000;
      });
    });

    describe('/auth/initial-access-token authenticates with HTTP Basic and challenges with it', () => {
      it('201 for the root client; 401 invalid_client with the Basic challenge without credentials or with a Client', async () => {
        assert.equal((await request(portico.app, 'POST', '/auth/initial-access-token', { headers: { authorization: basic('root', 'secret') } })).status, 201);
        for (const headers of [{}, { authorization: basic('quiet-app', SECRET) }] as Record<string, string>[]) {
          const res = await request(portico.app, 'POST', '/auth/initial-access-token', { headers });
          assertOAuthError(res, 401, 'invalid_client', /the root client or a developer/);
          assert.equal(res.headers['www-authenticate'], 'Basic realm="portico", charset="UTF-8"');
        }
      });
    });

    describe('the root client is not throttled', () => {
      it('any number of wrong secrets for its id leave the right one working', async () => {
        for (let i = 0; i < MAX_FAILURES * 3; i++) assert.equal((await admin('GET', '/Client/quiet-app', as('root', `guess-${i}`))).status, 401);
        assert.equal((await admin('GET', '/Client/quiet-app')).status, 200);
        assert.equal((await admin('POST', '/rpc', { body: { method: SAVE, params: SAVE_PARAMS } })).status, 200);
      });
    });
  });
}

describe('settings: the root client secret in production', () => {
  const production = { MODE: 'production', ADMIN_CLIENT_ID: 'root', BASE_URL: 'https://x.org', SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64) };
  it('must be at least 32 characters: a shorter one stops the server with a message naming it, never its value', () => {
    const short = 'Short-admin-secret-of-31-chars!';
    assert.equal(short.length, 31);
    assert.throws(
      () => loadConfig({ ...production, ADMIN_CLIENT_SECRET: short }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /ADMIN_CLIENT_SECRET .*at least 32 characters/);
        assert.ok(!err.message.includes(short), 'the value is not repeated');
        return true;
      },
    );
    assert.equal(loadConfig({ ...production, ADMIN_CLIENT_SECRET: `${short}x` }).admin.clientSecret, `${short}x`);
    // The sandbox keeps its fixed demo credentials.
    assert.equal(loadConfig({}).admin.clientSecret, 'secret');
  });
});

if (drivers.includes('postgres')) {
  describe('admin API, RPC and RFC 7592 writes read the Client from the database (postgres, two processes)', () => {
    let a: TestPortico;
    let b: Portico;
    // A's clock stands still: its Client cache (CLIENT_CACHE_MS) holds what it read for as long as the test runs.
    const clock = Date.now();
    /**
     * While armed, the first statement of A matching `pattern` (only in a transaction, or anywhere) waits until the
     * test opens it: another process's write then falls between what A read and what A writes.
     */
    const held = { armed: false, pattern: /$^/, inTransactionOnly: true, reached: () => {}, open: Promise.resolve() };
    let releaseHeld = () => {};
    const holdAt = async (text: string | PreparedStatement, inTransaction: boolean) => {
      const sql = typeof text === 'string' ? text : text.text;
      if (held.armed && (inTransaction || !held.inTransactionOnly) && held.pattern.test(sql.trim())) {
        held.armed = false;
        held.reached();
        await held.open;
      }
    };
    const holdingTransactions = (db: Database): Database => ({
      ...db,
      async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
        await holdAt(text, false);
        return db.query<R>(text, params);
      },
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
              await holdAt(text, true);
              return tx.query<R>(text, params);
            },
          }),
        ),
    });
    /** Runs `request` through A, held at its first statement matching `pattern` while `meanwhile` runs; its answer. */
    async function interleaved<T>(pattern: RegExp, inTransactionOnly: boolean, request: () => Promise<T>, meanwhile: () => Promise<void>): Promise<T> {
      const reached = new Promise<void>((resolve) => {
        held.reached = resolve;
      });
      held.open = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
      Object.assign(held, { armed: true, pattern, inTransactionOnly });
      const answer = request();
      try {
        await reached;
        await meanwhile();
      } finally {
        held.armed = false;
        releaseHeld();
      }
      return answer;
    }
    before(async () => {
      a = await startPortico('postgres', {}, { now: () => new Date(clock), wrapDatabase: holdingTransactions });
      b = await startSibling(a);
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    /** What a process that never read the Client sees. */
    async function freshProcess<T>(look: (app: Portico['app']) => Promise<T>): Promise<T> {
      const c = await startSibling(a);
      try {
        return await look(c.app);
      } finally {
        await c.close();
      }
    }

    it('a rotation through A after B deactivated the Client leaves it deactivated', async () => {
      const adminA = adminHttp(a.app);
      const adminB = adminHttp(b.app);
      assert.equal((await adminA('PUT', '/Client/rotated-off', { body: secretClient() })).status, 201);
      assert.equal((await clientCredentials(a.app, 'rotated-off', SECRET)).status, 200, 'A has read (and cached) the Client');
      const off = await adminB('PUT', '/Client/rotated-off', { body: { ...secretClient(), active: false, secret: undefined } });
      assert.equal(off.status, 200, off.text);
      const rotated = await adminA('POST', '/Client/rotated-off/$rotate-secret');
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(rotated.body.active, false);
      const stored = await a.authDb.query<{ active: unknown }>(`SELECT content->'active' AS active FROM auth_client WHERE id = 'rotated-off'`);
      assert.equal(stored[0]?.active, false);
      assert.equal(await freshProcess(async (app) => (await clientCredentials(app, 'rotated-off', String(rotated.body.secret))).status), 401);
    });

    it('an admin PUT without a secret through A after B rotated it keeps the new secret; the old one stays dead', async () => {
      const adminA = adminHttp(a.app);
      const adminB = adminHttp(b.app);
      const body = { ...secretClient(), secret: undefined };
      assert.equal((await adminA('PUT', '/Client/leaked', { body: { ...body, secret: 'the-leaked-secret' } })).status, 201);
      assert.equal((await clientCredentials(a.app, 'leaked', 'the-leaked-secret')).status, 200, 'A has read (and cached) the Client');
      const rotated = await adminB('POST', '/Client/leaked/$rotate-secret');
      assert.equal(rotated.status, 200, rotated.text);
      const renamed = await adminA('PUT', '/Client/leaked', { body: { ...body, name: 'renamed' } });
      assert.equal(renamed.status, 200, renamed.text);
      const [leaked, current] = await freshProcess(async (app) => [
        (await clientCredentials(app, 'leaked', 'the-leaked-secret')).status,
        (await clientCredentials(app, 'leaked', String(rotated.body.secret))).status,
      ]);
      assert.equal(current, 200);
      assert.equal(leaked, 401, 'the rotated-away secret must stay dead');
      assert.equal((await adminA('GET', '/Client/leaked')).body.name, 'renamed');
    });

    it('an RFC 7592 update through A keeps a deactivation B commits while A is between its read and its write', async () => {
      const metadata = { client_name: 'raced-app', redirect_uris: ['https://raced-app.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' };
      const registered = await request(a.app, 'POST', '/auth/register', { json: metadata });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const id = String(registered.body.client_id);
      const update = (token: string, name: string) =>
        request(a.app, 'PUT', `/auth/register/${id}`, { json: { ...metadata, client_id: id, client_name: name }, headers: { authorization: `Bearer ${token}` } });
      const stored = async () => (await a.authDb.query<{ active: unknown; name: unknown }>(`SELECT content->'active' AS active, content->'name' AS name FROM auth_client WHERE id = $1`, [id]))[0];
      // Positive control: the same update, with nothing in between, renames the Client.
      const first = await update(String(registered.body.registration_access_token), 'renamed once');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(await stored(), { active: true, name: 'renamed once' });
      const authenticates = async () =>
        (await request(b.app, 'POST', '/auth/introspect', { form: { token: 'not-a-token' }, headers: { authorization: basic(id, String(registered.body.client_secret)) } })).status;
      assert.equal(await authenticates(), 200, 'the Client authenticates while active');

      // A is held at the first statement of its transaction, after it read the Client to check the request.
      const raced = interleaved(/auth_client|client_registration/, true, () => update(String(first.body.registration_access_token), 'renamed twice'), async () => {
        const current = await adminHttp(b.app)('GET', `/Client/${id}`);
        assert.equal(current.status, 200, current.text);
        const off = await adminHttp(b.app)('PUT', `/Client/${id}`, { body: { ...current.body, active: false } });
        assert.equal(off.status, 200, off.text);
      });
      const res = await raced;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(await stored(), { active: false, name: 'renamed twice' }, 'the update is applied to the deactivated Client, which stays deactivated');
      assert.equal(await authenticates(), 401, 'the deactivated Client cannot authenticate');
    });

    const ADMIN_WRITE = (table: string) => new RegExp(`^(INSERT INTO|UPDATE) ${table}\\b`);

    it('a rotation through A keeps a deactivation B commits while A is between its read and its write', async () => {
      const id = 'raced-rotation';
      const put = await adminHttp(a.app)('PUT', `/Client/${id}`, { body: secretClient() });
      assert.equal(put.status, 201, put.text);
      // Positive control: a rotation with nothing in between; the new secret works.
      const calm = await adminHttp(a.app)('POST', `/Client/${id}/$rotate-secret`);
      assert.equal(calm.status, 200, calm.text);
      assert.equal(await freshProcess(async (app) => (await clientCredentials(app, id, String(calm.body.secret))).status), 200);

      const raced = await interleaved(ADMIN_WRITE('auth_client'), false, () => adminHttp(a.app)('POST', `/Client/${id}/$rotate-secret`), async () => {
        const current = await adminHttp(b.app)('GET', `/Client/${id}`);
        const off = await adminHttp(b.app)('PUT', `/Client/${id}`, { body: { ...current.body, active: false } });
        assert.equal(off.status, 200, off.text);
      });
      assert.equal(raced.status, 200, raced.text);
      const stored = await a.authDb.query<{ active: unknown }>(`SELECT content->'active' AS active FROM auth_client WHERE id = $1`, [id]);
      assert.equal(stored[0]?.active, false, 'the deactivation made through B stands');
      assert.equal(await freshProcess(async (app) => (await clientCredentials(app, id, String(raced.body.secret))).status), 401);
    });

    it('an admin PUT without a secret through A keeps a secret B rotates while A is between its read and its write', async () => {
      const id = 'raced-put';
      const put = await adminHttp(a.app)('PUT', `/Client/${id}`, { body: secretClient() });
      assert.equal(put.status, 201, put.text);
      const { secret: _secret, ...withoutSecret } = secretClient();
      // Positive control: a PUT without a secret keeps the stored one.
      const calm = await adminHttp(a.app)('PUT', `/Client/${id}`, { body: { ...withoutSecret, name: 'renamed once' } });
      assert.equal(calm.status, 200, calm.text);
      assert.equal(await freshProcess(async (app) => (await clientCredentials(app, id, SECRET)).status), 200);

      let rotated = '';
      const raced = await interleaved(ADMIN_WRITE('auth_client'), false, () => adminHttp(a.app)('PUT', `/Client/${id}`, { body: { ...withoutSecret, name: 'renamed twice' } }), async () => {
        const res = await adminHttp(b.app)('POST', `/Client/${id}/$rotate-secret`);
        assert.equal(res.status, 200, res.text);
        rotated = String(res.body.secret);
      });
      assert.equal(raced.status, 200, raced.text);
      assert.equal(raced.body.name, 'renamed twice');
      const [old, current] = await freshProcess(async (app) => [(await clientCredentials(app, id, SECRET)).status, (await clientCredentials(app, id, rotated)).status]);
      assert.deepEqual({ old, current }, { old: 401, current: 200 }, 'the secret B rotated away stays dead; the new one works');
    });

    it('an admin PUT of a User without a password through A keeps a password B sets while A is between its read and its write', async () => {
      const user = { resourceType: 'User', email: 'raced@throttle.example', roles: ['developer'] };
      const created = await adminHttp(a.app)('POST', '/User', { body: { ...user, password: 'the first password' } });
      assert.equal(created.status, 201, created.text);
      const id = String(created.body.id);
      const signsIn = async (password: string) => (await adminHttp(b.app)('POST', '/rpc', { body: { method: 'no-such-method' }, authorization: basic(user.email, password) })).status;
      // Positive control: a PUT without a password keeps the stored one (403: signed in, only the policy refuses).
      assert.equal((await adminHttp(a.app)('PUT', `/User/${id}`, { body: { ...user, name: 'Once' } })).status, 200);
      assert.equal(await signsIn('the first password'), 403);

      const raced = await interleaved(ADMIN_WRITE('auth_user'), false, () => adminHttp(a.app)('PUT', `/User/${id}`, { body: { ...user, name: 'Twice' } }), async () => {
        const res = await adminHttp(b.app)('PUT', `/User/${id}`, { body: { ...user, password: 'the second password' } });
        assert.equal(res.status, 200, res.text);
      });
      assert.equal(raced.status, 200, raced.text);
      assert.deepEqual({ first: await signsIn('the first password'), second: await signsIn('the second password') }, { first: 401, second: 403 });
    });

    it('an RFC 7592 update through A keeps what B wrote: a rotated secret, a deactivation', async () => {
      const metadata = { client_name: 'dcr-app', redirect_uris: ['https://dcr-app.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' };
      const registered = await request(a.app, 'POST', '/auth/register', { json: metadata });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const id = String(registered.body.client_id);
      const issued = String(registered.body.client_secret);
      let accessToken = String(registered.body.registration_access_token);
      // Introspection authenticates the client: 200 with its secret, 401 without.
      const authenticates = async (app: Portico['app'], secret: string) =>
        (await request(app, 'POST', '/auth/introspect', { form: { token: 'not-a-token' }, headers: { authorization: basic(id, secret) } })).status;
      assert.equal(await authenticates(a.app, issued), 200, 'A has read (and cached) the Client');
      const update = async (name: string) => {
        const res = await request(a.app, 'PUT', `/auth/register/${id}`, { json: { ...metadata, client_id: id, client_name: name }, headers: { authorization: `Bearer ${accessToken}` } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        accessToken = String(res.body.registration_access_token);
      };

      const rotated = await adminHttp(b.app)('POST', `/Client/${id}/$rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      await update('renamed once');
      const [old, current] = await freshProcess(async (app) => [await authenticates(app, issued), await authenticates(app, String(rotated.body.secret))]);
      assert.equal(current, 200);
      assert.equal(old, 401, 'the secret B rotated away stays dead');

      assert.equal(await authenticates(a.app, String(rotated.body.secret)), 200, 'A has read (and cached) the Client again');
      const off = await adminHttp(b.app)('PUT', `/Client/${id}`, { body: { ...(await adminHttp(b.app)('GET', `/Client/${id}`)).body, active: false } });
      assert.equal(off.status, 200, off.text);
      await update('renamed twice');
      const stored = await a.authDb.query<{ active: unknown }>(`SELECT content->'active' AS active FROM auth_client WHERE id = $1`, [id]);
      assert.equal(stored[0]?.active, false, 'the deactivation made through B stands');
    });

    it('the admin API authenticates a Client as the database holds it: deactivated through B, refused by A at once', async () => {
      const adminA = adminHttp(a.app);
      assert.equal((await adminA('PUT', '/Client/policy-client', { body: secretClient() })).status, 201);
      assert.equal((await adminA('PUT', '/AccessPolicy/policy-client', { body: { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'policy-client' }] } })).status, 201);
      assert.equal((await adminA('GET', '/Client/policy-client', as('policy-client', SECRET))).status, 200, 'A has read (and cached) the Client');
      const off = await adminHttp(b.app)('PUT', '/Client/policy-client', { body: { ...secretClient(), active: false, secret: undefined } });
      assert.equal(off.status, 200, off.text);
      assertAdminWrong(await adminA('GET', '/Client/policy-client', as('policy-client', SECRET)));
      assertAdminWrong(await adminA('POST', '/rpc', { body: { method: 'no-such-method' }, ...as('policy-client', SECRET) }));
    });

    function as(id: string, secret: string) {
      return { authorization: basic(id, secret) };
    }
  });
}
