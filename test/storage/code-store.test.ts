import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthorizationCodeRecord } from '../../src/auth/grants/grant.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const DAY = 24 * 3600;

for (const driver of drivers) {
  describe(`authorization code store (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    const record = (grantId: string, expiresAt: number): AuthorizationCodeRecord => ({
      grant: { id: grantId, clientId: 'code-store-client', scope: 'openid' },
      redirectUri: 'https://app.example/callback',
      expiresAt,
    });
    const stored = async (hash: string) =>
      (await portico.db.query<{ n: string | number }>('SELECT count(*) AS n FROM authorization_code WHERE code_hash = $1', [hash]))[0]?.n;

    it('creates a code that is spent once, and purges codes a day past their expiry as it creates the next', async () => {
      const t0 = 1_900_000_000;
      await portico.codes.create('old-hash', record('grant-old', t0));
      await portico.codes.create('recent-hash', record('grant-recent', t0 + DAY));
      assert.equal(Number(await stored('old-hash')), 1);

      // A code created just over a day after the first expired: the first is purged, the one a day younger is kept.
      await portico.codes.create('new-hash', record('grant-new', t0 + DAY + 61));
      assert.equal(Number(await stored('old-hash')), 0, 'purged');
      assert.equal(Number(await stored('recent-hash')), 1, 'kept: not yet a day past its expiry');

      const spent = await portico.codes.consume('new-hash', t0 + DAY + 1);
      assert.ok(spent && 'record' in spent);
      assert.equal(spent.record.grant.id, 'grant-new');
      assert.deepEqual(await portico.codes.consume('new-hash', t0 + DAY + 2), { reused: true, grantId: 'grant-new' });
    });

    it('refuses a second code with the same hash and keeps the first', async () => {
      const t0 = 1_900_100_000;
      await portico.codes.create('same-hash', record('grant-first', t0));
      await assert.rejects(portico.codes.create('same-hash', record('grant-second', t0)));
      const spent = await portico.codes.consume('same-hash', t0 - 10);
      assert.ok(spent && 'record' in spent);
      assert.equal(spent.record.grant.id, 'grant-first');
    });
  });
}
