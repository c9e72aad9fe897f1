import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, type TestDatabase } from '../support/portico.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
const ROOT = `Basic ${Buffer.from('root:secret').toString('base64')}`;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** One request on a connection of its own, so that node:cluster hands each to the next worker in turn. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The pids of the primary's live children (its workers). */
function workerPids(primary: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(primary)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('WORKERS=2: two server processes share the port', { skip: postgres ? false : 'needs TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let primary: number;
  /** The pids whose request log shows an incoming request whose URL contains `marker`. */
  const servedBy = (marker: string, exact = false): Set<number> => {
    const pids = new Set<number>();
    for (const line of server.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { pid?: number; req?: { url?: string } };
      if (entry.pid !== undefined && (exact ? entry.req?.url === marker : entry.req?.url?.includes(marker))) pids.add(entry.pid);
    }
    return pids;
  };

  before(async () => {
    database = await freshDatabase('postgres');
    // info: the request log names the pid that served each request. GRANT_STATUS_CACHE_MS=0: every worker asks the
    // database whether a grant stands on each request, so a revocation through one is seen by the other at once.
    server = await startServerProcess({ DATABASE_URL: database.url ?? '', WORKERS: '2', LOG_LEVEL: 'info', GRANT_STATUS_CACHE_MS: '0' });
    primary = server.child.pid ?? 0;
  });
  after(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.drop();
  });

  it('runs two workers under the primary; tokens issued by one work at the other; a revocation is seen by both', async () => {
    assert.match(server.output(), /2 worker processes/);
    const workers = workerPids(primary);
    assert.equal(workers.length, 2, server.output());

    const client = { resourceType: 'Client', type: 'client', active: true, grant_types: ['client_credentials'], secret: 'workers-test-secret', scope: ['system/Patient.rs'] };
    const put = await call(`${server.baseUrl}/Client/workers-app`, {
      method: 'PUT',
      headers: { authorization: ROOT, 'content-type': 'application/json' },
      body: JSON.stringify(client),
    });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
    // system/ scopes act only where an AccessPolicy linked to the client allows them.
    const policy = await call(`${server.baseUrl}/AccessPolicy/workers-app-allow`, {
      method: 'PUT',
      headers: { authorization: ROOT, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'workers-app' }] }),
    });
    assert.ok(policy.status === 200 || policy.status === 201, JSON.stringify(policy.body));
    const basic = `Basic ${Buffer.from('workers-app:workers-test-secret').toString('base64')}`;
    const created = await call(`${server.baseUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { authorization: ROOT, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Workers' }] }),
    });
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    // Each phase reads its own URL, by which the request log tells its requests apart.
    const before = `/fhir/Patient/${id}`;
    const after = `/fhir/Patient/${id}/_history/1`;

    const issued = await call(`${server.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=system%2FPatient.rs',
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const bearer = { authorization: `Bearer ${String(issued.body.access_token)}` };
    for (let i = 0; i < 4; i++) {
      const read = await call(`${server.baseUrl}${before}`, { headers: bearer });
      assert.equal(read.status, 200, JSON.stringify(read.body));
    }
    // Both workers served the token: so one of them verified a token the other had issued.
    assert.deepEqual([...servedBy(`${before}`, true)].sort(), [...workers].sort());
    assert.equal(servedBy('/auth/token').size, 1);

    const revoked = await call(`${server.baseUrl}/auth/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${String(issued.body.access_token)}`,
    });
    assert.equal(revoked.status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await call(`${server.baseUrl}${after}`, { headers: bearer })).status, 401);
    assert.deepEqual([...servedBy(after)].sort(), [...workers].sort());
  });

  it('starts another worker when one dies, and keeps serving', async () => {
    const [victim, survivor] = workerPids(primary);
    assert.ok(victim && survivor);
    process.kill(victim, 'SIGKILL');
    // The replacement is started after a backoff (a second): wait for it, however long that takes here.
    let now = workerPids(primary);
    while (!(now.length === 2 && !now.includes(victim))) {
      await new Promise((r) => setTimeout(r, 200));
      now = workerPids(primary);
    }
    assert.ok(now.includes(survivor));
    assert.match(server.output(), new RegExp(`worker ${victim} exited \\(signal SIGKILL\\); starting another in \\d+ ms`));
    const replacement = now.find((pid) => pid !== survivor) ?? 0;
    // The replacement listens once it logs so; then requests reach both again.
    while (!server.output().includes(`"pid":${replacement},"hostname"`) || !/Server listening/.test(server.output().split('\n').filter((l) => l.includes(`"pid":${replacement},`)).join('\n'))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < 4; i++) assert.equal((await call(`${server.baseUrl}/fhir/metadata?_format=json`)).status, 200);
    assert.deepEqual([...servedBy('/fhir/metadata?_format=json')].sort(), [...now].sort());
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const workers = workerPids(primary);
    assert.equal(workers.length, 2);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    for (const pid of workers) assert.equal(alive(pid), false, `worker ${pid} still runs`);
  });
});
