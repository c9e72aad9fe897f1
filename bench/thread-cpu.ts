/**
 * `node --import tsx bench/thread-cpu.ts`: where the server's CPU time goes per request, thread by
 * thread, for each embedded engine one after the other on the same seeded database. A wall-clock
 * rate needs a quiet machine; CPU time per request does not (much): it says what one request costs
 * the event loop's thread and the database's thread, and so the most each could serve on a core of
 * its own: PGlite is one connection, so `1000 / database ms` is the ceiling of any server on it.
 *   --engines pglite,pglite-worker   Portico's DATABASE values to compare (default both)
 *   --patients N (default 100) --requests N per scenario (default 3000) --connections C (default 32)
 *   --scenarios fhir-read,fhir-search,token-cc-jwt (default all three)
 * Uses bench/.data like bench/run.ts (seeded on first use). Linux only (/proc).
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Request } from 'autocannon';
import { clientCredentialsBody, pick, signAssertions } from './runner/fixtures.ts';
import { runAmount, type LoadPlan } from './runner/load.ts';
import { startBenchServer, type BenchServer } from './runner/server-process.ts';

const { values: a } = parseArgs({
  options: {
    engines: { type: 'string', default: 'pglite,pglite-worker' },
    patients: { type: 'string', default: '100' },
    requests: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'fhir-read,fhir-search,token-cc-jwt' },
  },
});
const patients = Number(a.patients);
const requests = Number(a.requests);
const connections = Number(a.connections);
const log = (line: string) => process.stderr.write(`${line}\n`);
// Linux's clock ticks per second for /proc/<pid>/task/<tid>/stat (USER_HZ, 100 on every mainstream build).
const TICK_MS = 10;

/** CPU milliseconds (user + system) of each thread of a process, by thread id. */
async function threadCpu(pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(tid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
  }
  return out;
}

interface Split {
  rate: number;
  errors: number;
  main: number;
  busiestOther: number;
  rest: number;
}

/** Runs `amount` requests and splits the server's CPU per request: main thread, the busiest other thread (PGlite's, in a worker), the rest. */
async function measureCpu(server: BenchServer, plan: LoadPlan, amount: number): Promise<Split> {
  const before = await threadCpu(server.pid);
  const run = await runAmount(plan, amount);
  const after = await threadCpu(server.pid);
  const deltas = [...after].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }));
  const main = deltas.find((d) => d.tid === String(server.pid))?.ms ?? 0;
  const others = deltas.filter((d) => d.tid !== String(server.pid)).sort((x, y) => y.ms - x.ms);
  const busiest = others[0]?.ms ?? 0;
  const rest = others.slice(1).reduce((sum, d) => sum + d.ms, 0);
  const per = (ms: number) => ms / Math.max(run.requests, 1);
  return { rate: run.requestsPerSecond, errors: run.errors, main: per(main), busiestOther: per(busiest), rest: per(rest) };
}

const randomRequests = (make: () => { path: string; headers: Record<string, string> }): Request[] => [
  { setupRequest: (req) => { const r = make(); return { ...req, path: r.path, headers: { ...req.headers, ...r.headers } }; } },
];

async function plans(server: BenchServer, scenario: string): Promise<(count: number) => Promise<LoadPlan>> {
  const f = server.fixtures;
  const fhirPath = new URL(f.fhirBase).pathname;
  if (scenario === 'fhir-read') {
    return async () => ({ url: f.fhirBase, connections, requests: randomRequests(() => {
      const p = pick(f.patients);
      return { path: `${fhirPath}/Observation/${pick(p.observations)}`, headers: { authorization: `Bearer ${p.accessToken}` } };
    }) });
  }
  if (scenario === 'fhir-search') {
    return async () => ({ url: f.fhirBase, connections, requests: randomRequests(() => {
      const s = pick(f.searches);
      return { path: `${fhirPath}/Observation?${s.query}`, headers: { authorization: `Bearer ${s.token}` } };
    }) });
  }
  const backend = f.backends.find((b) => b.alg === 'ES384');
  if (!backend) throw new Error('no ES384 backend client');
  return async (count) => {
    // Each request spends a fresh assertion, signed before the run.
    const pool = (await signAssertions(backend, f.tokenEndpoint, count)).map((x) => clientCredentialsBody(x, 'system/*.rs'));
    return { url: f.tokenEndpoint, connections, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, requests: [{ setupRequest: (req) => ({ ...req, body: pool.pop() ?? '' }) }] };
  };
}

const fmt = (x: number, d = 2) => x.toFixed(d);

async function main() {
  const rows: string[] = [];
  for (const engine of a.engines!.split(',')) {
    // The bench server reads BENCH_DATABASE from the environment it inherits.
    process.env.BENCH_DATABASE = engine;
    const scratch = await mkdtemp(join(tmpdir(), 'portico-thread-cpu-'));
    log(`thread-cpu: starting the bench server on ${engine}…`);
    const server = await startBenchServer({
      patients, alg: 'ES384', dataDir: join('bench', '.data', `portico_bench_p${patients}`), databaseUrl: undefined,
      fixturesFile: join(scratch, 'fixtures.json'), fixturePatients: 50, nodeFlags: [], log: (line) => log(`  server: ${line}`),
    });
    try {
      for (const scenario of a.scenarios!.split(',')) {
        const plan = await plans(server, scenario);
        await runAmount(await plan(Math.min(1000, requests)), Math.min(1000, requests));
        const s = await measureCpu(server, await plan(requests), requests);
        const total = s.main + s.busiestOther + s.rest;
        const line = `| ${engine} | ${scenario} | ${Math.round(s.rate)} | ${s.errors} | ${fmt(s.main)} | ${fmt(s.busiestOther)} | ${fmt(s.rest)} | ${fmt(total)} |`;
        log(line);
        rows.push(line);
      }
      // RSS after every scenario's requests, right after full collections (as bench/run.ts's memory check samples it).
      const { memory } = await server.stats(true);
      const line = `| ${engine} | RSS after the above, after a full collection: ${Math.round(memory.rss / 1048576)} MB (heap ${Math.round(memory.heapUsed / 1048576)} MB) | | | | | | |`;
      log(line);
      rows.push(line);
    } finally {
      await server.stop();
      await rm(scratch, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `${requests} requests per scenario, ${connections} connections, ${patients} patients. CPU ms per request, by server thread.\n\n` +
      '| engine | scenario | req/s (wall) | errors | main thread | busiest other thread | other threads | total |\n|---|---|---:|---:|---:|---:|---:|---:|\n' +
      `${rows.join('\n')}\n`,
  );
}

main().catch((err: unknown) => {
  log(`thread-cpu failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
