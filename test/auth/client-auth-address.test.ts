import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress } from '../../src/auth/client-auth/jwks/address-class.ts';
import { freshnessLifetime, parseMaxAge } from '../../src/auth/client-auth/jwks/cache-control.ts';
import { loadConfig } from '../../src/config.ts';

describe('outbound address classification (SSRF guard)', () => {
  it('classifies the special-use addresses, including IPv4 carried inside IPv6', () => {
    const expected: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '127.0.0.2': 'loopback',
      '::1': 'loopback',
      '[::1]': 'loopback',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:7f00:1': 'loopback',
      '64:ff9b::7f00:1': 'loopback',
      '2002:7f00:1::': 'loopback',
      '0.0.0.0': 'unspecified',
      '::': 'unspecified',
      '169.254.169.254': 'link-local',
      'fe80::1': 'link-local',
      '10.0.0.1': 'private',
      '172.16.0.1': 'private',
      '192.168.1.1': 'private',
      '100.64.0.1': 'private',
      '::ffff:10.1.2.3': 'private',
      'fd00::1': 'unique-local',
      '224.0.0.1': 'multicast',
      'ff02::1': 'multicast',
      '198.18.0.1': 'reserved',
      '255.255.255.255': 'reserved',
      'not-an-ip': 'reserved',
      '8.8.8.8': 'public',
      '2606:4700:4700::1111': 'public',
      '::ffff:8.8.8.8': 'public',
    };
    for (const [address, kind] of Object.entries(expected)) assert.equal(classifyAddress(address), kind, address);
  });

  it('host spellings in URLs normalise to the dotted address the classifier sees', () => {
    for (const host of ['2130706433', '0177.0.0.1', '0x7f000001', '127.1']) {
      assert.equal(classifyAddress(new URL(`http://${host}/`).hostname), 'loopback', host);
    }
  });

  it('parseMaxAge reads Cache-Control', () => {
    assert.equal(parseMaxAge('public, max-age=120'), 120);
    assert.equal(parseMaxAge('max-age=60, no-store'), 0);
    assert.equal(parseMaxAge('no-cache'), 0);
    assert.equal(parseMaxAge('private'), undefined);
    assert.equal(parseMaxAge(undefined), undefined);
  });

  it('freshnessLifetime never exceeds what the response allows (RFC 9111 §4.2): max-age minus Age, else Expires minus Date', () => {
    const date = 'Mon, 23 Nov 2026 10:00:00 GMT';
    assert.equal(freshnessLifetime({ 'cache-control': 'max-age=120', age: '100' }), 20);
    assert.equal(freshnessLifetime({ 'cache-control': 'max-age=120', age: '500' }), 0);
    assert.equal(freshnessLifetime({ 'cache-control': 'max-age=120', age: 'soon' }), 0, 'an unreadable Age counts as stale');
    assert.equal(freshnessLifetime({ 'cache-control': 'max-age=120', expires: 'Mon, 23 Nov 2026 12:00:00 GMT', date }), 120, 'max-age wins over Expires');
    assert.equal(freshnessLifetime({ expires: 'Mon, 23 Nov 2026 10:05:00 GMT', date }), 300);
    assert.equal(freshnessLifetime({ expires: 'Mon, 23 Nov 2026 09:00:00 GMT', date }), 0);
    assert.equal(freshnessLifetime({ expires: '0', date }), 0, 'an invalid Expires is already expired (§5.3)');
    assert.equal(freshnessLifetime({ expires: 'Mon, 23 Nov 2026 10:05:00 GMT' }), 0, 'no Date to compare with: not cached');
    assert.equal(freshnessLifetime({ 'cache-control': 'no-store', age: '0' }), 0);
    assert.equal(freshnessLifetime({}), undefined, 'silence: the cache default applies');
  });

  it('settings: production fetches only public https jwks_uri; the sandbox also loopback over http', () => {
    const production = loadConfig({ MODE: 'production', ADMIN_CLIENT_ID: 'a', ADMIN_CLIENT_SECRET: 'a'.repeat(32), BASE_URL: 'https://x.org', SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64) });
    assert.deepEqual([production.jwksFetch.allowHttp, production.jwksFetch.allowedAddresses, production.jwksFetch.timeoutMs], [false, [], 5000]);
    const sandbox = loadConfig({ JWKS_FETCH_TIMEOUT_MS: '2000' });
    assert.deepEqual([sandbox.jwksFetch.allowHttp, sandbox.jwksFetch.allowedAddresses, sandbox.jwksFetch.timeoutMs], [true, ['loopback'], 2000]);
    assert.ok(loadConfig({ JWKS_FETCH_ALLOW_PRIVATE: 'true' }).jwksFetch.allowedAddresses.includes('private'));
    assert.throws(() => loadConfig({ JWKS_FETCH_ALLOW_PRIVATE: 'yes' }), /JWKS_FETCH_ALLOW_PRIVATE/);
  });
});
