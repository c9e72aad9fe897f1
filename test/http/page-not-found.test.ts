import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/** A path under the pages that no route serves answers an HTML page, at the root and at a tenant; other paths as before. */
for (const driver of drivers) {
  describe(`page not found (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { SEED: 'demo' });
    });
    after(() => portico.stop());

    const get = (url: string) => portico.app.inject({ method: 'GET', url });

    it('a mistyped page address answers an HTML 404 with the pages’ headers, where the right one answers its page', async () => {
      for (const [served, missing] of [
        ['/portal/signup', '/portal/nope'],
        ['/launcher', '/launcher/nope'],
        ['/docs', '/docs/nope'],
        ['/auth/login', '/auth/login/nope'],
      ] as const) {
        const page = await get(served);
        assert.equal(page.statusCode, 200, served);
        const res = await get(missing);
        assert.equal(res.statusCode, 404, missing);
        assert.match(String(res.headers['content-type']), /^text\/html/, missing);
        assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, missing);
        assert.equal(res.headers['cache-control'], 'no-store', missing);
        assert.match(res.body, /<h1>Not found<\/h1>/, missing);
        assert.ok(!res.body.includes('nope'), 'the address is not echoed');
      }
    });

    it('at a tenant too: its pages that do not exist answer the same HTML 404', async () => {
      const apps = await get('/t/my-clinic/auth/login');
      assert.equal(apps.statusCode, 200);
      const res = await get('/t/my-clinic/auth/apps/nope');
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /<h1>Not found<\/h1>/);
    });

    it('elsewhere a 404 stays JSON, and the FHIR API keeps its OperationOutcome', async () => {
      const other = await get('/nope');
      assert.equal(other.statusCode, 404);
      assert.match(String(other.headers['content-type']), /^application\/json/);
      const fhir = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/no-such-patient', headers: { authorization: `Basic ${Buffer.from('root:secret').toString('base64')}` } });
      assert.equal(fhir.statusCode, 404);
      assert.equal((fhir.json() as { resourceType: string }).resourceType, 'OperationOutcome');
    });
  });
}
