import { readFile } from 'node:fs/promises';
import type { Database } from '../../src/storage/database.ts';

/**
 * CPU time spent so far, in microseconds: this process (every thread, so the crypto work node runs on
 * its thread pool too) and, on PostgreSQL on this machine (embedded or not), the backends serving this process's connections. Unlike
 * throughput, CPU time per request hardly moves when other work shares the machine, so two candidates
 * measured minutes apart still compare.
 */
export interface CpuSample {
  processMicros: number;
  /** Per backend pid: its CPU microseconds (user + system). Empty on PGlite (it runs in this process). */
  backends: Record<string, number>;
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** The application_name of this bench server's connections (PostgreSQL): its backends, among those of other processes. */
export const BENCH_APPLICATION_NAME = `portico-bench-${process.pid}`;

export function withApplicationName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}

async function backendMicros(pid: number): Promise<number | undefined> {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export async function sampleCpu(db: Database): Promise<CpuSample> {
  const usage = process.cpuUsage();
  const backends: Record<string, number> = {};
  if (db.driver === 'postgres') {
    // The embedded server's connections carry no application_name of ours, but it serves only this process.
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1
           OR (backend_type = 'client backend' AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1))`,
      [BENCH_APPLICATION_NAME],
    );
    for (const { pid } of rows) {
      const micros = await backendMicros(pid);
      if (micros !== undefined) backends[String(pid)] = micros;
    }
  }
  return { processMicros: usage.user + usage.system, backends };
}

/**
 * CPU microseconds between two samples: the process, and its backends. A backend that was not there before started in
 * between and counts whole: the pool closes connections idle for ten seconds, and a token run's assertions take longer
 * than that to sign, so its connections are often new. (One that ended in between is lost; the pools keep theirs.)
 */
export function cpuBetween(before: CpuSample, after: CpuSample): { processMicros: number; databaseMicros: number } {
  let databaseMicros = 0;
  for (const [pid, micros] of Object.entries(after.backends)) databaseMicros += micros - (before.backends[pid] ?? 0);
  return { processMicros: after.processMicros - before.processMicros, databaseMicros };
}
