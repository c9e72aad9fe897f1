import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheGrantStatus } from '../../src/auth/grants/grant-status-cache.ts';
import type { GrantStore } from '../../src/auth/grants/grant-store.ts';

/** A grant store whose answers to `isActive` wait until the test lets them go (a read in flight). */
function slowStore() {
  const revoked = new Set<string>();
  const pending: (() => void)[] = [];
  const store = {
    async isActive(id: string) {
      // What the database says when the read starts; the answer arrives when released.
      const active = !revoked.has(id);
      await new Promise<void>((resolve) => pending.push(resolve));
      return active;
    },
    async revoke(id: string) {
      revoked.add(id);
    },
  } as unknown as GrantStore;
  return { store, releaseReads: () => pending.splice(0).forEach((release) => release()) };
}

describe('the grant status cache', () => {
  it('remembers "active" for its TTL, and a revocation through it applies at once', async () => {
    const { store, releaseReads } = slowStore();
    const cache = cacheGrantStatus(store, { activeTtlMs: 60_000, maxEntries: 10, nowMs: () => 0 });
    const first = cache.isActive('g1');
    releaseReads();
    assert.equal(await first, true);
    // Remembered: answered without a read.
    assert.equal(await cache.isActive('g1'), true);
    await cache.revoke('g1', new Date(0));
    assert.equal(await cache.isActive('g1'), false);
  });

  it('a read in flight when the grant is revoked does not bring "active" back', async () => {
    const { store, releaseReads } = slowStore();
    const cache = cacheGrantStatus(store, { activeTtlMs: 60_000, maxEntries: 10, nowMs: () => 0 });
    // A FHIR request's check started before the revocation, and read "active" from the database.
    const inFlight = cache.isActive('g2');
    await cache.revoke('g2', new Date(0));
    releaseReads();
    // That request began before the revocation: its answer may be "active".
    assert.equal(await inFlight, true);
    // Every later one must see the revocation, not the in-flight read's stale answer.
    const later = cache.isActive('g2');
    releaseReads();
    assert.equal(await later, false);
  });
});
