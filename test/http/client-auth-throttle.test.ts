import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

// The root client is not throttled; in production its secret is long.

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
