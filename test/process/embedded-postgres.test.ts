import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { escape, runToExit } from '../support/run-to-exit.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';

/**
 * `npm start` on the embedded default: a PostgreSQL server Portico starts as its child in DATA_DIR/postgres.
 * Real processes throughout (as root here and in CI: the server then runs as the unprivileged postgres user).
 */
describe('embedded PostgreSQL (the default database)', { skip: process.platform === 'win32' ? 'POSIX process handling' : false }, () => {
  let dataDir: string;
  const started: ServerProcess[] = [];
  const leftovers: number[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServerProcess({ DATA_DIR: dataDir, ...env });
    started.push(server);
    return server;
  };
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-embedded-'));
    // As root, the server's user must pass through DATA_DIR (mkdtemp makes it 0700).
    await chmod(dataDir, 0o755);
  });
  after(async () => {
    for (const s of started) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    }
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGQUIT');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on an empty DATA_DIR, says so, and keeps its data across a restart; its server stops with it', async () => {
    const first = await start();
    assert.match(first.output(), new RegExp(`Portico is running \\(sandbox mode, embedded PostgreSQL in ${escape(join(dataDir, 'postgres'))}\\)`));
    const pid = await postmasterPid();
    assert.ok(alive(pid), 'the server runs');
    assert.equal(await serverUser(pid), process.getuid?.() === 0 ? 'postgres' : undefined, 'as root, the server runs as the postgres user');
    assert.equal((await stat(join(dataDir, 'postgres.password'))).mode & 0o777, 0o600);
    assert.ok((await readdir(join(dataDir, 'postgres', 'log'))).length > 0, 'the server logs into DATA_DIR/postgres/log');
    const created = await fetch(`${first.baseUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Restarted' }] }),
    });
    assert.equal(created.status, 201);
    const id = ((await created.json()) as { id: string }).id;

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.ok(!alive(pid), 'the server stopped with Portico');

    const second = await start();
    const read = await fetch(`${second.baseUrl}/fhir/Patient/${id}`, { headers: { authorization: ROOT_AUTHORIZATION } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { name: { family: string }[] }).name[0]?.family, 'Restarted');
  });

  it('a second Portico on the same DATA_DIR is refused, naming the first', async () => {
    const running = started.at(-1);
    assert.ok(running && running.child.exitCode === null);
    await assert.rejects(start(), (err: Error) => {
      assert.match(err.message, new RegExp(`DATA_DIR ${escape(dataDir)} is in use by another Portico \\(process ${running.child.pid}\\)`));
      return true;
    });
    // The first is undisturbed.
    assert.equal((await fetch(`${running.baseUrl}/fhir/metadata`)).status, 200);
  });

  it('a Portico killed outright takes its server with it', async () => {
    const running = started.at(-1);
    assert.ok(running);
    const pid = await postmasterPid();
    running.child.kill('SIGKILL');
    await running.exited;
    assert.ok(await gone(pid, 10_000), 'the watchdog stopped the server once Portico died');
  });

  it('a server left running by a killed Portico (watchdog killed too) is stopped at the next start', async () => {
    const first = await start();
    const pid = await postmasterPid();
    leftovers.push(pid);
    // Kill the watchdog and its pipe reader, then Portico: nothing is left to stop the server.
    for (const p of await watchdogProcesses(pid)) process.kill(p, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    await delay(300);
    assert.ok(alive(pid), 'the server outlived Portico');

    const next = await start();
    assert.match(next.output(), new RegExp(`stopped a server left running by an earlier Portico \\(process ${pid}\\)`));
    assert.ok(!alive(pid));
    assert.equal((await fetch(`${next.baseUrl}/fhir/metadata`)).status, 200);
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0);
  });

  it('as root, a DATA_DIR the server user cannot reach is refused, naming the directory in the way', { skip: process.getuid?.() === 0 ? false : 'runs as root only' }, async () => {
    const closed = await mkdtemp(join(tmpdir(), 'portico-closed-'));
    try {
      const refused = await runToExit(['src/main.ts'], { DATA_DIR: join(closed, 'data') });
      assert.equal(refused.code, 1);
      assert.match(refused.output, new RegExp(`runs as the user 'postgres' .*which cannot pass through ${escape(closed)} to reach`));
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });

  it('WORKERS=2: the first process runs the server, both workers use it, and SIGTERM stops the workers, then the server', async () => {
    const sharedDir = await mkdtemp(join(tmpdir(), 'portico-embedded-workers-'));
    await chmod(sharedDir, 0o755);
    try {
      const server = await startServerProcess({ DATA_DIR: sharedDir, WORKERS: '2', SEED: 'none' });
      started.push(server);
      assert.match(server.output(), new RegExp(`embedded PostgreSQL in ${escape(join(sharedDir, 'postgres'))}, 2 worker processes`));
      const postmaster = Number((await readFile(join(sharedDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      assert.ok(alive(postmaster), 'the server runs');
      // A write through one connection, read back on connections of their own: node:cluster deals them to both workers.
      const created = await fetch(`${server.baseUrl}/fhir/Patient`, {
        method: 'POST',
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json', connection: 'close' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Shared' }] }),
      });
      assert.equal(created.status, 201);
      const id = ((await created.json()) as { id: string }).id;
      for (let i = 0; i < 4; i++) {
        const read = await fetch(`${server.baseUrl}/fhir/Patient/${id}`, { headers: { authorization: ROOT_AUTHORIZATION, connection: 'close' } });
        assert.equal(read.status, 200);
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.ok(await gone(postmaster, 10_000), 'the server stopped after the workers');
    } finally {
      await rm(sharedDir, { recursive: true, force: true });
    }
  });

  async function postmasterPid(): Promise<number> {
    return Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie has exited: a server whose parent (the killed watchdog) is gone waits as one until its new parent reaps it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

/** The user a process runs as, by name (undefined: this process's own). */
async function serverUser(pid: number): Promise<string | undefined> {
  const uid = Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (uid === process.getuid?.()) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  return passwd.split('\n').find((line) => line.split(':')[2] === String(uid))?.split(':')[0];
}

/** The server's parent (the watchdog shell) and that shell's other children (the pipe reader). */
async function watchdogProcesses(postmaster: number): Promise<number[]> {
  const parent = Number((await readFile(`/proc/${postmaster}/stat`, 'utf8')).split(') ')[1]?.split(' ')[1]);
  const children = (await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8')).trim().split(/\s+/).map(Number);
  return [parent, ...children.filter((c) => c !== postmaster)];
}
