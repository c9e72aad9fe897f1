import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServerUser } from './server-user.ts';

/**
 * The server's user must pass through every directory above its data directory (search permission). A DATA_DIR
 * made by root with mode 0700 (a mktemp directory, say) stops it: said here, naming the directory, rather than by
 * initdb's "Permission denied".
 */
export async function assertReachable(path: string, user: ServerUser): Promise<void> {
  let blocking: string | undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const s = await stat(dir);
    const passes = s.uid === user.uid ? (s.mode & 0o100) !== 0 : s.gid === user.gid ? (s.mode & 0o010) !== 0 : (s.mode & 0o001) !== 0;
    if (!passes) blocking = dir;
    if (dirname(dir) === dir) break;
  }
  if (blocking !== undefined) {
    throw new Error(
      `the embedded PostgreSQL server runs as the user '${user.name}' (PostgreSQL refuses root), which cannot pass through ${blocking} ` +
        `to reach ${path}: allow it (e.g. chmod o+x ${blocking}), choose a DATA_DIR it can reach, or set DATABASE=pglite`,
    );
  }
}
