import { cpuBetween, type CpuSample } from '../server/cpu-probe.ts';
import type { Measurement } from './load.ts';
import type { BenchServer } from './server-process.ts';

/** CPU microseconds per request of one measurement: the bench server process and the database backends. */
export interface CpuPerRequest {
  process: number;
  database: number;
  total: number;
}

/**
 * A probe for `measure` that sums the server's CPU time over the measured runs (not the warm-up), and
 * divides it by the requests they made. The bench server hosts Portico, the peer and the ceiling: each
 * measured alone, its CPU per request is its own.
 */
export function cpuProbe(server: BenchServer) {
  let before: CpuSample | undefined;
  let processMicros = 0;
  let databaseMicros = 0;
  return {
    probe: {
      before: async () => void (before = (await server.stats()).cpu),
      after: async () => {
        const spent = cpuBetween(before!, (await server.stats()).cpu);
        processMicros += spent.processMicros;
        databaseMicros += spent.databaseMicros;
      },
    },
    perRequest(m: Measurement): CpuPerRequest {
      const requests = Math.max(m.requests, 1);
      return { process: processMicros / requests, database: databaseMicros / requests, total: (processMicros + databaseMicros) / requests };
    },
  };
}
