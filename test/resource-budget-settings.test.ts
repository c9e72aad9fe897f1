import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('resource budget settings', () => {
  it('defaults: FHIR pool 10, auth pool 4, 100 waiting per pool, 30 s FHIR statements, 1,000 Bundle entries', () => {
    const config = loadConfig({});
    assert.equal(config.databasePoolSize, 10);
    assert.equal(config.databaseAuthPoolSize, 4);
    assert.equal(config.databaseMaxQueue, 100);
    assert.equal(config.fhir.queryTimeoutMs, 30_000);
    assert.equal(config.fhir.maxBundleEntries, 1000);
    assert.equal(config.fhir.maxConcurrent, 10, 'FHIR requests at once: as many as the FHIR pool has connections');
    assert.equal(config.fhir.maxQueue, 100);
    assert.equal(loadConfig({ DATABASE_POOL_SIZE: '3' }).fhir.maxConcurrent, 3);
    assert.equal(config.fhir.loopDelayTargetMs, 20);
  });

  it('takes 0 FHIR requests at once for no limit, and 0 waiting for refusing whenever every place is taken', () => {
    const config = loadConfig({ FHIR_MAX_CONCURRENT: '0', FHIR_MAX_QUEUE: '0', FHIR_LOOP_DELAY_TARGET_MS: '0' });
    assert.equal(config.fhir.maxConcurrent, 0);
    assert.equal(config.fhir.loopDelayTargetMs, 0);
    assert.equal(config.fhir.maxQueue, 0);
  });

  it('takes 0 for no FHIR statement timeout and for no waiting at all', () => {
    const config = loadConfig({ FHIR_QUERY_TIMEOUT_MS: '0', DATABASE_MAX_QUEUE: '0', DATABASE_AUTH_POOL_SIZE: '2', FHIR_MAX_BUNDLE_ENTRIES: '50' });
    assert.equal(config.fhir.queryTimeoutMs, 0);
    assert.equal(config.databaseMaxQueue, 0);
    assert.equal(config.databaseAuthPoolSize, 2);
    assert.equal(config.fhir.maxBundleEntries, 50);
  });

  it('refuses bad values, naming each', () => {
    assert.throws(
      () => loadConfig({ DATABASE_AUTH_POOL_SIZE: '0', DATABASE_MAX_QUEUE: '-1', FHIR_QUERY_TIMEOUT_MS: '30s', FHIR_MAX_BUNDLE_ENTRIES: '0', FHIR_MAX_CONCURRENT: 'four', FHIR_MAX_QUEUE: '1.5', FHIR_LOOP_DELAY_TARGET_MS: '20ms' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        for (const name of ['DATABASE_AUTH_POOL_SIZE', 'DATABASE_MAX_QUEUE', 'FHIR_QUERY_TIMEOUT_MS', 'FHIR_MAX_BUNDLE_ENTRIES', 'FHIR_MAX_CONCURRENT', 'FHIR_MAX_QUEUE', 'FHIR_LOOP_DELAY_TARGET_MS']) assert.match(text, new RegExp(`${name}=`));
        return true;
      },
    );
  });
});
