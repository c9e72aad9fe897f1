import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterPaths } from './cluster.ts';
import { postmasterPidLines, signal } from './server-process.ts';

const STALE_STOP_TIMEOUT_MS = 60_000;

/** Another live Portico runs the embedded server of this DATA_DIR. */
export class DataDirectoryInUse extends Error {
  constructor(dataDir: string, ownerPid: number) {
    super(
      `DATA_DIR ${dataDir} is in use by another Portico (process ${ownerPid}): its embedded PostgreSQL server belongs to that process. ` +
        'Stop it first, or give this one another DATA_DIR (several Porticos share one database through DATABASE_URL)',
    );
    this.name = 'DataDirectoryInUse';
  }
}

/**
 * Before starting the server: a server still running on this data directory belongs to a live Portico (refused:
 * one owner starts and stops it) or was left by a Portico killed together with its watchdog (stopped now, fast
 * shutdown, so that ours starts on consistent files). A `postmaster.pid` whose process is gone is removed, so that
 * the readiness check never reads the dead server's line.
 * Returns the pid of a leftover server it stopped.
 */
export async function takeOverDataDirectory(paths: ClusterPaths, dataDir: string): Promise<number | undefined> {
  const owner = await readOwner(paths.ownerFile);
  const lines = await postmasterPidLines(paths.pgdata);
  const pid = lines ? Number(lines[0]) : NaN;
  const running = Number.isInteger(pid) && pid > 0 && signal(pid, 0) && (await isServerOf(pid, paths.pgdata));
  if (owner !== undefined && owner !== process.pid && signal(owner, 0) && running) throw new DataDirectoryInUse(dataDir, owner);
  let stopped: number | undefined;
  if (running) {
    signal(pid, 'SIGINT');
    const deadline = Date.now() + STALE_STOP_TIMEOUT_MS;
    while (signal(pid, 0) && (await isServerOf(pid, paths.pgdata))) {
      if (Date.now() > deadline) throw new Error(`a PostgreSQL server left running on ${paths.pgdata} (process ${pid}) did not stop; stop it and start again`);
      await sleep(20);
    }
    stopped = pid;
  }
  if (lines) await rm(join(paths.pgdata, 'postmaster.pid'), { force: true });
  return stopped;
}

/** Marks this process as the one running the server (removed by `releaseDataDirectory`). */
export async function claimDataDirectory(paths: ClusterPaths): Promise<void> {
  await writeFile(paths.ownerFile, `${process.pid}\n`, { mode: 0o600 });
}

export async function releaseDataDirectory(paths: ClusterPaths): Promise<void> {
  if ((await readOwner(paths.ownerFile)) === process.pid) await rm(paths.ownerFile, { force: true });
}

async function readOwner(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process is a postgres server of this data directory, not an unrelated process that reused the pid
 * (after a reboot). Linux tells through /proc; elsewhere a live pid is taken for it.
 */
async function isServerOf(pid: number, pgdata: string): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.includes(pgdata);
  } catch {
    return false;
  }
}
