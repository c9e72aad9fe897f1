import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The OS account the server runs as: uid and gid to spawn it with, or none (it runs as this process's user). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** The unprivileged account used (and, if missing, created) when Portico runs as root. */
export const SERVER_USER_NAME = 'postgres';

/**
 * PostgreSQL refuses to run as root (it would hand a superuser's SQL the whole machine). As root, the server runs as
 * the unprivileged `postgres` account, created (as a system account without a login shell) when it does not exist.
 * Any other user runs it as itself.
 */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = await lookUp(SERVER_USER_NAME);
  if (existing) return existing;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER_NAME]);
  } catch (err) {
    throw new Error(
      `Portico runs as root and PostgreSQL refuses to: creating the unprivileged user '${SERVER_USER_NAME}' to run it failed ` +
        `(${err instanceof Error ? err.message.split('\n')[0] : String(err)}). Create that user, run Portico as another user, or set DATABASE=pglite`,
    );
  }
  const created = await lookUp(SERVER_USER_NAME);
  if (!created) throw new Error(`the user '${SERVER_USER_NAME}' was created but cannot be looked up`);
  return created;
}

async function lookUp(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}
