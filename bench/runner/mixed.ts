import autocannon, { type Request, type Result } from 'autocannon';
import { clientCredentialsBody, signAssertions } from './fixtures.ts';
import { summarize, type RunFigures } from './load.ts';
import { startOpenLoop, type OpenLoopFigures } from './open-loop.ts';
import type { ScenarioResult, Settings } from './scenarios.ts';
import type { BenchServer } from './server-process.ts';
import type { BenchFixtures } from './protocol.ts';

/**
 * `mixed`: the FHIR API saturated with expensive searches (`_revinclude=Provenance:target` over the recorded
 * searches, closed loop, many connections) while client_credentials tokens are asked for at a fixed rate
 * (open loop, from a worker thread, timed from when each was due). What it shows: whether an overloaded FHIR
 * API makes the authorization server wait. Target: token p99 < 100 ms.
 */
export interface MixedOptions {
  /** Tokens per second (open loop). */
  tokenRate: number;
  /** FHIR connections (closed loop): enough to keep the FHIR API saturated. */
  fhirConnections: number;
}

/** 20 tokens/s against 64 FHIR connections; BENCH_MIXED_TOKEN_RATE and BENCH_MIXED_FHIR_CONNECTIONS change them. */
export const MIXED_DEFAULTS: MixedOptions = {
  tokenRate: Number(process.env.BENCH_MIXED_TOKEN_RATE ?? 20),
  fhirConnections: Number(process.env.BENCH_MIXED_FHIR_CONNECTIONS ?? 64),
};

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BACKEND_SCOPE = 'system/*.rs';

/** FHIR responses by kind: 2xx, shed (429/503 with Retry-After), anything else. */
export interface FhirTally {
  ok: number;
  shed: number;
  failed: number;
}

/** Expensive searches drawn at random from the fixtures; each answer tallied. */
export function expensiveSearches(f: BenchFixtures, tally: FhirTally): Request[] {
  const fhirPath = new URL(f.fhirBase).pathname;
  return [
    {
      setupRequest: (req) => {
        const s = f.searches[Math.floor(Math.random() * f.searches.length)]!;
        return { ...req, path: `${fhirPath}/Observation?${s.query}&_revinclude=Provenance:target`, headers: { ...req.headers, authorization: `Bearer ${s.token}` } };
      },
      onResponse: (status, _body, _context, headers) => {
        if (status >= 200 && status < 300) tally.ok++;
        else if ((status === 429 || status === 503) && headers?.['retry-after'] !== undefined) tally.shed++;
        else tally.failed++;
      },
    },
  ];
}

/** Signed client_credentials request bodies (a fresh assertion each), `count` of them. */
export async function tokenBodies(f: BenchFixtures, count: number): Promise<string[]> {
  const backend = f.backends.find((b) => b.alg === 'ES384') ?? f.backends[0]!;
  return (await signAssertions(backend, f.tokenEndpoint, count)).map((a) => clientCredentialsBody(a, BACKEND_SCOPE));
}

export function fhirFigures(result: Result, tally: FhirTally): RunFigures & FhirTally {
  return {
    requestsPerSecond: tally.ok / Math.max(result.duration, 0.001),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: tally.failed + result.errors + result.timeouts,
    requests: result.requests.total,
    seconds: result.duration,
    ...tally,
  };
}

export function tokenFigures(t: OpenLoopFigures, seconds: number): RunFigures {
  return { requestsPerSecond: t.ok / seconds, p50: t.p50, p99: t.p99, errors: t.failed, requests: t.sent, seconds };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** One run: `seconds` of FHIR saturation with the open-loop token load inside it (started after a second of saturation). */
async function mixedRun(server: BenchServer, options: MixedOptions, seconds: number): Promise<{ fhir: RunFigures & FhirTally; token: OpenLoopFigures; tokenSeconds: number }> {
  const f = server.fixtures;
  const tokenSeconds = Math.max(1, seconds - 2);
  const bodies = await tokenBodies(f, Math.ceil(options.tokenRate * tokenSeconds) + 1);
  const tally: FhirTally = { ok: 0, shed: 0, failed: 0 };
  const fhir = autocannon({ url: f.fhirBase, connections: options.fhirConnections, pipelining: 1, duration: seconds, requests: expensiveSearches(f, tally) });
  await new Promise((r) => setTimeout(r, 1000));
  const token = startOpenLoop({ url: f.tokenEndpoint, method: 'POST', headers: FORM, rate: options.tokenRate, seconds: tokenSeconds }, bodies);
  const [fhirResult, tokenResult] = await Promise.all([fhir, token.done]);
  return { fhir: fhirFigures(fhirResult, tally), token: tokenResult, tokenSeconds };
}

export async function mixed(server: BenchServer, settings: Settings, options: MixedOptions = MIXED_DEFAULTS): Promise<ScenarioResult[]> {
  await mixedRun(server, options, Math.max(2, settings.warmup + 1));
  const fhirRuns: (RunFigures & FhirTally)[] = [];
  const tokenRuns: RunFigures[] = [];
  let shedTokens = 0;
  for (let run = 0; run < Math.max(1, settings.runs); run++) {
    const r = await mixedRun(server, options, Math.max(3, settings.duration));
    log(`bench:     run ${run + 1}: tokens p50 ${r.token.p50.toFixed(0)} ms, p99 ${r.token.p99.toFixed(0)} ms, max ${r.token.max.toFixed(0)} ms, ${r.token.ok} ok, ${r.token.shed} shed, ${r.token.failed} failed` +
      `${r.token.examples.length ? ` (${r.token.examples.join('; ')})` : ''}; FHIR ${r.fhir.ok} ok (${r.fhir.requestsPerSecond.toFixed(0)}/s), ${r.fhir.shed} shed, ${r.fhir.errors} failed, p50 ${r.fhir.p50} ms, p99 ${r.fhir.p99} ms`);
    fhirRuns.push(r.fhir);
    tokenRuns.push(tokenFigures(r.token, r.tokenSeconds));
    shedTokens += r.token.shed;
  }
  const shedFhir = fhirRuns.reduce((s, r) => s + r.shed, 0);
  return [
    { name: `mixed: token-cc-jwt (ES384) at ${options.tokenRate}/s, open loop, while FHIR is saturated (${shedTokens} shed with Retry-After; target p99 < 100 ms)`, portico: summarize(tokenRuns), statementsPerRequest: 0 },
    { name: `mixed: FHIR _revinclude searches, ${options.fhirConnections} connections (2xx/s; ${shedFhir} shed with Retry-After)`, portico: summarize(fhirRuns), statementsPerRequest: 0 },
  ];
}
