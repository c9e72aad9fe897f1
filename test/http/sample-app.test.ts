import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico } from '../../src/portico.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { definitions, drivers, freshDatabase, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const SAMPLE_APP = `${TEST_BASE_URL}/sample-app/`;
const OLD_REDIRECT = 'http://localhost:3000/callback';
const OLD_LAUNCH = 'http://localhost:3000/launch';

/** The sample app's CSP, directive by directive. */
const cspOf = (header: unknown): Map<string, string> =>
  new Map(
    String(header)
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(' ')[0] ?? '', d.slice(d.indexOf(' ') + 1)]),
  );

for (const driver of drivers) {
  describe(`the built-in sample app (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { SEED: 'demo' });
    });
    after(() => portico.stop());

    it('serves its pages and scripts with a strict CSP that lets a same-origin EHR frame it', async () => {
      for (const [url, type] of [
        ['/sample-app/', 'text/html'],
        ['/sample-app/index.html', 'text/html'],
        ['/sample-app/launch.html', 'text/html'],
        ['/sample-app/app.js', 'text/javascript'],
        ['/sample-app/launch.js', 'text/javascript'],
        ['/sample-app/config.js', 'text/javascript'],
        ['/sample-app/sample-app.css', 'text/css'],
      ] as const) {
        const res = await portico.app.inject({ url });
        assert.equal(res.statusCode, 200, url);
        assert.ok(String(res.headers['content-type']).startsWith(type), `${url}: ${res.headers['content-type']}`);
        const csp = cspOf(res.headers['content-security-policy']);
        assert.equal(csp.get('default-src'), "'none'", url);
        assert.equal(csp.get('script-src'), "'self'", url);
        assert.match(csp.get('connect-src') ?? '', /^'self'( |$)/, url);
        assert.equal(csp.get('frame-ancestors'), "'self'", url);
        assert.equal(res.headers['x-frame-options'], undefined, url);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      }
      const page = (await portico.app.inject({ url: '/sample-app/' })).body;
      // No inline script: every <script> names a file of its own.
      assert.deepEqual(page.match(/<script(?![^>]* src=)[^>]*>/g), null);
      assert.match(page, /<link rel="stylesheet" href="\/auth\/assets\/portico.css">/);
    });

    it('serves the fhirclient browser build under a content-hashed name, cached for a year', async () => {
      const page = (await portico.app.inject({ url: '/sample-app/launch.html' })).body;
      const name = /<script src="(fhir-client\.[0-9a-f]{16}\.js)"/.exec(page)?.[1];
      assert.ok(name, page);
      const build = await portico.app.inject({ url: `/sample-app/${name}` });
      assert.equal(build.statusCode, 200);
      assert.equal(build.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(build.body, /oauth2/);
      assert.notEqual((await portico.app.inject({ url: '/sample-app/index.html' })).headers['cache-control'], 'public, max-age=31536000, immutable');
    });

    it('says which clients and scopes its launch page uses, and where it redirects, from BASE_URL', async () => {
      const res = await portico.app.inject({ url: '/sample-app/config.js' });
      const json = /^window\.PORTICO_SAMPLE_APP = (.*);\n$/s.exec(res.body)?.[1];
      assert.ok(json, res.body);
      const config = JSON.parse(json) as { fhirBase: string; redirectUri: string; clients: { id: string; secret?: string }[] };
      assert.equal(config.fhirBase, `${TEST_BASE_URL}/fhir`);
      assert.equal(config.redirectUri, SAMPLE_APP);
      assert.deepEqual(config.clients.map((c) => c.id), ['portico-sample-app', 'demo-public-app', 'demo-confidential-app']);
      assert.equal(config.clients.find((c) => c.id === 'demo-confidential-app')?.secret, 'demo-confidential-secret');
    });

    it('redirects /sample-app to its folder and answers 404 for a file it does not have', async () => {
      const bare = await portico.app.inject({ url: '/sample-app' });
      assert.equal(bare.statusCode, 301);
      assert.equal(bare.headers.location, '/sample-app/');
      const missing = await portico.app.inject({ url: '/sample-app/nothing.js' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.headers['content-type'], 'text/plain; charset=utf-8');
    });

    it('registers portico-sample-app: public, PKCE, redirect and launch on this server; the demo apps launch it too', async () => {
      const get = async (id: string) => {
        const res = await portico.app.inject({ url: `/Client/${id}`, headers: { authorization: ROOT_AUTHORIZATION } });
        assert.equal(res.statusCode, 200, res.body);
        return res.json<{ grant_types: string[]; scope: string[]; auth: { authorization_code: Record<string, unknown> }; smart: { launch_uri: string } }>();
      };
      const app = await get('portico-sample-app');
      assert.deepEqual(app.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal(app.auth.authorization_code.redirect_uri, SAMPLE_APP);
      assert.equal(app.auth.authorization_code.pkce, true);
      assert.equal(app.auth.authorization_code.secret_required, false);
      assert.equal(app.smart.launch_uri, `${SAMPLE_APP}launch.html`);
      for (const scope of ['launch', 'launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs', 'user/*.rs']) assert.ok(app.scope.includes(scope), scope);
      const policy = await portico.app.inject({ url: '/AccessPolicy/portico-sample-app', headers: { authorization: ROOT_AUTHORIZATION } });
      assert.equal(policy.statusCode, 200, policy.body);

      const pub = await get('demo-public-app');
      assert.equal(pub.auth.authorization_code.redirect_uri, SAMPLE_APP);
      assert.equal(pub.smart.launch_uri, `${SAMPLE_APP}launch.html?client_id=demo-public-app`);
      const conf = await get('demo-confidential-app');
      assert.equal(conf.auth.authorization_code.redirect_uri, SAMPLE_APP);
      assert.equal(conf.smart.launch_uri, `${SAMPLE_APP}launch.html?client_id=demo-confidential-app`);
      assert.deepEqual(portico.demoClients?.map((c) => c.id), ['portico-sample-app', 'demo-public-app', 'demo-confidential-app', 'demo-backend-app']);
      assert.match(portico.demoClients?.[1]?.kind ?? '', /launch\.html\?client_id=demo-public-app/);
    });
  });

  describe(`the sample app in production (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, {
        MODE: 'production',
        SEED: 'demo',
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: 'a-long-production-admin-secret-0123456789',
        SESSION_SECRET: 'a-long-production-session-secret-0123456789',
        SECRETS_KEY: 'a'.repeat(64),
      });
    });
    after(() => portico.stop());

    it('is not served: 404 for its pages, scripts and folder; no portico-sample-app client', async () => {
      for (const url of ['/sample-app', '/sample-app/', '/sample-app/index.html', '/sample-app/launch.html', '/sample-app/app.js', '/sample-app/config.js']) {
        assert.equal((await portico.app.inject({ url })).statusCode, 404, url);
      }
      assert.equal(await portico.auth.clients.get('portico-sample-app'), undefined);
    });
  });

  describe(`demo apps an earlier version seeded, at a restart (${driver})`, () => {
    let root: string;
    let env: Record<string, string>;
    let drop: () => Promise<void>;
    let p: Portico | undefined;
    const start = async () => {
      await p?.close();
      p = await createPortico(loadConfig(env), { definitions: definitions() });
      return p;
    };
    const put = async (app: Portico, id: string, change: (client: Record<string, unknown>) => void) => {
      const got = await app.app.inject({ url: `/Client/${id}`, headers: { authorization: ROOT_AUTHORIZATION } });
      assert.equal(got.statusCode, 200, got.body);
      const client = got.json<Record<string, unknown>>();
      change(client);
      const res = await app.app.inject({ method: 'PUT', url: `/Client/${id}`, headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/json' }, payload: client });
      assert.equal(res.statusCode, 200, res.body);
    };
    const uris = async (app: Portico, id: string) => {
      const client = await app.auth.clients.get(id);
      return { redirect: client?.auth?.authorization_code?.redirect_uri, launch: client?.smart?.launch_uri };
    };

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'portico-sample-app-'));
      const db = driver === 'postgres' ? await freshDatabase(driver) : undefined;
      drop = async () => {
        await db?.drop();
        await rm(root, { recursive: true, force: true });
      };
      const dataDir = db ? join(root, 'data') : root;
      env = { MODE: 'sandbox', SEED: 'demo', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4', DATA_DIR: dataDir, ...(db?.url ? { DATABASE_URL: db.url } : { DATABASE: 'pglite' }) };
    });
    after(async () => {
      await p?.close();
      await drop();
    });

    it('moves those still redirecting to http://localhost:3000/callback to the sample app, and leaves an edited one alone', async () => {
      const first = await start();
      // As an earlier version left them: the public app at localhost:3000; the confidential one edited by an administrator.
      await put(first, 'demo-public-app', (client) => {
        client.auth = { authorization_code: { redirect_uri: OLD_REDIRECT, pkce: true, refresh_token: true, secret_required: false } };
        client.smart = { launch_uri: OLD_LAUNCH };
      });
      await put(first, 'demo-confidential-app', (client) => {
        client.auth = { authorization_code: { redirect_uri: 'https://admin-choice.example/cb', refresh_token: true, secret_required: true } };
      });
      assert.deepEqual(await uris(first, 'demo-public-app'), { redirect: OLD_REDIRECT, launch: OLD_LAUNCH });

      const second = await start();
      assert.deepEqual(await uris(second, 'demo-public-app'), { redirect: SAMPLE_APP, launch: `${SAMPLE_APP}launch.html?client_id=demo-public-app` });
      assert.equal((await second.auth.clients.get('demo-public-app'))?.auth?.authorization_code?.pkce, true);
      assert.deepEqual(await uris(second, 'demo-confidential-app'), {
        redirect: 'https://admin-choice.example/cb',
        launch: `${SAMPLE_APP}launch.html?client_id=demo-confidential-app`,
      });
    });
  });
}
