import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compiled } from '../compiled.ts';
import type { BenchFixtures, ReadyLine, ServerStats, TrailSetting } from './protocol.ts';

export interface BenchServer {
  /** The server's process id (its threads' CPU time is read from /proc by bench/thread-cpu.ts). */
  pid: number;
  ready: ReadyLine;
  fixtures: BenchFixtures;
  /** Statement count and memory; `afterCollection` first runs a full garbage collection (the memory check). */
  stats(afterCollection?: boolean): Promise<ServerStats>;
  /** With `profileDir`: a CPU profile of Portico's measured phase, started and stopped around each run. */
  profileStart(): Promise<void>;
  profileStop(label: string): Promise<void>;
  /** `seed-tenant <key>` or `drop-tenant <key>` (bench/server/tenant-seed.ts): answered once done. */
  tenantCommand(command: string): Promise<{ tenant: string; seconds: number; resources: number }>;
  /** Switches the audit trails on or off (the audit scenario measures what recording costs); answered once switched. */
  setAudit(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  patients: number;
  alg: 'ES384' | 'RS384';
  dataDir: string;
  databaseUrl: string | undefined;
  /** Without databaseUrl: the embedded database (DATABASE). */
  database?: 'embedded-postgres' | 'pglite' | 'pglite-worker';
  fixturesFile: string;
  /** Patients given tokens and recorded searches (the bench server's default: 200). */
  fixturePatients?: number;
  /** BULK_EXPORT_FILES for the server; undefined: Portico's default for the driver. */
  exportFiles?: 'database' | 'directory';
  /** Extra node flags. */
  nodeFlags: string[];
  /** What the audit trail records (the bench server's --trail); default on, as shipped. */
  trail?: TrailSetting;
  /** Where the measured phases' CPU profiles go (`--profile`); none: not profiled. */
  profileDir?: string;
  /** Streams the server's stderr here (seeding and errors). */
  log: (line: string) => void;
}

/** Spawns bench/server/bench-server.ts (compiled, as `npm start` runs the server) and waits for its ready line. */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // The memory check samples after a full collection: RSS then measures what is retained, not
      // garbage the collector has not reached yet.
      '--expose-gc',
      ...options.nodeFlags,
      compiled('bench-server'),
      '--patients',
      String(options.patients),
      '--alg',
      options.alg,
      '--data-dir',
      options.dataDir,
      '--fixtures',
      options.fixturesFile,
      ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : []),
      ...(options.database ? ['--database', options.database] : []),
      ...(options.exportFiles ? ['--export-files', options.exportFiles] : []),
      ...(options.fixturePatients ? ['--fixture-patients', String(options.fixturePatients)] : []),
      ...(options.trail ? ['--trail', options.trail] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: Interface = createInterface({ input: child.stdout! });
  createInterface({ input: child.stderr! }).on('line', options.log);
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else early.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const queued = early.shift();
      if (queued !== undefined) return resolve(queued);
      const onExit = (code: number | null) => reject(new Error(`the bench server exited (code ${code}) before answering`));
      child.once('exit', onExit);
      waiting.push((line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  let ready: ReadyLine | undefined;
  while (!ready) {
    const line = await nextLine();
    try {
      const parsed = JSON.parse(line) as Partial<ReadyLine>;
      if (parsed.ready) ready = parsed as ReadyLine;
    } catch {
      options.log(line);
    }
  }
  const fixtures = JSON.parse(await readFile(ready.fixtures, 'utf8')) as BenchFixtures;
  const answerTo = async (command: string): Promise<string> => {
    child.stdin!.write(`${command}\n`);
    for (;;) {
      const line = await nextLine();
      try {
        const parsed = JSON.parse(line) as { profile?: unknown };
        if (typeof parsed.profile === 'string') return parsed.profile;
      } catch {
        options.log(line);
      }
    }
  };
  let profiles = 0;
  return {
    pid: child.pid ?? 0,
    ready,
    fixtures,
    async stats(afterCollection = false) {
      child.stdin!.write(afterCollection ? 'stats-after-gc\n' : 'stats\n');
      // Other output (a library's warning) may come first: the answer is the JSON line with `statements`.
      for (;;) {
        const line = await nextLine();
        try {
          const parsed = JSON.parse(line) as Partial<ServerStats>;
          if (typeof parsed.statements === 'number') return parsed as ServerStats;
        } catch {
          options.log(line);
        }
      }
    },
    async profileStart() {
      if (options.profileDir) await answerTo('profile-start');
    },
    async tenantCommand(command: string) {
      child.stdin!.write(`${command}\n`);
      for (;;) {
        const line = await nextLine();
        try {
          const parsed = JSON.parse(line) as { tenantCommand?: { tenant: string; seconds: number; resources: number; error?: string } };
          if (parsed.tenantCommand?.error) throw new Error(parsed.tenantCommand.error);
          if (parsed.tenantCommand) return parsed.tenantCommand;
        } catch (err) {
          if (err instanceof SyntaxError) options.log(line);
          else throw err;
        }
      }
    },
    async setAudit(on: boolean) {
      child.stdin!.write(`audit ${on ? 'on' : 'off'}\n`);
      for (;;) {
        const line = await nextLine();
        try {
          const parsed = JSON.parse(line) as { audit?: boolean };
          if (parsed.audit === on) return;
        } catch {
          options.log(line);
        }
      }
    },
    async profileStop(label: string) {
      if (!options.profileDir) return;
      profiles += 1;
      const file = join(options.profileDir, `${ready.pid}-${String(profiles).padStart(2, '0')}-${label}.cpuprofile`);
      options.log(`profile: ${await answerTo(`profile-stop ${file}`)}`);
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
