import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.ts';
import type { ServerUser } from './server-user.ts';

/** The database superuser Portico connects as (the cluster is Portico's alone). */
export const SUPERUSER = 'portico';

/** Where the embedded server keeps its files, under DATA_DIR. */
export interface ClusterPaths {
  /** The PostgreSQL data directory (`DATA_DIR/postgres`). */
  pgdata: string;
  /** The superuser's password (for the loopback TCP fallback), 0600, this process's user's. */
  passwordFile: string;
  /** Which Portico process runs the server now (removed when it stops it). */
  ownerFile: string;
}

export function clusterPaths(dataDir: string): ClusterPaths {
  return {
    pgdata: join(dataDir, 'postgres'),
    passwordFile: join(dataDir, 'postgres.password'),
    ownerFile: join(dataDir, 'postgres.owner'),
  };
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Creates the cluster on first start (`initdb`): UTF8, locale C (byte order, the same on every machine), the
 * superuser `portico` with a random password. Local (Unix socket) connections are trusted: the socket lives in the
 * data directory, which only the server's user (and root) can enter. TCP needs the password (scram-sha-256).
 * Returns whether it was created now.
 */
export async function ensureCluster(paths: ClusterPaths, bins: PostgresBinaries, user: ServerUser | undefined, onSpawned: () => void = () => {}): Promise<boolean> {
  if (await exists(join(paths.pgdata, 'PG_VERSION'))) return false;
  const password = await ensurePassword(paths.passwordFile);
  await mkdir(paths.pgdata, { recursive: true, mode: 0o700 });
  await chmod(paths.pgdata, 0o700);
  if (user) await chown(paths.pgdata, user.uid, user.gid);
  // initdb reads the password from a file: a copy the server's user may read, removed straight after.
  const pwfile = `${paths.passwordFile}.initdb`;
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  const args = [
    `--pgdata=${paths.pgdata}`,
    `--username=${SUPERUSER}`,
    '--encoding=UTF8',
    '--locale=C',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--no-instructions',
    // Durable all the same, and faster: one syncfs() of the file system where initdb would fsync each of its
    // ~1,000 files (Linux only; elsewhere initdb's default).
    ...(process.platform === 'linux' ? ['--sync-method=syncfs'] : []),
  ];
  const result = await runProgram(bins.initdb, args, user, onSpawned).finally(() => rm(pwfile, { force: true }));
  if (result.code !== 0) {
    throw new Error(
      `initdb failed (exit ${result.code}) creating ${paths.pgdata}` +
        (user ? ` as user '${user.name}' (it must be able to reach that path and run ${bins.initdb})` : '') +
        `:\n${result.output.trim()}`,
    );
  }
  return true;
}

/** The superuser's password, made once and kept in a file only this process's user can read. */
export async function ensurePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  }
}

/** Runs a program to its end as the server's user, its output kept for an error message. */
export function runProgram(program: string, args: string[], user: ServerUser | undefined, onSpawned: () => void = () => {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.on('error', () => {});
    child.stdin.end();
    onSpawned();
  });
}
