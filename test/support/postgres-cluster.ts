import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './processes.ts';

/** The machine's PostgreSQL server programs (Debian's layout), when installed. */
export const PG_BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((dir) => existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'pg_basebackup')));

/** PostgreSQL refuses to run as root: as root, the servers run as the `postgres` OS user (their files are its own). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface PostgresServer {
  port: number;
  url(database: string): string;
  /** Runs one statement on `database` and returns its rows. */
  query<R extends object = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<R[]>;
  /** Fast shutdown (SIGINT: open sessions are ended) by the postmaster's pid; resolves once it has exited. */
  stop(): Promise<void>;
}

/** A primary and a streaming replica of it on loopback, in a temporary directory removed by `stop()`. */
export interface ReplicatedPostgres {
  primary: PostgresServer;
  replica: PostgresServer;
  stop(): Promise<void>;
}

function run(program: string, args: string[], user: { uid: number; gid: number } | undefined): void {
  execFileSync(join(PG_BIN ?? '', program), args, { stdio: 'pipe', ...(user ? { uid: user.uid, gid: user.gid } : {}) });
}

async function startServer(dataDir: string, port: number, user: { uid: number; gid: number } | undefined, log: () => string): Promise<PostgresServer> {
  // Started directly (no pg_ctl, no su): the child's pid is the postmaster's, which is what is stopped.
  const child: ChildProcess = spawn(join(PG_BIN ?? '', 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'wal_level=replica', '-c', 'fsync=off'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <R extends object>(database: string, text: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  // Ready once it accepts a connection (a replica: once it is consistent enough to take reads).
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres on port ${port} exited:\n${stderr}\n${log()}`);
    try {
      await query('postgres', 'SELECT 1');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    query,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * initdb a primary with wal_level=replica, pg_basebackup -R it into a second directory, and start that as a hot standby
 * streaming from the primary. Needs PG_BIN.
 */
export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const user = serverUser();
  const root = mkdtempSync(join(tmpdir(), 'portico-replica-'));
  if (user) chownSync(root, user.uid, user.gid);
  const primaryDir = join(root, 'primary');
  const replicaDir = join(root, 'replica');
  const started: PostgresServer[] = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // initdb's -A trust also lets loopback connect for replication (its pg_hba.conf has `host replication all`);
    // the defaults (wal_level=replica, max_wal_senders=10, hot_standby=on) are what streaming replication needs.
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync'], user);
    const primary = await startServer(primaryDir, await freePort(), user, () => '');
    started.push(primary);
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync'], user);
    const replica = await startServer(replicaDir, await freePort(), user, () => '');
    started.push(replica);
    return { primary, replica, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves once the replica has replayed everything the primary had written when this was called. */
export async function replicaCaughtUp(cluster: ReplicatedPostgres): Promise<void> {
  const [current] = await cluster.primary.query<{ lsn: string }>('postgres', 'SELECT pg_current_wal_lsn()::text AS lsn');
  for (;;) {
    const [replayed] = await cluster.replica.query<{ done: boolean }>('postgres', 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [current?.lsn]);
    if (replayed?.done) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
