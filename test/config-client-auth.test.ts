import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('settings: client authentication throttling', () => {
  it('defaults to 10 failures per client_id within 300 s', () => {
    assert.deepEqual(loadConfig({}).clientAuth, { maxFailures: 10, failureWindow: 300 });
    assert.deepEqual(loadConfig({ CLIENT_AUTH_MAX_FAILURES: '3', CLIENT_AUTH_FAILURE_WINDOW: '60' }).clientAuth, { maxFailures: 3, failureWindow: 60 });
  });

  it('refuses a value that is not a whole number in range, naming the setting', () => {
    for (const [name, value] of [
      ['CLIENT_AUTH_MAX_FAILURES', '0'],
      ['CLIENT_AUTH_MAX_FAILURES', 'ten'],
      ['CLIENT_AUTH_FAILURE_WINDOW', '0'],
      ['CLIENT_AUTH_FAILURE_WINDOW', '86401'],
      ['CLIENT_AUTH_FAILURE_WINDOW', '1.5'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.includes(name)),
        `${name}=${value}`,
      );
    }
  });
});
