import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTtlCache } from '../../src/shared/ttl-cache.ts';

describe('TTL cache (bounded, per-entry expiry, the reader says what time it is)', () => {
  it('serves an entry while the time read is before its expiry, and not from its expiry on', () => {
    const cache = createTtlCache<string, number>(10);
    cache.set('a', 1, 100);
    assert.equal(cache.get('a', 0), 1);
    assert.equal(cache.get('a', 99), 1);
    assert.equal(cache.get('a', 100), undefined);
    // Dropped once read expired: an earlier time does not bring it back.
    assert.equal(cache.get('a', 0), undefined);
  });

  it('drops the entry written longest ago beyond maxEntries; writing a key again makes it the newest', () => {
    const cache = createTtlCache<string, number>(2);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('a', 3, 100);
    cache.set('c', 4, 100);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0), 3);
    assert.equal(cache.get('c', 0), 4);
  });

  it('keeps nothing when maxEntries is 0 or less', () => {
    for (const maxEntries of [0, -1]) {
      const cache = createTtlCache<string, number>(maxEntries);
      cache.set('a', 1, 100);
      assert.equal(cache.get('a', 0), undefined);
    }
  });

  it('deletes one key, or every entry whose value passes a test', () => {
    const cache = createTtlCache<string, boolean>(10);
    cache.set('on', true, Number.POSITIVE_INFINITY);
    cache.set('off', false, Number.POSITIVE_INFINITY);
    cache.set('gone', true, 100);
    cache.delete('gone');
    assert.equal(cache.get('gone', 0), undefined);
    cache.deleteWhere((value) => value);
    assert.equal(cache.get('on', 0), undefined);
    assert.equal(cache.get('off', 1e15), false);
  });
});
