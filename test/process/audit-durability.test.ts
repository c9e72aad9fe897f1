import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createPortico } from '../../src/portico.ts';
import { verifyAuditChains } from '../../src/storage/audit/audit-verify.ts';
import { auditEvents } from '../support/audit-read.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { definitions, freshDatabase } from '../support/portico.ts';
import { startServerProcess } from '../support/processes.ts';

const LOOPS = 32;
/** Answers to wait for before the kill: enough that the kill lands in the middle of traffic. */
const ACKNOWLEDGED_BEFORE_KILL = 400;

interface Answer {
  status: number;
  body: string;
}

function send(agent: Agent, base: string, method: string, path: string, requestId: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}/fhir/${path}`,
      {
        method,
        agent,
        headers: {
          authorization: ROOT_AUTHORIZATION,
          accept: 'application/fhir+json',
          'x-request-id': requestId,
          ...(payload ? { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        // Acknowledged: the whole answer arrived.
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * No request is answered before its AuditEvent is durable: under mixed traffic (reads, searches, creates) the
 * server is killed with SIGKILL, then every request whose answer arrived has its event (by the X-Request-Id it sent),
 * and the chains verify.
 */
async function killDuringTraffic(env: Record<string, string>): Promise<{ acknowledged: number; missing: string[]; intact: boolean }> {
  const server = await startServerProcess(env);
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
  const acknowledged: string[] = [];
  try {
    const patient = await send(agent, server.baseUrl, 'POST', 'Patient', 'setup-patient', { resourceType: 'Patient', name: [{ family: 'Durable' }] });
    assert.equal(patient.status, 201, patient.body);
    const patientId = (JSON.parse(patient.body) as { id: string }).id;
    const obs = await send(agent, server.baseUrl, 'POST', 'Observation', 'setup-obs', {
      resourceType: 'Observation', status: 'final', code: { text: 'hr' }, subject: { reference: `Patient/${patientId}` },
    });
    assert.equal(obs.status, 201, obs.body);
    acknowledged.push('setup-patient', 'setup-obs');
    const obsId = (JSON.parse(obs.body) as { id: string }).id;

    let killed = false;
    let n = 0;
    const loop = async (worker: number) => {
      while (!killed) {
        const id = `w${worker}-${n++}`;
        const kind = n % 3;
        try {
          const answer =
            kind === 0
              ? await send(agent, server.baseUrl, 'GET', `Observation/${obsId}`, id)
              : kind === 1
                ? await send(agent, server.baseUrl, 'GET', `Observation?subject=Patient/${patientId}&_count=5`, id)
                : await send(agent, server.baseUrl, 'POST', 'Observation', id, { resourceType: 'Observation', status: 'final', code: { text: id }, subject: { reference: `Patient/${patientId}` } });
          assert.ok(answer.status < 500, `${id}: ${answer.status} ${answer.body}`);
          acknowledged.push(id);
          if (acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL && !killed) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          // Requests in flight when the process died: never answered, so nothing is owed.
        }
      }
    };
    await Promise.all(Array.from({ length: LOOPS }, (_, w) => loop(w)));
    await server.exited;
  } finally {
    agent.destroy();
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }

  const portico = await createPortico(loadConfig({ MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', ...env }), { definitions: definitions() });
  try {
    const recorded = new Set<string>();
    for (const event of await auditEvents(portico)) {
      for (const entity of event.entity ?? []) if (entity.type?.code === 'XrequestId' && entity.what?.identifier?.value) recorded.add(entity.what.identifier.value);
    }
    const verdict = await verifyAuditChains(portico.db);
    return { acknowledged: acknowledged.length, missing: acknowledged.filter((id) => !recorded.has(id)), intact: verdict.ok };
  } finally {
    await portico.close();
  }
}

describe('audit trail durability under kill -9', { skip: process.platform === 'win32' ? 'POSIX signals' : false }, () => {
  it('embedded PostgreSQL (the default): every acknowledged request has its event', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-audit-kill-'));
    await chmod(dataDir, 0o755);
    try {
      const result = await killDuringTraffic({ DATA_DIR: dataDir });
      assert.ok(result.acknowledged >= ACKNOWLEDGED_BEFORE_KILL);
      assert.deepEqual(result.missing, []);
      assert.ok(result.intact, 'the chains verify');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('external PostgreSQL: every acknowledged request has its event', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL not set' }, async () => {
    const db = await freshDatabase('postgres');
    try {
      const result = await killDuringTraffic({ DATABASE_URL: db.url ?? '' });
      assert.ok(result.acknowledged >= ACKNOWLEDGED_BEFORE_KILL);
      assert.deepEqual(result.missing, []);
      assert.ok(result.intact, 'the chains verify');
    } finally {
      await db.drop();
    }
  });
});
