import autocannon, { type Request } from 'autocannon';
import { tokenBodies, type FhirTally } from './mixed.ts';
import { startOpenLoop, type OpenLoopFigures } from './open-loop.ts';
import type { BenchFixtures } from './protocol.ts';
import type { BenchServer } from './server-process.ts';

/**
 * `--soak SECONDS`: a mixed load (FHIR reads, searches and `_revinclude` searches, with client_credentials
 * tokens at a fixed rate beside them) first run closed loop for a short while to find its peak, then held at
 * 80 % of that peak (autocannon's overallRate) for SECONDS. Reports errors (target: none) and the server's
 * memory (PSS), its embedded PostgreSQL's processes included, once a minute (target: within 10 % from minute 2 on).
 */
export interface SoakOptions {
  seconds: number;
  connections: number;
  /** Seconds of the closed-loop peak measurement. */
  peakSeconds: number;
  /** Tokens per second beside the FHIR load. */
  tokenRate: number;
  /** Seconds between memory samples (60: once a minute). */
  sampleSeconds: number;
}

export interface SoakSample {
  atSeconds: number;
  /** PSS as found: with whatever garbage the collector has not yet taken back. */
  foundMb: number;
  /** PSS right after two full collections of the server's heap: what it retains. */
  retainedMb: number;
  processes: number;
  fhirOk: number;
  fhirShed: number;
  fhirFailed: number;
}

export interface SoakReport {
  peak: { fhirPerSecond: number; tokens: OpenLoopFigures };
  rate: number;
  seconds: number;
  fhir: FhirTally & { p50: number; p99: number; requestsPerSecond: number; socketErrors: number; timeouts: number };
  tokens: OpenLoopFigures;
  samples: SoakSample[];
  /** Largest spread of retained memory over the samples from the 2:00 mark on, relative to the smallest of them. */
  retainedSpread: number;
  /** The same of the memory as found (garbage included), shown beside it. */
  foundSpread: number;
  errors: number;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const log = (line: string) => process.stderr.write(`${line}\n`);

/** 60 % reads, 30 % searches, 10 % `_revinclude` searches, drawn at random per request. */
function mixedFhir(f: BenchFixtures, tally: FhirTally): Request[] {
  const fhirPath = new URL(f.fhirBase).pathname;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  return [
    {
      setupRequest: (req) => {
        const roll = Math.random();
        if (roll < 0.6) {
          const p = pick(f.patients);
          return { ...req, path: `${fhirPath}/Observation/${pick(p.observations)}`, headers: { ...req.headers, authorization: `Bearer ${p.accessToken}` } };
        }
        const s = pick(f.searches);
        const extra = roll < 0.9 ? '' : '&_revinclude=Provenance:target';
        return { ...req, path: `${fhirPath}/Observation?${s.query}${extra}`, headers: { ...req.headers, authorization: `Bearer ${s.token}` } };
      },
      onResponse: (status, _body, _context, headers) => {
        if (status >= 200 && status < 300) tally.ok++;
        else if ((status === 429 || status === 503) && headers?.['retry-after'] !== undefined) tally.shed++;
        else tally.failed++;
      },
    },
  ];
}

/** Tokens at `rate` for `seconds`, assertions signed a minute or two ahead (each is valid for under 5 minutes). */
async function tokensFor(f: BenchFixtures, rate: number, seconds: number) {
  const ahead = Math.min(seconds, 120);
  const loop = startOpenLoop({ url: f.tokenEndpoint, method: 'POST', headers: FORM, rate, seconds }, await tokenBodies(f, Math.ceil(rate * ahead) + 1));
  let supplied = ahead;
  const timer = setInterval(() => {
    if (supplied >= seconds) return clearInterval(timer);
    const more = Math.min(60, seconds - supplied);
    supplied += more;
    void tokenBodies(f, Math.ceil(rate * more)).then(loop.supply);
  }, 60_000);
  return { done: loop.done.finally(() => clearInterval(timer)) };
}

export async function soak(server: BenchServer, options: SoakOptions): Promise<SoakReport> {
  const f = server.fixtures;
  // PSS of the server and its embedded PostgreSQL (whose processes share its buffers: RSS would count them once per
  // backend); RSS of the server alone where /proc has no PSS.
  const memory = async (afterCollection: boolean) => {
    const stats = await server.stats(afterCollection);
    return stats.tree
      ? { bytes: stats.tree.nodePssBytes + stats.tree.databasePssBytes, processes: 1 + stats.tree.databaseProcesses }
      : { bytes: stats.memory.rss, processes: 1 };
  };

  log(`bench: soak: the peak of the mixed load, closed loop, ${options.connections} connections, ${options.peakSeconds} s…`);
  const peakTally: FhirTally = { ok: 0, shed: 0, failed: 0 };
  const peakTokens = await tokensFor(f, options.tokenRate, options.peakSeconds);
  const peakRun = await autocannon({ url: f.fhirBase, connections: options.connections, pipelining: 1, duration: options.peakSeconds, requests: mixedFhir(f, peakTally) });
  const peak = { fhirPerSecond: peakTally.ok / peakRun.duration, tokens: await peakTokens.done };
  const rate = Math.max(1, Math.floor(peak.fhirPerSecond * 0.8));
  log(`bench: soak: peak ${peak.fhirPerSecond.toFixed(0)} FHIR req/s (${peakTally.shed} shed, ${peakTally.failed} failed; tokens p99 ${peak.tokens.p99.toFixed(0)} ms); now ${options.seconds} s at ${rate} req/s…`);

  const tally: FhirTally = { ok: 0, shed: 0, failed: 0 };
  const samples: SoakSample[] = [];
  const started = performance.now();
  // Each sample twice: as found, then after two full collections (a pause of some milliseconds, once a minute). Found
  // memory swings with the collector's schedule (342, 460, 366 MB a minute apart in one run, nothing retained
  // changing); growth of what is retained is what a leak shows.
  const sample = async () => {
    const found = await memory(false);
    const retained = await memory(true);
    const s = {
      atSeconds: Math.round((performance.now() - started) / 1000),
      foundMb: found.bytes / 1024 / 1024,
      retainedMb: retained.bytes / 1024 / 1024,
      processes: retained.processes,
      fhirOk: tally.ok,
      fhirShed: tally.shed,
      fhirFailed: tally.failed,
    };
    samples.push(s);
    log(`bench: soak: ${s.atSeconds} s: memory ${s.foundMb.toFixed(0)} MB, ${s.retainedMb.toFixed(0)} MB after a full collection (${s.processes} processes); FHIR ${s.fhirOk} ok, ${s.fhirShed} shed, ${s.fhirFailed} failed`);
  };
  await sample();
  const timer = setInterval(() => void sample(), options.sampleSeconds * 1000);
  const tokens = await tokensFor(f, options.tokenRate, options.seconds);
  const run = await autocannon({ url: f.fhirBase, connections: options.connections, overallRate: rate, pipelining: 1, duration: options.seconds, requests: mixedFhir(f, tally) });
  const tokenFigures = await tokens.done;
  clearInterval(timer);
  await sample();

  // "From minute 2 to minute 10": the samples at the 2:00 mark and after. The 1:00 sample still carries the
  // closed-loop peak measured just before (a heap grown under 64 connections, not yet given back); the table
  // shows it anyway.
  const later = samples.filter((s) => s.atSeconds >= Math.min(120, options.seconds / 2));
  const spread = (values: number[]) => (values.length ? (Math.max(...values) - Math.min(...values)) / Math.min(...values) : 0);
  const retainedSpread = spread(later.map((s) => s.retainedMb));
  const foundSpread = spread(later.map((s) => s.foundMb));
  const errors = tally.failed + run.errors + run.timeouts + tokenFigures.failed;
  return {
    peak,
    rate,
    seconds: options.seconds,
    fhir: { ...tally, p50: run.latency.p50, p99: run.latency.p99, requestsPerSecond: tally.ok / run.duration, socketErrors: run.errors, timeouts: run.timeouts },
    tokens: tokenFigures,
    samples,
    retainedSpread,
    foundSpread,
    errors,
  };
}

export function renderSoak(r: SoakReport): string {
  const n = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const out = [
    `## Soak: ${n(r.seconds)} s at 80 % of the mixed load's peak`,
    '',
    `Peak (closed loop): ${n(r.peak.fhirPerSecond)} FHIR req/s (60 % reads, 30 % searches, 10 % \`_revinclude\`), tokens p99 ${n(r.peak.tokens.p99)} ms meanwhile.`,
    `Soak at ${n(r.rate)} FHIR req/s: ${n(r.fhir.ok)} answered 2xx (${n(r.fhir.requestsPerSecond)}/s, p50 ${n(r.fhir.p50)} ms, p99 ${n(r.fhir.p99)} ms), ${r.fhir.shed} shed (429/503 with Retry-After), ${r.fhir.failed} other statuses, ${r.fhir.socketErrors} connection errors, ${r.fhir.timeouts} timeouts;`,
    `tokens: ${r.tokens.ok} issued of ${r.tokens.sent} (p50 ${n(r.tokens.p50)} ms, p99 ${n(r.tokens.p99)} ms), ${r.tokens.shed} shed, ${r.tokens.failed} failed${r.tokens.examples.length ? ` (${r.tokens.examples.join('; ')})` : ''}.`,
    '',
    `Errors: ${r.errors} (target 0: ${r.errors === 0 ? '✓' : '✗'}). Memory retained (PSS after a full collection), spread from minute 2 (the 2:00 mark) to the end: ${n(r.retainedSpread * 100, 1)} % (target within 10 %: ${r.retainedSpread <= 0.1 ? '✓' : '✗'}); as found, garbage included: ${n(r.foundSpread * 100, 1)} %.`,
    '',
    '| at s | memory MB (PSS: server and its embedded PostgreSQL), as found | after a full collection | processes | FHIR 2xx so far | shed | failed |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.samples.map((s) => `| ${s.atSeconds} | ${n(s.foundMb)} | ${n(s.retainedMb)} | ${s.processes} | ${n(s.fhirOk)} | ${s.fhirShed} | ${s.fhirFailed} |`),
    '',
  ];
  return out.join('\n');
}
