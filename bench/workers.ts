/**
 * `npm run bench:workers`: Portico as `npm start` runs it with WORKERS=1, 2, … side by side in one run, on PostgreSQL
 * (BENCH_DATABASE_URL, required: WORKERS > 1 is PostgreSQL only). The bench server (bench/server/bench-server.ts)
 * seeds the database and writes the fixtures; then, for each worker count, the compiled server (`npm start`) starts on the same database
 * with the same BASE_URL (so the fixtures' tokens and assertions are valid there) on a port of its own, and is loaded.
 * The bench server stays idle meanwhile. Options:
 *   --workers 1,2           worker counts compared (default 1,2)
 *   --scenarios a,b         fhir-read, fhir-search, token-cc-jwt (default all three)
 *   --patients N  --connections C  --runs R  --duration S  --warmup W  --rounds K (each count measured K times, interleaved)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { compiled } from './compiled.ts';
import { clientCredentialsBody, pick, signAssertions } from './runner/fixtures.ts';
import { measure, type LoadPlan, type Measurement } from './runner/load.ts';
import type { BenchFixtures } from './runner/protocol.ts';
import { startBenchServer } from './runner/server-process.ts';
import { randomRequests } from './runner/scenarios.ts';

const { values: a } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    scenarios: { type: 'string', default: 'fhir-read,fhir-search,token-cc-jwt' },
    patients: { type: 'string', default: '100' },
    connections: { type: 'string', default: '32' },
    runs: { type: 'string', default: '2' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    alg: { type: 'string', default: 'RS384' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const base = process.env.BENCH_DATABASE_URL;
if (!base) {
  log('bench:workers needs BENCH_DATABASE_URL=postgres://… (WORKERS > 1 runs on PostgreSQL only)');
  process.exit(2);
}
const workerCounts = (a.workers ?? '1,2').split(',').map(Number);
const wanted = new Set((a.scenarios ?? '').split(','));
const patients = Number(a.patients);
const alg = a.alg === 'ES384' ? 'ES384' : 'RS384';
const settings = { connections: Number(a.connections), runs: Number(a.runs), duration: Number(a.duration), warmup: Number(a.warmup) };

/** A seeded database of this size kept for the next run (created when missing; its own, apart from bench/run.ts's). */
async function database(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

/** The compiled server with WORKERS=count on `url`, answering for `baseUrl` on its own port. */
async function startPortico(url: string, baseUrl: string, count: number): Promise<{ origin: string; cpuSeconds(): number; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [compiled('main')], {
    env: { ...process.env, MODE: 'sandbox', SEED: 'none', HOST: '127.0.0.1', PORT: String(port), BASE_URL: baseUrl, DATABASE_URL: url, WORKERS: String(count), LOG_LEVEL: 'warn', ACCESS_TOKEN_SIGNING_ALG: alg },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  while (!out.includes('Portico is running')) {
    if (child.exitCode !== null) throw new Error(`Portico (WORKERS=${count}) exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid ?? 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    cpuSeconds: () => [pid, ...childrenOf(pid)].reduce((sum, p) => sum + cpuSecondsOf(p), 0),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux). CPU time per request, unlike req/s, hardly
 * depends on what else the machine runs: on a shared machine it is the figure that tells whether N processes cost
 * more per request than one.
 */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // Fields 14 and 15 of proc(5) (utime, stime), counted from the state field (3): indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** The fixtures' URL, on `origin` instead of the bench server's. */
const moved = (url: string, f: BenchFixtures, origin: string) => url.replace(f.portico, origin);

const plans: Record<string, (f: BenchFixtures, origin: string) => LoadPlan> = {
  'fhir-read': (f, origin) => ({
    url: moved(f.fhirBase, f, origin),
    connections: settings.connections,
    requests: randomRequests(() => {
      const p = pick(f.patients);
      return { path: `${new URL(f.fhirBase).pathname}/Observation/${pick(p.observations)}`, headers: { authorization: `Bearer ${p.accessToken}` } };
    }),
  }),
  'fhir-search': (f, origin) => ({
    url: moved(f.fhirBase, f, origin),
    connections: settings.connections,
    requests: randomRequests(() => {
      const s = pick(f.searches);
      return { path: `${new URL(f.fhirBase).pathname}/Observation?${s.query}`, headers: { authorization: `Bearer ${s.token}` } };
    }),
  }),
  'token-cc-jwt': (f) => {
    const backend = f.backends.find((b) => b.alg === alg);
    if (!backend) throw new Error(`no ${alg} backend client`);
    let pool: string[] = [];
    return {
      // The assertion's audience is the token endpoint as BASE_URL names it; the load goes to this server's port.
      url: f.tokenEndpoint,
      connections: settings.connections,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      amount: async (run, lastRate) => {
        const count = run === 0 || lastRate === undefined ? Math.max(200, settings.connections * 10) : Math.max(200, Math.ceil(lastRate * settings.duration));
        pool = (await signAssertions(backend, f.tokenEndpoint, count)).map((assertion) => clientCredentialsBody(assertion, 'system/*.rs'));
        return count;
      },
      requests: [{ setupRequest: (req) => ({ ...req, body: pool.pop() ?? '' }) }],
    };
  },
};

async function main(): Promise<void> {
  const url = await database(`portico_bench_workers_p${patients}`);
  const scratch = await mkdtemp(join(tmpdir(), 'portico-bench-workers-'));
  log(`bench:workers: starting the bench server (${patients} patients, PostgreSQL, ${alg}); seeding if needed…`);
  const server = await startBenchServer({ patients, alg, dataDir: scratch, databaseUrl: url, fixturesFile: join(scratch, 'fixtures.json'), nodeFlags: [], log: (line) => log(`  server: ${line}`) });
  const results: { scenario: string; workers: number; m: Measurement; cpuMs: number }[] = [];
  try {
    const f = server.fixtures;
    for (let round = 0; round < Number(a.rounds); round++) {
      for (const count of workerCounts) {
        log(`bench:workers: WORKERS=${count} (round ${round + 1})…`);
        const portico = await startPortico(url, f.portico, count);
        try {
          for (const scenario of Object.keys(plans).filter((s) => wanted.has(s))) {
            const plan = plans[scenario]!(f, portico.origin);
            // token-cc-jwt's URL must stay the audience in the body; the connection goes to this server's port.
            if (scenario === 'token-cc-jwt') plan.url = moved(plan.url, f, portico.origin);
            let told = false;
            for (const request of plan.requests ?? []) {
              request.onResponse = (status, body) => {
                if (status >= 400 && !told) log(`bench:workers:   first error of ${scenario}: ${status} ${body.slice(0, 300)}`);
                if (status >= 400) told = true;
              };
            }
            // CPU per request over the measured runs only (the warm-up excluded).
            let cpu = 0;
            let cpuBefore = 0;
            const m = await measure(plan, settings, {
              before: async () => void (cpuBefore = portico.cpuSeconds()),
              after: async () => void (cpu += portico.cpuSeconds() - cpuBefore),
            });
            const cpuMs = (cpu * 1000) / Math.max(m.requests, 1);
            log(`bench:workers:   ${scenario} WORKERS=${count}: ${Math.round(m.requestsPerSecond)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.errors} errors, ${cpuMs.toFixed(3)} ms Portico CPU per request`);
            results.push({ scenario, workers: count, m, cpuMs });
          }
        } finally {
          await portico.stop();
        }
      }
    }
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
  const lines = ['| scenario | WORKERS | req/s | p50 ms | p99 ms | errors | × first | Portico CPU ms/request |', '|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const one = results.find((o) => o.scenario === r.scenario && o.workers === workerCounts[0]);
    lines.push(`| ${r.scenario} | ${r.workers} | ${Math.round(r.m.requestsPerSecond)} | ${r.m.p50} | ${r.m.p99} | ${r.m.errors} | ${one ? (r.m.requestsPerSecond / one.m.requestsPerSecond).toFixed(2) : ''} | ${r.cpuMs.toFixed(3)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  log(`bench:workers failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
