import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Portico } from '../../src/portico.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, startSibling, type TestPortico } from '../support/portico.ts';

/**
 * A Client read is reused for CLIENT_CACHE_MS (every token request reads one). These tests hold the
 * cache to what it must not change: a deactivated client or a replaced secret stops working at once
 * through the same process; a replaced secret, within CLIENT_CACHE_MS through another one; a
 * deactivated client gets no token from any process at once.
 */
const backendClient = (secret: string, active = true) => ({
  resourceType: 'Client',
  secret,
  active,
  grant_types: ['client_credentials'],
  scope: ['system/Patient.rs'],
});

async function tokenStatus(app: FastifyInstance, clientId: string, secret: string): Promise<{ status: number; error?: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }).toString(),
  });
  const body = JSON.parse(res.body) as { error?: string };
  return { status: res.statusCode, ...(body.error ? { error: body.error } : {}) };
}

async function putClient(app: FastifyInstance, id: string, body: ReturnType<typeof backendClient>): Promise<void> {
  const res = await adminHttp(app)('PUT', `/Client/${id}`, { body });
  assert.ok(res.status === 200 || res.status === 201, res.text);
}

for (const driver of drivers) {
  describe(`Client read cache (${driver})`, () => {
    let portico: TestPortico;

    before(async () => {
      portico = await startPortico(driver, { CLIENT_CACHE_MS: '60000' });
    });
    after(() => portico.stop());

    it('a client deactivated through this process is refused at once, though it was just read', async () => {
      await putClient(portico.app, 'cc-deactivated', backendClient('first-secret'));
      assert.equal((await tokenStatus(portico.app, 'cc-deactivated', 'first-secret')).status, 200);
      await putClient(portico.app, 'cc-deactivated', backendClient('first-secret', false));
      assert.deepEqual(await tokenStatus(portico.app, 'cc-deactivated', 'first-secret'), { status: 401, error: 'invalid_client' });
    });

    it('a replaced secret is refused at once and the new one accepted; a deleted client is unknown at once', async () => {
      await putClient(portico.app, 'cc-rotated', backendClient('old-secret'));
      assert.equal((await tokenStatus(portico.app, 'cc-rotated', 'old-secret')).status, 200);
      await putClient(portico.app, 'cc-rotated', backendClient('new-secret'));
      assert.deepEqual(await tokenStatus(portico.app, 'cc-rotated', 'old-secret'), { status: 401, error: 'invalid_client' });
      assert.equal((await tokenStatus(portico.app, 'cc-rotated', 'new-secret')).status, 200);
      assert.equal((await adminHttp(portico.app)('DELETE', '/Client/cc-rotated')).status, 200);
      assert.deepEqual(await tokenStatus(portico.app, 'cc-rotated', 'new-secret'), { status: 401, error: 'invalid_client' });
    });
  });
}

// Two processes on one database: only PostgreSQL can be shared (PGlite is embedded in one process).
if (drivers.includes('postgres')) {
  describe('Client read cache across processes (postgres)', () => {
    let clock = Date.parse('2026-06-01T12:00:00Z');
    let first: TestPortico;
    let second: Portico;
    let uncached: Portico;

    before(async () => {
      first = await startPortico('postgres', {}, { now: () => new Date(clock) });
      second = await startSibling(first, { CLIENT_CACHE_MS: '1000' }, { now: () => new Date(clock) });
      uncached = await startSibling(first, { CLIENT_CACHE_MS: '0' }, { now: () => new Date(clock) });
    });
    after(async () => {
      await second.close();
      await uncached.close();
      await first.stop();
    });

    it("another process's replaced secret applies within CLIENT_CACHE_MS, and at once with 0", async () => {
      await putClient(first.app, 'cc-shared', backendClient('shared-secret'));
      assert.equal((await tokenStatus(second.app, 'cc-shared', 'shared-secret')).status, 200);
      assert.equal((await tokenStatus(uncached.app, 'cc-shared', 'shared-secret')).status, 200);
      await putClient(first.app, 'cc-shared', backendClient('new-shared-secret'));
      assert.equal((await tokenStatus(uncached.app, 'cc-shared', 'shared-secret')).status, 401, 'no cache: refused at once');
      assert.equal((await tokenStatus(second.app, 'cc-shared', 'shared-secret')).status, 200, 'remembered for up to 1 s');
      clock += 1001;
      assert.equal((await tokenStatus(second.app, 'cc-shared', 'shared-secret')).status, 401, 'refused once the remembered client is stale');
    });

    it("another process's deactivation is refused at once, even where the client is still remembered", async () => {
      await putClient(first.app, 'cc-deactivated-elsewhere', backendClient('shared-secret'));
      assert.equal((await tokenStatus(second.app, 'cc-deactivated-elsewhere', 'shared-secret')).status, 200);
      await putClient(first.app, 'cc-deactivated-elsewhere', backendClient('shared-secret', false));
      assert.deepEqual(await tokenStatus(second.app, 'cc-deactivated-elsewhere', 'shared-secret'), { status: 401, error: 'invalid_client' });
      assert.deepEqual(await tokenStatus(uncached.app, 'cc-deactivated-elsewhere', 'shared-secret'), { status: 401, error: 'invalid_client' });
    });
  });
}
