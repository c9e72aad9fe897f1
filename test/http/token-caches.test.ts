import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { Portico } from '../../src/portico.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

/**
 * The FHIR API remembers verified tokens and active grants (issue 6: a repeated token skips the
 * signature check; "is the grant active?" is asked at most every GRANT_STATUS_CACHE_MS). These tests
 * hold the caches to what they must not change: expiry, and revocation.
 */
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;

async function tokenFor(portico: Portico, grant: string, nowSeconds: number, lifetime: number): Promise<string> {
  await portico.grants.save({ id: grant, clientId: 'app', scope: 'patient/*.rs', patient: 'pa' }, new Date(nowSeconds * 1000));
  const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
  return new SignJWT({
    iss: TEST_BASE_URL, sub: 'user-1', aud: FHIR_BASE, client_id: 'app', scope: 'launch/patient patient/*.rs', grant, jti: `jti-${grant}`,
    iat: nowSeconds, exp: nowSeconds + lifetime, patient: 'pa',
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .sign(key.key);
}

/** The client the tokens above are for: a grant is stored only for a Client that exists and is active. */
async function putApp(portico: Portico): Promise<void> {
  assert.equal((await adminHttp(portico.app)('PUT', '/Client/app', { body: { grant_types: ['authorization_code'] } })).status, 201);
}

for (const driver of drivers) {
  describe(`FHIR API token caches (${driver})`, () => {
    let clock = Date.parse('2026-06-01T12:00:00Z');
    let portico: TestPortico;
    const seconds = () => Math.floor(clock / 1000);

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      await putApp(portico);
      assert.equal((await fhirClient(portico.app).put('Patient/pa', { resourceType: 'Patient', id: 'pa' })).status, 201);
    });
    after(() => portico.stop());

    it('a token verified (and remembered) earlier is refused once it expires', async () => {
      const bearer = await tokenFor(portico, 'grant-expiring', seconds(), 60);
      const client = fhirClient(portico.app, `Bearer ${bearer}`);
      assert.equal((await client.get('Patient/pa')).status, 200);
      assert.equal((await client.get('Patient/pa')).status, 200);
      clock += 61_000;
      const res = await client.get('Patient/pa');
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /invalid_token/);
    });

    it('a grant revoked in this process is refused at once, though "active" was just remembered', async () => {
      const bearer = await tokenFor(portico, 'grant-revoked-here', seconds(), 600);
      const client = fhirClient(portico.app, `Bearer ${bearer}`);
      assert.equal((await client.get('Patient/pa')).status, 200);
      await portico.grants.revoke('grant-revoked-here', new Date(clock));
      assert.equal((await client.get('Patient/pa')).status, 401);
    });

    it('a token verified (and remembered) earlier is refused once its signing key is retired', async () => {
      const bearer = await tokenFor(portico, 'grant-old-key', seconds(), 600);
      const client = fhirClient(portico.app, `Bearer ${bearer}`);
      assert.equal((await client.get('Patient/pa')).status, 200);
      const { kid: oldKid } = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      await portico.signingKeys.rotate();
      assert.equal((await client.get('Patient/pa')).status, 200, 'a superseded key still verifies');
      await portico.signingKeys.retire(oldKid);
      const res = await client.get('Patient/pa');
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /invalid_token/);
      assert.match(String(res.headers['www-authenticate']), /not signed by a key of this server/);
    });
  });
}

// Two processes on one database: only PostgreSQL can be shared (PGlite is embedded in one process).
if (drivers.includes('postgres')) {
  describe('FHIR API token caches across processes (postgres)', () => {
    let clock = Date.parse('2026-06-01T12:00:00Z');
    let first: TestPortico;
    let second: Portico;
    let uncached: Portico;

    before(async () => {
      first = await startPortico('postgres', {}, { now: () => new Date(clock) });
      second = await startSibling(first, { GRANT_STATUS_CACHE_MS: '1000' }, { now: () => new Date(clock) });
      uncached = await startSibling(first, { GRANT_STATUS_CACHE_MS: '0' }, { now: () => new Date(clock) });
      await putApp(first);
      assert.equal((await fhirClient(first.app).put('Patient/pa', { resourceType: 'Patient', id: 'pa' })).status, 201);
    });
    after(async () => {
      await second.close();
      await uncached.close();
      await first.stop();
    });

    it("another process's revocation applies within GRANT_STATUS_CACHE_MS, and at once with 0", async () => {
      const bearer = await tokenFor(first, 'grant-shared', Math.floor(clock / 1000), 600);
      const onSecond = fhirClient(second.app, `Bearer ${bearer}`);
      const onUncached = fhirClient(uncached.app, `Bearer ${bearer}`);
      assert.equal((await onSecond.get('Patient/pa')).status, 200);
      assert.equal((await onUncached.get('Patient/pa')).status, 200);
      await first.grants.revoke('grant-shared', new Date(clock));
      assert.equal((await onUncached.get('Patient/pa')).status, 401, 'no cache: refused at once');
      assert.equal((await onSecond.get('Patient/pa')).status, 200, 'remembered as active for up to 1 s');
      clock += 1001;
      assert.equal((await onSecond.get('Patient/pa')).status, 401, 'refused once the remembered answer is stale');
    });

    it("another process's key retirement applies once this process re-reads its keys (a minute), remembered tokens too", async () => {
      const bearer = await tokenFor(first, 'grant-key-retired-elsewhere', Math.floor(clock / 1000), 3600);
      const onSecond = fhirClient(second.app, `Bearer ${bearer}`);
      assert.equal((await onSecond.get('Patient/pa')).status, 200);
      const { kid: oldKid } = await first.signingKeys.signingKey(first.signingKeys.accessTokenAlg);
      await first.signingKeys.rotate();
      await first.signingKeys.retire(oldKid);
      clock += 60_001;
      const res = await onSecond.get('Patient/pa');
      assert.equal(res.status, 401, 'refused though the token was verified and remembered before');
      assert.match(String(res.headers['www-authenticate']), /not signed by a key of this server/);
    });
  });
}
