import assert from 'node:assert/strict';
import { request } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { startServerProcess } from '../support/processes.ts';

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the in-flight request, then exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-shutdown-'));
    // The default database, embedded PostgreSQL: as root its server's user must pass through DATA_DIR (mkdtemp makes it 0700).
    await chmod(dataDir, 0o755);
    try {
      const server = await startServerProcess({ DATA_DIR: dataDir });
      const body = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'InFlight' }] });
      const url = new URL(`${server.baseUrl}/fhir/Patient`);
      // Send the headers and half of the body: the request is in flight when SIGTERM arrives.
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body), authorization: ROOT_AUTHORIZATION } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        void delay(300).then(() => {
          server.child.kill('SIGTERM');
          return delay(300);
        }).then(() => req.end(body.slice(10)));
      });
      const res = await response;
      assert.equal(res.status, 201, res.body);
      assert.equal(JSON.parse(res.body).name[0].family, 'InFlight');
      assert.equal(await server.exited, 0, server.output());
      // New connections are refused once it has stopped.
      await assert.rejects(fetch(`${server.baseUrl}/health`));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
