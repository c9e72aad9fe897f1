import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../support/processes.ts';

/**
 * `npm start` itself, as README's set-up runs it: npm's `prestart` compiles the server into dist/, then node runs
 * the bundle. Each start is stopped through its process group (npm, sh and node), by process id.
 */
describe('npm start', { skip: process.platform === 'win32' ? 'POSIX process groups' : false }, () => {
  const groups: ChildProcess[] = [];
  const scratch: string[] = [];
  after(async () => {
    for (const child of groups) stopGroup(child);
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  async function npmStart(env: Record<string, string>): Promise<{ baseUrl: string; child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const child = spawn('npm', ['start'], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), BASE_URL: baseUrl, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    groups.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (out.includes('Portico is running')) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      void exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`npm start exited with ${code} before listening:\n${out}`));
      });
    });
    return { baseUrl, child, output: () => out, exited };
  }

  it('compiles the server into dist/ and runs it on the embedded default, seeded, until SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-npm-start-'));
    scratch.push(dataDir);
    await chmod(dataDir, 0o755); // as root, the embedded server's user must pass through DATA_DIR
    const server = await npmStart({ DATA_DIR: dataDir });
    assert.match(server.output(), /Portico is running \(sandbox mode, embedded PostgreSQL/);
    assert.ok((await stat('dist/main.mjs')).isFile(), 'the bundle npm start runs');
    assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200);
    const metadata = await fetch(`${server.baseUrl}/fhir/metadata`);
    assert.equal(metadata.status, 200);
    assert.equal(((await metadata.json()) as { resourceType: string }).resourceType, 'CapabilityStatement');
    // The sandbox data is there: the seeds' example patient, read through the sandbox's open FHIR endpoint.
    const patient = await fetch(`${server.baseUrl}/api/open-fhir/Patient/test-pt-1`);
    assert.equal(patient.status, 200, await patient.clone().text());
    assert.equal(((await patient.json()) as { id: string }).id, 'test-pt-1');
    // The front door, from the bundle: its pages, and the sample app's files found next to the bundle.
    for (const path of ['/portal', '/launcher', '/docs', '/sample-app/launch.html']) assert.ok(server.output().includes(`${server.baseUrl}${path}`), `the banner names ${path}`);
    for (const [path, status] of [['/', 200], ['/portal', 303], ['/launcher', 200], ['/docs', 200], ['/docs/openapi.json', 200], ['/sample-app/', 200], ['/sample-app/launch.html', 200]] as const) {
      const res = await fetch(`${server.baseUrl}${path}`, { redirect: 'manual' });
      assert.equal(res.status, status, path);
    }
    const sampleApp = await (await fetch(`${server.baseUrl}/sample-app/`)).text();
    const fhirClient = /src="([^"]*fhir-client[^"]*\.js)"/.exec(sampleApp)?.[1];
    assert.ok(fhirClient, 'the sample app loads the fhirclient build');
    assert.equal((await fetch(new URL(fhirClient, `${server.baseUrl}/sample-app/`))).status, 200, fhirClient);
    stopGroup(server.child);
    await server.exited;
  });

  it('runs PGlite in its worker thread from the bundle too (DATABASE=pglite-worker)', async () => {
    const server = await npmStart({ DATA_DIR: 'memory://', DATABASE: 'pglite-worker', SEED: 'none' });
    assert.match(server.output(), /Portico is running/);
    assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200);
    const search = await fetch(`${server.baseUrl}/fhir/metadata`);
    assert.equal(search.status, 200);
    stopGroup(server.child);
    await server.exited;
  });
});

/** SIGTERM to the whole process group npm started (npm, its shell, node). */
function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
