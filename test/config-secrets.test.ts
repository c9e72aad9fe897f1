import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

const PRODUCTION = { MODE: 'production', ADMIN_CLIENT_ID: 'a', ADMIN_CLIENT_SECRET: 'a'.repeat(32), BASE_URL: 'https://x.org', SESSION_SECRET: 's'.repeat(32) };

function refused(env: Record<string, string>, setting: RegExp): string {
  let text = '';
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      text = err.problems.join('\n');
      assert.match(text, setting);
      return true;
    },
  );
  return text;
}

describe('settings: SECRETS_KEY and SECRETS_KEY_PREVIOUS', () => {
  it('production refuses to start without SECRETS_KEY, naming it; with one it starts', () => {
    refused(PRODUCTION, /SECRETS_KEY is required in production mode/);
    const key = randomBytes(32);
    const config = loadConfig({ ...PRODUCTION, SECRETS_KEY: key.toString('base64') });
    assert.equal(config.secrets.key, key.toString('base64url'));
    assert.deepEqual(config.secrets.previousKeys, []);
  });

  it('the sandbox has a fixed key of its own when none is set; a set one wins', () => {
    const sandbox = loadConfig({});
    assert.equal(Buffer.from(sandbox.secrets.key, 'base64url').length, 32);
    assert.equal(loadConfig({ DATA_DIR: '/elsewhere' }).secrets.key, sandbox.secrets.key, 'the same at every start');
    const key = randomBytes(32);
    assert.equal(loadConfig({ SECRETS_KEY: key.toString('hex') }).secrets.key, key.toString('base64url'));
  });

  it('takes 32 bytes as 64 hex digits, base64 (with or without =) or base64url, all the same key', () => {
    const key = Buffer.from('fb'.repeat(16) + 'ef'.repeat(16), 'hex');
    const forms = [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64').replace(/=$/, ''), key.toString('base64url'), `  ${key.toString('base64url')}  `];
    for (const value of forms) assert.equal(loadConfig({ SECRETS_KEY: value }).secrets.key, key.toString('base64url'), value);
  });

  it('refuses anything else, naming the setting without repeating its value', () => {
    for (const bad of ['short', 'x'.repeat(64), randomBytes(31).toString('base64'), randomBytes(33).toString('base64'), 'ab'.repeat(31), `${randomBytes(32).toString('base64url').slice(0, 42)}+_`]) {
      const text = refused({ SECRETS_KEY: bad }, /SECRETS_KEY \(value not shown\): must be 32 bytes as 64 hex digits or as base64\/base64url/);
      assert.ok(!text.includes(bad.trim()), 'the value is not repeated');
    }
    const previous = refused({ SECRETS_KEY_PREVIOUS: `${randomBytes(32).toString('base64')},nope` }, /SECRETS_KEY_PREVIOUS \(value not shown\): must be one or more comma-separated keys/);
    assert.ok(!previous.includes('nope'));
  });

  it('SESSION_SECRET and DATABASE_URL (which may hold a password) are named without repeating their values', () => {
    // Positive control: the same settings, valid, are accepted.
    const production = { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: 'r'.repeat(40), BASE_URL: 'https://x.org', SECRETS_KEY: randomBytes(32).toString('hex') };
    assert.equal(loadConfig({ ...production, SESSION_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://portico:pw@db/portico' }).databaseUrl, 'postgres://portico:pw@db/portico');
    const session = refused({ ...production, SESSION_SECRET: 'a-short-session-secret' }, /SESSION_SECRET \(value not shown\): must be at least 32 characters/);
    assert.ok(!session.includes('a-short-session-secret'), 'the value is not repeated');
    const database = refused({ DATABASE_URL: 'mysql://portico:the-db-password@db/portico' }, /DATABASE_URL \(value not shown\): must be a postgres:\/\/ URL/);
    assert.ok(!database.includes('the-db-password'), 'the value is not repeated');
  });

  it('SECRETS_KEY_PREVIOUS: one or more keys, comma-separated; repeats and the current key itself are dropped', () => {
    const [current, one, two] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const config = loadConfig({
      SECRETS_KEY: current.toString('base64'),
      SECRETS_KEY_PREVIOUS: ` ${one.toString('hex')}, ${two.toString('base64url')},${one.toString('base64')},${current.toString('hex')}, `,
    });
    assert.deepEqual(config.secrets.previousKeys, [one.toString('base64url'), two.toString('base64url')]);
    assert.ok(Object.isFrozen(config.secrets.previousKeys));
  });

  it('npm start in production without SECRETS_KEY prints a message naming it and exits 2', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...PRODUCTION, SECRETS_KEY: '' }, encoding: 'utf8' });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /Invalid configuration/);
    assert.match(res.stderr, /SECRETS_KEY is required in production mode/);
  });
});
