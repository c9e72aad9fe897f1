import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico } from '../../src/portico.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { definitions, drivers, freshDatabase, TEST_BASE_URL, type Driver } from '../support/portico.ts';

const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;
const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const KEY_FILE = 'demo-backend-app.private.jwk.json';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns bin/portico.js as a user would, with only the environment given. */
function portico(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('portico assertion: arguments', { concurrency: true }, () => {
  let dir: string;
  let privateFile: string;
  let publicFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-assertion-'));
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    privateFile = join(dir, 'private.jwk.json');
    publicFile = join(dir, 'public.jwk.json');
    await writeFile(privateFile, JSON.stringify(await exportJWK(privateKey)));
    await writeFile(publicFile, JSON.stringify({ ...(await exportJWK(publicKey)), kid: 'k' }));
    await writeFile(join(dir, 'not-json'), 'nope');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints help with exit code 0, and is listed in the command overview', async () => {
    const help = await portico(['assertion', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--client ID/);
    assert.match(help.stdout, /curl -X POST/);
    assert.match((await portico(['--help'])).stdout, /assertion/);
  });

  it('refuses bad arguments with exit code 2 and a message naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['assertion', '--key', privateFile, '--kid', 'k'], /--client is required/],
      [['assertion', '--client', 'c', '--kid', 'k'], /--key is required/],
      [['assertion', '--client', 'c', '--key', join(dir, 'absent.json')], /cannot read --key .*ENOENT/],
      [['assertion', '--client', 'c', '--key', join(dir, 'not-json')], /not JSON/],
      [['assertion', '--client', 'c', '--key', publicFile], /public key/],
      [['assertion', '--client', 'c', '--key', privateFile], /no kid: .*--kid/],
      [['assertion', '--client', 'c', '--key', privateFile, '--kid', 'k', '--alg', 'HS256'], /--alg must be one of RS384, ES384/],
      [['assertion', '--client', 'c', '--key', privateFile, '--kid', 'k', '--alg', 'RS384'], /not a usable RS384 private key/],
      [['assertion', '--client', 'c', '--key', privateFile, '--kid', 'k', '--expires-in', '301'], /--expires-in must be a whole number from 1 to 300/],
      [['assertion', '--client', 'c', '--key', privateFile, '--kid', 'k', '--aud', 'not a url'], /--aud/],
      [['assertion', '--client', 'c', '--key', privateFile, '--frobnicate'], /Unknown option/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const run = await portico(args);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.match(run.stderr, /portico assertion --help/);
        assert.equal(run.stdout, '');
      }),
    );
  });

  it('signs with the key alg implied by the key type, --kid and --aud given; aud defaults to $BASE_URL/auth/token', async () => {
    const run = await portico(['assertion', '--client', 'svc', '--key', privateFile, '--kid', 'k', '--aud', 'https://as.example/token']);
    assert.equal(run.code, 0, run.stderr);
    const jwt = run.stdout.trim();
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'ES384', kid: 'k', typ: 'JWT' });
    const publicJwk = JSON.parse(await readFile(publicFile, 'utf8')) as JWK;
    const { payload } = await jwtVerify(jwt, await importJWK(publicJwk, 'ES384'), { issuer: 'svc', subject: 'svc', audience: 'https://as.example/token' });
    const ahead = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
    assert.ok(ahead > 0 && ahead <= 240, `exp is ${ahead} s ahead (default 240)`);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    const byDefault = await portico(['assertion', '--client', 'svc', '--key', privateFile, '--kid', 'k'], { BASE_URL: 'https://fhir.example.org/' });
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const claims = (await jwtVerify(byDefault.stdout.trim(), await importJWK(publicJwk, 'ES384'))).payload;
    assert.equal(claims.aud, 'https://fhir.example.org/auth/token');
    // The default is said, with how to sign for another server; a given --aud needs no word.
    assert.match(byDefault.stderr, /^aud: https:\/\/fhir\.example\.org\/auth\/token \(.*--aud/);
    assert.equal(run.stderr, '');
  });
});

/** A database and DATA_DIR that outlive one Portico (a restart), for either driver. */
async function persistentSetup(driver: Driver): Promise<{ env: Record<string, string>; dataDir: string; drop: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'portico-demo-key-'));
  const db = driver === 'postgres' ? await freshDatabase(driver) : undefined;
  // With PostgreSQL nothing else creates DATA_DIR: the key file's directory must be made for it.
  const dataDir = db ? join(root, 'data') : root;
  return {
    env: { DATA_DIR: dataDir, ...(db?.url ? { DATABASE_URL: db.url } : { DATABASE: 'pglite' }) },
    dataDir,
    async drop() {
      await db?.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

for (const driver of drivers) {
  describe(`sandbox demo backend client and portico assertion (${driver})`, () => {
    let setup: Awaited<ReturnType<typeof persistentSetup>>;
    let env: Record<string, string>;
    let p: Portico | undefined;
    const start = async () => {
      await p?.close();
      p = await createPortico(loadConfig(env), { definitions: definitions() });
      return p;
    };
    const tokenWith = async (app: Portico, assertion: string, scope = 'system/Patient.rs') => {
      const res = await app.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
      });
      return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
    };

    before(async () => {
      setup = await persistentSetup(driver);
      env = { MODE: 'sandbox', SEED: 'demo', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4', ...setup.env };
    });
    after(async () => {
      await p?.close();
      await setup.drop();
    });

    it('the first start generates a key pair: private JWK in DATA_DIR (0600), public half inline in the Client, an allow policy per demo client', async () => {
      const app = await start();
      const file = join(setup.dataDir, KEY_FILE);
      const backend = app.demoClients?.find((c) => c.id === 'demo-backend-app');
      assert.equal(backend?.privateKeyFile, file);
      assert.equal(backend?.note, undefined);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
      assert.equal(typeof privateJwk.d, 'string');
      assert.deepEqual([privateJwk.kty, privateJwk.crv, privateJwk.alg], ['EC', 'P-384', 'ES384']);
      const client = await app.auth.clients.get('demo-backend-app');
      assert.equal(client?.jwks?.keys.length, 1);
      const publicJwk = client?.jwks?.keys[0] as JWK;
      assert.equal(publicJwk.d, undefined, 'only the public half is registered');
      assert.deepEqual([publicJwk.kid, publicJwk.x, publicJwk.y], [privateJwk.kid, privateJwk.x, privateJwk.y]);
      for (const id of ['demo-public-app', 'demo-confidential-app', 'demo-backend-app']) {
        const policy = await app.auth.policies.get(id);
        assert.equal(policy?.engine, 'matcho', id);
        assert.deepEqual(policy?.link, [{ resourceType: 'Client', id }]);
      }
      // FHIR only: the demo confidential client's published secret does not open the admin API.
      const basic = `Basic ${Buffer.from('demo-confidential-app:demo-confidential-secret').toString('base64')}`;
      const adminCall = await app.app.inject({ method: 'GET', url: '/Client', headers: { authorization: basic } });
      assert.equal(adminCall.statusCode, 403, adminCall.body);
    });

    it('portico assertion signs with that file: the JWT verifies with the registered key, gets a token, and the token reads FHIR', async () => {
      const app = p as Portico;
      const file = join(setup.dataDir, KEY_FILE);
      const run = await portico(['assertion', '--client', 'demo-backend-app', '--key', file], { BASE_URL: TEST_BASE_URL });
      assert.equal(run.code, 0, run.stderr);
      // Only the note of the aud it defaulted to: nothing else goes wrong.
      assert.equal(run.stderr, `aud: ${TEST_BASE_URL}/auth/token (from BASE_URL, HOST and PORT here; for another server or a tenant give its token endpoint with --aud)\n`);
      const jwt = run.stdout.trim();
      assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const client = await app.auth.clients.get('demo-backend-app');
      const publicJwk = client?.jwks?.keys[0] as JWK;
      const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK(publicJwk, 'ES384'), {
        issuer: 'demo-backend-app',
        subject: 'demo-backend-app',
        audience: TOKEN_URL,
        algorithms: ['ES384'],
      });
      assert.equal(protectedHeader.kid, publicJwk.kid);
      assert.equal(typeof payload.jti, 'string');
      assert.equal(payload.iat, undefined);
      const lifetime = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
      assert.ok(lifetime > 0 && lifetime <= 240, `exp is ${lifetime} s ahead`);

      const res = await tokenWith(app, jwt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.scope, 'system/Patient.rs');
      assert.equal((await tokenWith(app, jwt)).status, 401, 'an assertion is single use');
      const read = await fhirClient(app.app, `Bearer ${String(res.body.access_token)}`).get('Patient/test-pt-1');
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.id, 'test-pt-1');
    });

    it('a restart keeps the key (nothing regenerated); a lost key file is reported, not silently replaced', async () => {
      const file = join(setup.dataDir, KEY_FILE);
      const before = await readFile(file, 'utf8');
      const kid = (JSON.parse(before) as JWK).kid;
      let app = await start();
      assert.equal(await readFile(file, 'utf8'), before);
      assert.equal(((await app.auth.clients.get('demo-backend-app'))?.jwks?.keys[0] as JWK).kid, kid);
      assert.equal(app.demoClients?.find((c) => c.id === 'demo-backend-app')?.privateKeyFile, file);

      await rm(file);
      app = await start();
      const backend = app.demoClients?.find((c) => c.id === 'demo-backend-app');
      assert.equal(backend?.privateKeyFile, undefined);
      assert.match(backend?.note ?? '', /does not hold its registered key/);
      assert.equal(((await app.auth.clients.get('demo-backend-app'))?.jwks?.keys[0] as JWK).kid, kid, 'the registered key stays');
    });

    it('a demo backend client without keys (seeded by an older version, or deleted and re-seeded) gets a new key at start', async () => {
      const app = p as Portico;
      const existing = await app.auth.clients.get('demo-backend-app');
      assert.ok(existing);
      const { jwks: _jwks, ...withoutKeys } = existing;
      await app.auth.clients.put(withoutKeys);
      const restarted = await start();
      const file = join(setup.dataDir, KEY_FILE);
      assert.equal(restarted.demoClients?.find((c) => c.id === 'demo-backend-app')?.privateKeyFile, file);
      const privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
      const registered = (await restarted.auth.clients.get('demo-backend-app'))?.jwks?.keys[0] as JWK;
      assert.equal(registered.kid, privateJwk.kid);
      const run = await portico(['assertion', '--client', 'demo-backend-app', '--key', file, '--aud', TOKEN_URL]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((await tokenWith(restarted, run.stdout.trim(), 'system/*.read')).status, 200);
    });
  });
}
