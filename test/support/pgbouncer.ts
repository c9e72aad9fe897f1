import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './processes.ts';

/** Debian's PgBouncer, when installed. */
export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => {
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

export interface PgBouncer {
  /** `database` on the upstream server, through PgBouncer. */
  url(database: string): string;
  /** Stops it (SIGINT: immediate shutdown) by its pid and removes its directory. */
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction mode on a free loopback port, in front of the server `upstream` names (trust: no password).
 * As root it runs as the `postgres` OS user (PgBouncer refuses root).
 */
export async function startPgBouncer(upstream: string): Promise<PgBouncer> {
  const target = new URL(upstream);
  const user = decodeURIComponent(target.username || 'postgres');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-pgbouncer-'));
  const asPostgres = process.getuid?.() === 0
    ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) }
    : undefined;
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 10',
      // Portico's FHIR pool asks for its statement and lock timeouts in the startup packet, which PgBouncer refuses
      // unless told to ignore them: then the server's own settings for the role apply (README, "PgBouncer").
      'ignore_startup_parameters = statement_timeout,lock_timeout',
      '',
    ].join('\n'),
  );
  if (asPostgres) {
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), asPostgres.uid, asPostgres.gid);
  }
  const child = spawn(PGBOUNCER ?? 'pgbouncer', [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'], ...(asPostgres ?? {}) });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited:\n${log}`);
    const client = new pg.Client({ connectionString: url(target.pathname.slice(1) || 'postgres') });
    try {
      await client.connect();
      await client.query('SELECT 1');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
