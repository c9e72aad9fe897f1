import type { Request } from 'autocannon';
import { clientCredentialsBody, mintCodes, pick, signAssertions } from './fixtures.ts';
import { measure, measureSideBySide, type LoadPlan, type Measurement, type RunProbe } from './load.ts';
import type { BenchServer } from './server-process.ts';
import { cpuProbe, type CpuPerRequest } from './cpu-per-request.ts';
import type { TrailSetting } from './protocol.ts';

export interface Settings {
  connections: number;
  runs: number;
  warmup: number;
  duration: number;
  trail: TrailSetting;
}

export interface ScenarioResult {
  name: string;
  portico: Measurement;
  /** Database statements per request Portico made (from the server's statement counter). */
  statementsPerRequest: number;
  reference?: { name: string; measurement: Measurement };
  /** The target: Portico ÷ reference must reach `ratio` (higher is better). */
  target?: number;
  unit?: string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BACKEND_SCOPE = 'system/*.rs';

/** Measures Portico's plan, counting the statements it made per request (and calling `also` around each run). */
/**
 * Portico's side of a measurement: its statement counter read around each run (and, with --profile, a CPU
 * profile of the run), `also` called around that.
 */
function porticoProbe(server: BenchServer, plan: LoadPlan, also?: RunProbe): { probe: RunProbe; statementsPerRequest(m: Measurement): number } {
  let statements = 0;
  let before = 0;
  return {
    probe: {
      before: async () => {
        await also?.before();
        before = (await server.stats()).statements;
        await server.profileStart();
      },
      after: async () => {
        await server.profileStop(new URL(plan.url).pathname.split('/').filter(Boolean).slice(-2).join('-') || 'root');
        statements += (await server.stats()).statements - before;
        await also?.after();
      },
    },
    statementsPerRequest: (m) => statements / Math.max(m.requests, 1),
  };
}

async function porticoMeasure(
  server: BenchServer,
  plan: LoadPlan,
  settings: Settings,
  also?: RunProbe,
): Promise<{ m: Measurement; statementsPerRequest: number }> {
  const counted = porticoProbe(server, plan, also);
  const m = await measure(plan, settings, counted.probe);
  return { m, statementsPerRequest: counted.statementsPerRequest(m) };
}

/** Portico and its references, their runs taken in turn (measureSideBySide). */
async function porticoBeside(
  server: BenchServer,
  portico: { plan: LoadPlan; also?: RunProbe },
  references: { plan: LoadPlan; probe?: RunProbe }[],
  settings: Settings,
): Promise<{ m: Measurement; statementsPerRequest: number; references: Measurement[] }> {
  const counted = porticoProbe(server, portico.plan, portico.also);
  const [m, ...rest] = await measureSideBySide([{ plan: portico.plan, probe: counted.probe }, ...references], settings);
  return { m: m!, statementsPerRequest: counted.statementsPerRequest(m!), references: rest };
}

/** CPU per request beside throughput: on a machine shared with other work, it moves far less. */
function reportCpu(what: string, byName: Record<string, CpuPerRequest>): void {
  const line = (c: CpuPerRequest) => `${Math.round(c.total)} µs (server ${Math.round(c.process)} + database ${Math.round(c.database)})`;
  const parts = Object.entries(byName).map(([name, c]) => `${name} ${line(c)}`);
  process.stderr.write(`bench:   CPU per request (${what}): ${parts.join(', ')}\n`);
}

/** Requests whose path and headers are drawn at random per request. */
export const randomRequests = (make: () => { path: string; headers: Record<string, string>; method?: string; body?: string }): Request[] => [
  {
    setupRequest: (req) => {
      const r = make();
      return { ...req, path: r.path, headers: { ...req.headers, ...r.headers }, ...(r.method ? { method: r.method } : {}), ...(r.body !== undefined ? { body: r.body } : {}) } as typeof req;
    },
  },
];

function pathOf(url: string): string {
  return new URL(url).pathname;
}

/**
 * client_credentials with a fresh private_key_jwt assertion per request, against the peer (the
 * target) and, as a second row, against the crypto ceiling: the same verify and sign with no database.
 */
/** client_credentials at `tokenEndpoint`: every request carries a fresh assertion (a new jti), signed before the run starts. */
function clientCredentialsPlan(backend: BenchServer['fixtures']['backends'][number], tokenEndpoint: string, settings: Settings): LoadPlan {
  let pool: string[] = [];
  return {
    url: tokenEndpoint,
    connections: settings.connections,
    method: 'POST',
    headers: FORM,
    amount: async (run, lastRate) => {
      const count = run === 0 || lastRate === undefined ? Math.max(200, settings.connections * 10) : Math.max(200, Math.ceil(lastRate * settings.duration));
      pool = (await signAssertions(backend, tokenEndpoint, count)).map((a) => clientCredentialsBody(a, BACKEND_SCOPE));
      return count;
    },
    requests: [{ setupRequest: (req) => ({ ...req, body: pool.pop() ?? '' }) }],
  };
}

export async function tokenClientCredentials(server: BenchServer, settings: Settings, alg: 'ES384' | 'RS384'): Promise<ScenarioResult[]> {
  const f = server.fixtures;
  const backend = f.backends.find((b) => b.alg === alg);
  if (!backend) throw new Error(`no ${alg} backend client`);
  const plan = (tokenEndpoint: string): LoadPlan => clientCredentialsPlan(backend, tokenEndpoint, settings);
  const cpu = { portico: cpuProbe(server), peer: cpuProbe(server), floor: cpuProbe(server) };
  const {
    m,
    statementsPerRequest,
    references: [reference, ceiling],
  } = await porticoBeside(
    server,
    { plan: plan(f.tokenEndpoint), also: cpu.portico.probe },
    [
      { plan: plan(f.peer.tokenEndpoint), probe: cpu.peer.probe },
      { plan: plan(`${f.ceiling}/ceiling/token`), probe: cpu.floor.probe },
    ],
    settings,
  );
  if (!reference || !ceiling) throw new Error('side-by-side measurement lost a reference');
  const perRequest = { portico: cpu.portico.perRequest(m), peer: cpu.peer.perRequest(reference), floor: cpu.floor.perRequest(ceiling) };
  reportCpu(alg, { Portico: perRequest.portico, 'oidc-provider': perRequest.peer, 'crypto floor': perRequest.floor });
  return [
    { name: `token-cc-jwt (${alg})`, portico: m, statementsPerRequest, reference: { name: `oidc-provider (${alg})`, measurement: reference }, ...(alg === 'RS384' ? { target: 1.5 } : {}) },
    {
      name: `token-cc-jwt (${alg}), crypto floor`,
      portico: m,
      statementsPerRequest,
      reference: { name: `ceiling: verify + sign, no database (${alg})`, measurement: ceiling },
      target: alg === 'RS384' ? 0.7 : 0.85,
    },
  ];
}

export async function tokenRefresh(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  // Rotation: each response's refresh token replaces the one just spent. autocannon builds each
  // connection's next request ahead and drops it when a run ends, so every run starts on fresh tokens
  // (sandbox debug tokens, minted before the run), twice as many as connections.
  let pool: string[] = [];
  const prepare = async () => {
    pool = [];
    for (let i = 0; i < settings.connections * 2; i++) {
      const res = await fetch(`${f.portico}/oauth/debug/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: f.codeFlow.clientId, patient_id: pick(f.patients).id, scope: 'patient/Observation.rs offline_access' }),
      });
      pool.push(((await res.json()) as { refresh_token: string }).refresh_token);
    }
  };
  const body = (rt: string) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt, client_id: f.codeFlow.clientId }).toString();
  const requests: Request[] = [
    {
      setupRequest: (req) => ({ ...req, body: body(pool.shift() ?? '') }),
      onResponse: (status, responseBody) => {
        if (status === 200) pool.push((JSON.parse(responseBody) as { refresh_token: string }).refresh_token);
      },
    },
  ];
  const { m, statementsPerRequest } = await porticoMeasure(server, { url: f.tokenEndpoint, connections: settings.connections, method: 'POST', headers: FORM, requests, prepare }, settings);
  return { name: 'token-refresh', portico: m, statementsPerRequest };
}

export async function tokenCode(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  let pool: string[] = [];
  const { m, statementsPerRequest } = await porticoMeasure(
    server,
    {
      url: f.tokenEndpoint,
      connections: settings.connections,
      method: 'POST',
      headers: FORM,
      // Codes minted through /auth/authorize before each run (not timed), redeemed under load.
      amount: async (run, lastRate) => {
        const count = run === 0 || lastRate === undefined ? Math.max(200, settings.connections * 10) : Math.max(200, Math.ceil(lastRate * settings.duration));
        pool = (await mintCodes(f, count)).map(({ code, verifier }) =>
          new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: f.codeFlow.redirectUri, client_id: f.codeFlow.clientId }).toString(),
        );
        return count;
      },
      requests: [{ setupRequest: (req) => ({ ...req, body: pool.pop() ?? '' }) }],
    },
    settings,
  );
  return { name: 'token-code', portico: m, statementsPerRequest };
}

/** Reads of random patients' Observations with their patient tokens, at `url` + `base`/Observation/{id}. */
function observationReads(f: BenchServer['fixtures'], settings: Settings, url: string, base: string): LoadPlan {
  const draw = () => {
    const p = pick(f.patients);
    return { path: `${base}/Observation/${pick(p.observations)}`, headers: { authorization: `Bearer ${p.accessToken}` } };
  };
  return { url, connections: settings.connections, requests: randomRequests(draw) };
}

export async function fhirRead(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  const cpu = { portico: cpuProbe(server), ceiling: cpuProbe(server) };
  const {
    m,
    statementsPerRequest,
    references: [reference],
  } = await porticoBeside(
    server,
    { plan: observationReads(f, settings, f.fhirBase, pathOf(f.fhirBase)), also: cpu.portico.probe },
    [{ plan: observationReads(f, settings, f.ceiling, '/ceiling'), probe: cpu.ceiling.probe }],
    settings,
  );
  if (!reference) throw new Error('side-by-side measurement lost its reference');
  reportCpu('fhir-read', { Portico: cpu.portico.perRequest(m), ceiling: cpu.ceiling.perRequest(reference) });
  return { name: 'fhir-read', portico: m, statementsPerRequest, reference: { name: 'ceiling: remembered token + row by PK as text', measurement: reference }, target: 0.75 };
}

export async function fhirSearch(server: BenchServer, settings: Settings, variant: 'plain' | 'revinclude'): Promise<ScenarioResult> {
  const f = server.fixtures;
  const extra = variant === 'revinclude' ? '&_revinclude=Provenance:target' : '';
  const fhirPath = pathOf(f.fhirBase);
  const drawPortico = () => {
    const s = pick(f.searches);
    return { path: `${fhirPath}/Observation?${s.query}${extra}`, headers: { authorization: `Bearer ${s.token}` } };
  };
  const drawCeiling = () => {
    const i = Math.floor(Math.random() * f.searches.length);
    return { path: `/ceiling/search/${variant}/${i}`, headers: { authorization: `Bearer ${f.searches[i]!.token}` } };
  };
  const cpu = { portico: cpuProbe(server), ceiling: cpuProbe(server) };
  const {
    m,
    statementsPerRequest,
    references: [reference],
  } = await porticoBeside(
    server,
    { plan: { url: f.fhirBase, connections: settings.connections, requests: randomRequests(drawPortico) }, also: cpu.portico.probe },
    [{ plan: { url: f.ceiling, connections: settings.connections, requests: randomRequests(drawCeiling) }, probe: cpu.ceiling.probe }],
    settings,
  );
  if (!reference) throw new Error('side-by-side measurement lost its reference');
  reportCpu(`fhir-search ${variant}`, { Portico: cpu.portico.perRequest(m), ceiling: cpu.ceiling.perRequest(reference) });
  return {
    name: variant === 'plain' ? 'fhir-search' : 'fhir-search (_revinclude=Provenance:target)',
    portico: m,
    statementsPerRequest,
    reference: { name: 'ceiling: remembered token + the same SQL, bare, rows as text', measurement: reference },
    target: 0.7,
  };
}

/**
 * Tenants: the same searches at the default tenant before and after a second tenant of the same size is written
 * beside it (the tenant leads every key and index), then removed again. Portico against itself: the reference is
 * the run with one tenant.
 */
export async function twoTenants(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  const fhirPath = pathOf(f.fhirBase);
  const plan: LoadPlan = {
    url: f.fhirBase,
    connections: settings.connections,
    requests: randomRequests(() => {
      const s = pick(f.searches);
      return { path: `${fhirPath}/Observation?${s.query}`, headers: { authorization: `Bearer ${s.token}` } };
    }),
  };
  const one = await porticoMeasure(server, plan, settings);
  const seeded = await server.tenantCommand('seed-tenant bench-second');
  process.stderr.write(`bench:   a second tenant of ${server.ready.patients} patients: ${seeded.resources} resources in ${seeded.seconds.toFixed(1)} s\n`);
  let two: Awaited<ReturnType<typeof porticoMeasure>>;
  try {
    two = await porticoMeasure(server, plan, settings);
  } finally {
    await server.tenantCommand('drop-tenant bench-second');
  }
  process.stderr.write(`bench:   search p99 with two tenants ÷ one: ${(two.m.p99 / Math.max(one.m.p99, 0.001)).toFixed(2)} (${two.m.p99} ÷ ${one.m.p99} ms; target ≤ 1.10)\n`);
  return {
    name: `fhir-search, two tenants of ${server.ready.patients} patients`,
    portico: two.m,
    statementsPerRequest: two.statementsPerRequest,
    reference: { name: `the same, one tenant of ${server.ready.patients} patients`, measurement: one.m },
    target: 0.9,
  };
}

export async function fhirCreate(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  const fhirPath = pathOf(f.fhirBase);
  const draw = () => {
    const p = pick(f.patients);
    return {
      path: `${fhirPath}/Observation`,
      method: 'POST',
      headers: { authorization: `Bearer ${p.accessToken}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${p.id}` },
        effectiveDateTime: new Date().toISOString(),
        valueQuantity: { value: 60 + Math.floor(Math.random() * 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    };
  };
  const { m, statementsPerRequest } = await porticoMeasure(server, { url: f.fhirBase, connections: settings.connections, method: 'POST', requests: randomRequests(draw) }, settings);
  return { name: 'fhir-create', portico: m, statementsPerRequest };
}

export async function introspect(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  const url = f.tokenEndpoint.replace(/\/token$/, '/introspect');
  const draw = () => ({
    path: pathOf(url),
    method: 'POST',
    headers: { authorization: f.introspection.basic, ...FORM },
    body: new URLSearchParams({ token: pick(f.patients).accessToken, token_type_hint: 'access_token' }).toString(),
  });
  const { m, statementsPerRequest } = await porticoMeasure(server, { url, connections: settings.connections, method: 'POST', requests: randomRequests(draw) }, settings);
  return { name: 'introspect', portico: m, statementsPerRequest };
}

/** Reads a response body to its end, counting NDJSON lines. */
async function countLines(res: Response): Promise<number> {
  if (!res.body) return 0;
  let lines = 0;
  let last = 10;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    // indexOf is native; iterating the bytes in JS made the client the slowest part of the measurement.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}

const single = (resources: number, seconds: number, errors: number) => ({ requestsPerSecond: resources / seconds, p50: seconds * 1000, p99: seconds * 1000, errors, requests: resources, seconds });

/** System-level $export: resources/s from kick-off to the last NDJSON byte, against a bare NDJSON stream of the same table. */
export async function bulkExport(server: BenchServer, settings: Settings): Promise<ScenarioResult> {
  const f = server.fixtures;
  const backend = f.backends.find((b) => b.alg === 'ES384')!;
  const runs = [];
  const refs = [];
  const statementsBefore = (await server.stats()).statements;
  let exported = 0;
  for (let run = 0; run < Math.max(1, settings.runs); run++) {
    const [assertion] = await signAssertions(backend, f.tokenEndpoint, 1);
    const tokenRes = await fetch(f.tokenEndpoint, { method: 'POST', headers: FORM, body: clientCredentialsBody(assertion!, BACKEND_SCOPE) });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    let errors = 0;
    const started = performance.now();
    const kickoff = await fetch(`${f.fhirBase}/$export`, { headers: { ...auth, accept: 'application/fhir+json', prefer: 'respond-async' } });
    await kickoff.arrayBuffer();
    const status = kickoff.headers.get('content-location');
    if (kickoff.status !== 202 || !status) throw new Error(`$export kick-off answered ${kickoff.status}`);
    let manifest: { output: { url: string }[]; error: unknown[] } | undefined;
    while (!manifest) {
      const res = await fetch(status, { headers: auth });
      if (res.status === 200) manifest = (await res.json()) as typeof manifest;
      else if (res.status === 202) {
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 50));
      } else throw new Error(`$export status answered ${res.status}`);
    }
    const completed = performance.now();
    let lines = 0;
    for (const file of manifest.output) {
      const res = await fetch(file.url, { headers: { ...auth, accept: 'application/fhir+ndjson' } });
      if (res.status !== 200) errors++;
      lines += await countLines(res);
    }
    const seconds = (performance.now() - started) / 1000;
    // Where an export's time goes: the job (kick-off to "complete", polled every 50 ms) and the download.
    process.stderr.write(`bench:     run ${run + 1}: complete after ${((completed - started) / 1000).toFixed(2)} s, ${manifest.output.length} files downloaded in ${((performance.now() - completed) / 1000).toFixed(2)} s\n`);
    exported = lines;
    runs.push(single(lines, seconds, errors + manifest.error.length));
    await fetch(status, { method: 'DELETE', headers: auth });

    const refStarted = performance.now();
    const ref = await fetch(`${f.ceiling}/ceiling/export`);
    const refLines = await countLines(ref);
    refs.push(single(refLines, (performance.now() - refStarted) / 1000, ref.status === 200 ? 0 : 1));
  }
  const statementsAfter = (await server.stats()).statements;
  const med = (xs: ReturnType<typeof single>[]) => {
    const sorted = [...xs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    return { ...mid, errors: xs.reduce((s, x) => s + x.errors, 0), runs: xs };
  };
  return {
    name: `bulk-export (${exported} resources, files in the ${server.ready.exportFiles})`,
    portico: med(runs),
    statementsPerRequest: (statementsAfter - statementsBefore) / Math.max(1, exported * runs.length),
    reference: { name: server.ready.driver === 'postgres' ? 'ceiling: COPY … TO STDOUT' : 'ceiling: bare keyset SELECT stream', measurement: med(refs) },
    target: 0.5,
    unit: 'resources/s',
  };
}

/**
 * What the audit trail costs: fhir-read and token-cc-jwt on the same server with recording on and off, run after run
 * (the server switches its trails between runs). Every request's event is durable before its answer, so this is the
 * price of "never lost". Beside them, the ceiling (or the token's crypto floor) with and without the least durable
 * event there is, committed through the same trail before the answer: what any audited server could reach at best.
 * `alg` is the server's access-token algorithm; on an RS384 server only the tokens are measured.
 */
export async function auditCost(server: BenchServer, settings: Settings, alg: 'ES384' | 'RS384' = 'ES384'): Promise<ScenarioResult[]> {
  const f = server.fixtures;
  const switched = (on: boolean, plan: LoadPlan): LoadPlan => ({
    ...plan,
    prepare: async (run) => {
      await server.setAudit(on);
      await plan.prepare?.(run);
    },
  });
  const read = (url: string, base: string): LoadPlan => observationReads(f, settings, url, base);
  const backend = f.backends.find((b) => b.alg === alg);
  if (!backend) throw new Error(`no ${alg} backend client`);
  const token = (endpoint: string): LoadPlan => clientCredentialsPlan(backend, endpoint, settings);
  const cases = [
    {
      name: 'fhir-read',
      portico: () => read(f.fhirBase, pathOf(f.fhirBase)),
      ceiling: read(f.ceiling, '/ceiling'),
      auditedCeiling: read(f.ceiling, '/ceiling/audited'),
      ceilingName: 'ceiling',
      targets: { audit: 0.8, ceiling: 0.75 },
    },
    {
      name: `token-cc-jwt (${alg})`,
      portico: () => token(f.tokenEndpoint),
      ceiling: token(`${f.ceiling}/ceiling/token`),
      auditedCeiling: token(`${f.ceiling}/ceiling/audited/token`),
      ceilingName: 'crypto floor',
      targets: { audit: 0.85, ceiling: alg === 'RS384' ? 0.7 : 0.85 },
    },
  ].filter((c) => alg === 'ES384' || c.name !== 'fhir-read');
  const results: ScenarioResult[] = [];
  for (const c of cases) {
    const cpu = { on: cpuProbe(server), off: cpuProbe(server), ceiling: cpuProbe(server), auditedCeiling: cpuProbe(server) };
    const {
      m,
      statementsPerRequest,
      references: [unaudited, ceiling, auditedCeiling],
    } = await porticoBeside(
      server,
      { plan: switched(true, c.portico()), also: cpu.on.probe },
      [
        { plan: switched(false, c.portico()), probe: cpu.off.probe },
        { plan: c.ceiling, probe: cpu.ceiling.probe },
        { plan: c.auditedCeiling, probe: cpu.auditedCeiling.probe },
      ],
      settings,
    );
    if (!unaudited || !ceiling || !auditedCeiling) throw new Error('side-by-side measurement lost a reference');
    reportCpu(`${c.name}, audit on and off`, {
      audited: cpu.on.perRequest(m),
      'audit off': cpu.off.perRequest(unaudited),
      [c.ceilingName]: cpu.ceiling.perRequest(ceiling),
      [`${c.ceilingName} + minimal event`]: cpu.auditedCeiling.perRequest(auditedCeiling),
    });
    const withEvent = `${c.ceilingName} + the least durable AuditEvent`;
    results.push(
      { name: `${c.name}, audited`, portico: m, statementsPerRequest, reference: { name: `${c.name}, audit off`, measurement: unaudited }, target: c.targets.audit },
      { name: `${c.name}, audited`, portico: m, statementsPerRequest, reference: { name: withEvent, measurement: auditedCeiling } },
      // The bound: no audited server gets closer to the ceiling than the ceiling itself with an event.
      { name: withEvent, portico: auditedCeiling, statementsPerRequest: 0, reference: { name: c.ceilingName, measurement: ceiling }, target: c.targets.ceiling },
    );
  }
  await server.setAudit(settings.trail !== 'off');
  return results;
}
