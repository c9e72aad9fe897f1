import { spawn, type ChildProcess } from 'node:child_process';
import { chown, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresBinaries } from './postgres-binaries.ts';
import type { ServerUser } from './server-user.ts';

/**
 * Runs the server in the background and waits on a pipe from Portico (its standard input): when the pipe closes,
 * because Portico stops it or because Portico died however it died (even SIGKILL), it asks the server for a fast
 * shutdown (SIGINT: open transactions roll back, committed data is kept) and exits with it. The server itself exits
 * the script's `wait`, so a server that dies alone is seen by Portico as its child exiting.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- >>"$PORTICO_PG_STDERR" 2>&1 & pid=$!',
  '( read -r _ <&3; kill -INT "$pid" 2>/dev/null ) &',
  'exec 3<&-',
  'wait "$pid"',
].join('\n');

/** How the server accepts connections: a Unix socket in a directory, or a loopback TCP port. */
export type Listen = { socketDir: string; port: number } | { host: '127.0.0.1'; port: number };

export interface ServerSettings {
  listen: Listen;
  maxConnections: number;
}

export interface RunningServer {
  /** The postmaster's process id. */
  pid: number;
  /** Fast shutdown; resolves once the server has exited. */
  stop(): Promise<void>;
  /** Resolves when the server exits, for whatever reason. */
  exited: Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * Settings for a server embedded in an application on a small machine. Durability is PostgreSQL's default
 * (fsync, synchronous_commit, full_page_writes all on): a committed write survives a crash.
 */
export function serverArguments(pgdata: string, settings: ServerSettings): string[] {
  const listen =
    'socketDir' in settings.listen
      ? { listen_addresses: '', unix_socket_directories: settings.listen.socketDir, port: String(settings.listen.port) }
      : { listen_addresses: settings.listen.host, unix_socket_directories: '', port: String(settings.listen.port) };
  const options: Record<string, string> = {
    ...listen,
    max_connections: String(settings.maxConnections),
    // Small next to PostgreSQL's 128MB default: the sandbox's data fits many times, and the page cache holds the rest.
    shared_buffers: '64MB',
    // Short OLTP statements: compiling them costs more than it saves, and parallel workers only contend with
    // Portico for the cores of a small machine.
    jit: 'off',
    max_parallel_workers_per_gather: '0',
    // The server's log stays in the data directory (DATA_DIR/postgres/log), not on Portico's standard output.
    logging_collector: 'on',
    log_directory: 'log',
    log_filename: 'postgresql-%a.log',
    log_truncate_on_rotation: 'on',
    log_rotation_age: '1d',
    log_rotation_size: '0',
  };
  const args = ['-D', pgdata];
  for (const [name, value] of Object.entries(options)) args.push('-c', `${name}=${value}`);
  return args;
}

/** Starts the server as a child of this process and resolves once it accepts connections. */
export async function startServer(bins: PostgresBinaries, pgdata: string, settings: ServerSettings, user: ServerUser | undefined, onSpawned: () => void = () => {}): Promise<RunningServer> {
  const stderrFile = join(pgdata, 'startup.log');
  // Created by us, written by the server's user: its output before its log collector takes over (start-up errors).
  await (await open(stderrFile, 'w', 0o600)).close();
  if (user) await chown(stderrFile, user.uid, user.gid);
  const args = serverArguments(pgdata, settings);
  const child: ChildProcess =
    process.platform === 'win32'
      ? spawn(bins.postgres, args, { stdio: ['ignore', 'ignore', 'ignore'], windowsHide: true })
      : spawn('/bin/sh', ['-c', WATCHDOG, 'portico-postgres-watchdog', bins.postgres, ...args], {
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
          env: { ...process.env, LC_ALL: 'C', PORTICO_PG_STDERR: stderrFile },
          // Its own process group: a Ctrl-C in Portico's terminal goes to Portico, which drains its requests and
          // only then stops the server.
          detached: true,
          stdio: ['pipe', 'ignore', 'ignore'],
        });
  child.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let gone = false;
  void exited.then(() => (gone = true));
  child.once('error', () => (gone = true));

  onSpawned();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pid: number | undefined;
  while (pid === undefined) {
    if (gone) throw new Error(`the embedded PostgreSQL server did not start:\n${await startupLog(stderrFile, pgdata)}`);
    if (Date.now() > deadline) {
      stopChild(child, bins, pgdata);
      throw new Error(`the embedded PostgreSQL server was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${await startupLog(stderrFile, pgdata)}`);
    }
    pid = await readyPid(pgdata);
    if (pid === undefined) await sleep(10);
  }
  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    stop() {
      stopping ??= (async () => {
        stopChild(child, bins, pgdata);
        const timer = setTimeout(() => {
          // Fast shutdown should take a moment; one that hangs gets an immediate shutdown (crash recovery at next start).
          if (pid !== undefined) signal(pid, 'SIGQUIT');
        }, STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

function stopChild(child: ChildProcess, bins: PostgresBinaries, pgdata: string): void {
  if (process.platform === 'win32') {
    spawn(bins.pg_ctl, ['stop', '-D', pgdata, '-m', 'fast', '-w'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  // Closing the pipe is the watchdog's signal.
  child.stdin?.end();
}

/** The postmaster's pid once `postmaster.pid` says it is ready for connections (its eighth line, as pg_ctl reads it). */
export async function readyPid(pgdata: string): Promise<number | undefined> {
  const lines = await postmasterPidLines(pgdata);
  if (!lines || lines.length < 8 || lines[7]?.trim() !== 'ready') return undefined;
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function postmasterPidLines(pgdata: string): Promise<string[] | undefined> {
  try {
    return (await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
}

export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    // EPERM: it exists but is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function startupLog(stderrFile: string, pgdata: string): Promise<string> {
  const text = await readFile(stderrFile, 'utf8').catch(() => '');
  return (text.trim() || `(no output; see ${join(pgdata, 'log')})`).split('\n').slice(-20).join('\n');
}
