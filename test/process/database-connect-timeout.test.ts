import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startCommand, startServerProcess } from '../support/processes.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL;

/**
 * DATABASE_CONNECT_TIMEOUT_MS: a PostgreSQL that accepts connections and never answers (a hung server, a proxy whose
 * backend is gone) fails the connection in bounded time, as unavailable, instead of holding the caller for as long
 * as the operating system keeps an idle TCP connection (without keepalive: forever).
 */
describe('database connect timeout', { skip: DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }, () => {
  let silent: Server;
  let silentUrl: string;
  const held: Socket[] = [];

  before(async () => {
    // Accepts, reads the startup message, never answers.
    silent = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    silentUrl = `postgres://postgres@127.0.0.1:${port}/test`;
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  /** Runs the server as npm start does; resolves with its exit code and output, or with `hung` after `boundMs`. */
  function runBounded(env: Record<string, string>, boundMs: number): Promise<{ code: number | null; output: string; hung: boolean; ms: number }> {
    return new Promise((resolve) => {
      const started = performance.now();
      const child = spawn(process.execPath, startCommand(), {
        env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', SEED: 'none', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, boundMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output, hung, ms: performance.now() - started });
      });
    });
  }

  it('starts on a server that answers, with the same timeout', async () => {
    const server = await startServerProcess({ DATABASE_URL: DATABASE_URL!, DATABASE_CONNECT_TIMEOUT_MS: '500' });
    assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 200);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  it('fails to start, saying why, when DATABASE_URL accepts and never answers', async () => {
    const run = await runBounded({ DATABASE_URL: silentUrl, DATABASE_CONNECT_TIMEOUT_MS: '500' }, 20_000);
    assert.equal(run.hung, false, `still waiting after 20 s:\n${run.output}`);
    assert.notEqual(run.code, 0);
    assert.match(run.output, /timeout exceeded when trying to connect|database connection failed/i);
  });

  it('fails to start when the replica (DATABASE_READ_URL) accepts and never answers', async () => {
    const run = await runBounded({ DATABASE_URL: DATABASE_URL!, DATABASE_READ_URL: silentUrl, DATABASE_CONNECT_TIMEOUT_MS: '500' }, 20_000);
    assert.equal(run.hung, false, `still waiting after 20 s:\n${run.output}`);
    assert.notEqual(run.code, 0);
    assert.match(run.output, /timeout exceeded when trying to connect|database connection failed/i);
  });

  it('refuses a connect timeout below 100 ms', async () => {
    const run = await runBounded({ DATABASE_URL: DATABASE_URL!, DATABASE_CONNECT_TIMEOUT_MS: '5' }, 20_000);
    assert.equal(run.code, 2);
    assert.match(run.output, /DATABASE_CONNECT_TIMEOUT_MS/);
  });
});
