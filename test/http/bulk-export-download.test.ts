import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fhirClient, ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const RESOURCES = 60;
// ~200 KB of base64 each, all in one page: the file is one chunk of about 12 MB, far more than the
// sockets between server and client hold, so the server is still sending it while the client stalls.
const payload = (i: number) => Buffer.alloc(150_000, `resource ${i} `).toString('base64');

/**
 * A client that stops reading a file download half-way (over real HTTP, files in the database) holds
 * no database connection meanwhile: with a pool of one, FHIR reads are still served. When it goes
 * away, nothing is left behind, and the same file downloads whole.
 */
for (const driver of drivers) {
  describe(`Bulk Data file download, stalled and abandoned half-way (${driver})`, () => {
    let portico: TestPortico;
    let origin: string;

    before(async () => {
      portico = await startPortico(driver, {
        BULK_EXPORT_WORKER: 'false',
        BULK_EXPORT_FILES: 'database',
        BULK_EXPORT_PAGE_SIZE: String(RESOURCES),
        DATABASE_POOL_SIZE: '1',
      });
      const root = fhirClient(portico.app);
      for (let i = 0; i < RESOURCES; i++) {
        const res = await root.put(`Binary/b${i}`, { resourceType: 'Binary', id: `b${i}`, contentType: 'text/plain', data: payload(i) });
        assert.equal(res.status, 201, res.text);
      }
      await portico.app.listen({ port: 0, host: '127.0.0.1' });
      origin = `http://127.0.0.1:${(portico.app.server.address() as AddressInfo).port}`;
    });
    after(() => portico.stop());

    it('a stalled download holds no connection; dropped, it leaves the file whole', { timeout: 60_000 }, async () => {
      const root = fhirClient(portico.app);
      const kickOff = await root.get('$export?_type=Binary', { prefer: 'respond-async', accept: 'application/fhir+json' });
      assert.equal(kickOff.status, 202, kickOff.text);
      assert.deepEqual(await portico.bulkExport.worker.runPending(), ['completed']);
      const status = await root.get(String(kickOff.headers['content-location']).slice(FHIR_BASE.length + 1), { accept: 'application/json' });
      const manifest = status.body as { output: { url: string; count: number }[] };
      const biggest = [...manifest.output].sort((a, b) => b.count - a.count)[0]!;
      const path = biggest.url.slice(TEST_BASE_URL.length);

      // Read the first bytes, then stop reading: the server has more to send than the socket holds.
      let drop = () => {};
      const firstBytes = await new Promise<number>((resolve, reject) => {
        const req = request(`${origin}${path}`, { headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+ndjson' } }, (res) => {
          assert.equal(res.statusCode, 200);
          res.once('data', (chunk: Buffer) => {
            res.pause();
            drop = () => req.destroy();
            resolve(chunk.length);
          });
        });
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
        req.end();
      });
      assert.ok(firstBytes > 0);
      // While it stalls, the one pooled connection serves others.
      const read = await Promise.race([
        root.get('Binary/b1'),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a FHIR read waited on the stalled download')), 10_000).unref()),
      ]);
      assert.equal(read.status, 200);
      drop();

      // Dropped: reads and the whole file are served.
      assert.equal((await root.get('Binary/b2')).status, 200);
      const whole = await fetch(`${origin}${path}`, { headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+ndjson' } });
      assert.equal(whole.status, 200);
      const lines = (await whole.text()).split('\n').filter((l) => l !== '');
      assert.equal(lines.length, biggest.count);
      for (const line of lines) {
        const resource = JSON.parse(line) as { id: string; data: string };
        assert.equal(resource.data, payload(Number(resource.id.slice(1))));
      }
    });
  });
}
