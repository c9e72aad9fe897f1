import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('resource budget settings', () => {
  it('defaults: 1,000 Bundle entries', () => {
    assert.equal(loadConfig({}).fhir.maxBundleEntries, 1000);
    assert.equal(loadConfig({ FHIR_MAX_BUNDLE_ENTRIES: '50' }).fhir.maxBundleEntries, 50);
  });

  it('refuses bad values, naming each', () => {
    assert.throws(
      () => loadConfig({ FHIR_MAX_BUNDLE_ENTRIES: '0' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.problems.join('\n'), /FHIR_MAX_BUNDLE_ENTRIES=/);
        return true;
      },
    );
  });
});
