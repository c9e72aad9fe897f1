/**
 * The bench server process: Portico (in-process, as `npm start` builds it), the ceiling routes and the
 * oidc-provider peer, all on one database, seeded to the asked size. It writes the fixtures the runner
 * needs to a file and prints one JSON line when ready. Spawned by bench/run.ts; not part of the product.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../free-port.ts';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createPortico } from '../../src/portico.ts';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { seedPopulation } from '../../src/sandbox/fhir/seed-population.ts';
import { createIndexer } from '../../src/fhir/search/indexer.ts';
import { createSearchParameterRegistry } from '../../src/fhir/search/registry.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { refreshStaleStatistics } from '../../src/storage/search/statistics.ts';
import { createSeedLedger } from '../../src/sandbox/storage/seed-progress-store.ts';
import { startCeiling } from './ceiling.ts';
import { BENCH_APPLICATION_NAME, sampleCpu, withApplicationName } from './cpu-probe.ts';
import { startOidcPeer } from './oidc-peer.ts';
import { createQueryRecorder, type RecordedQuery } from './query-recorder.ts';
import { processTreeMemory } from './process-memory.ts';
import { profileCommand } from './phase-profiler.ts';
import { tenantCommand } from './tenant-seed.ts';
import type { BenchFixtures, ReadyLine } from '../runner/protocol.ts';
import type { AuditEvent, AuditTrail } from '../../src/fhir/audit/audit-trail.ts';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '1000' },
    alg: { type: 'string', default: 'ES384' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    fixtures: { type: 'string' },
    'fixture-patients': { type: 'string', default: '200' },
    'refresh-chains': { type: 'string', default: '64' },
    'export-files': { type: 'string' },
    database: { type: 'string', default: 'pglite' },
    // on (as shipped), off (no events), minimal (a minimal event in place of each).
    trail: { type: 'string', default: 'on' },
  },
});
const patients = Number(args.patients);
const alg = args.alg as 'ES384' | 'RS384';
const databaseUrl = args['database-url'];
const embedded = args.database === 'embedded-postgres' || args.database === 'pglite-worker' ? args.database : 'pglite';
const fixturesFile = args.fixtures ?? '';

const OVERLOAD_SETTINGS = ['FHIR_MAX_CONCURRENT', 'FHIR_MAX_QUEUE', 'FHIR_LOOP_DELAY_TARGET_MS', 'DATABASE_MAX_QUEUE', 'DATABASE_POOL_SIZE'];
const APP_CLIENT = 'bench-app';
const APP_REDIRECT = 'http://bench-app.invalid/callback';
const RS_CLIENT = 'bench-resource-server';
const RS_SECRET = randomBytes(24).toString('base64url');
const FHIR_SCOPE = 'patient/Observation.rs patient/Observation.c patient/Provenance.rs offline_access';
// The least AuditEvent the trail stores: what a durable, chained row costs by itself.
const minimalEvent = (type: AuditEvent['type']): AuditEvent => ({ resourceType: 'AuditEvent', type, agent: [], source: { observer: {} } });
const CEILING_EVENT_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' };
const LOGIN = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };

/** The population, written once per database and reused by later runs (the ledger skips what is there). */
async function seed(): Promise<{ seconds: number; written: number; settleSeconds: number }> {
  const started = performance.now();
  const db = await openDatabase({ databaseUrl, database: embedded, dataDir: args['data-dir'] ?? '', poolSize: 4 });
  try {
    await migrate(db);
    const indexResource = createIndexer(createSearchParameterRegistry(loadDefinitions()));
    const ledger = createSeedLedger(db, { indexResource, now: () => new Date(), path: 'bulk' });
    const result = await seedPopulation(ledger, { seed: 'demo', patients, batchSize: 200 });
    if (result.resourcesWritten > 0) await refreshStaleStatistics(db);
    const seconds = (performance.now() - started) / 1000;
    const settleStarted = performance.now();
    await settle(db);
    return { seconds, written: result.resourcesWritten, settleSeconds: (performance.now() - settleStarted) / 1000 };
  } finally {
    await db.close();
  }
}

/**
 * Brings the database to the steady state a server that has been running for a while is in,
 * so that no run measures the seed's after-effects: VACUUM (the visibility map that index-only
 * scans need, and no autovacuum of millions of fresh rows reading the disk under the load) and a
 * CHECKPOINT (the seed's dirty pages written out now, not during a run). Cheap when already settled.
 */
async function settle(db: Awaited<ReturnType<typeof openDatabase>>): Promise<void> {
  await db.query('VACUUM');
  if (db.driver !== 'postgres') return;
  // CHECKPOINT needs a superuser or pg_checkpoint; without it the run goes on, unsettled.
  await db.query('CHECKPOINT').catch((err: unknown) => process.stderr.write(`bench: no CHECKPOINT (${String(err)})\n`));
}

async function inject(app: FastifyInstance, options: InjectOptions) {
  const res = await app.inject(options);
  if (res.statusCode >= 400) throw new Error(`bench fixture: ${JSON.stringify(options).slice(0, 200)} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return res;
}

async function keyPair(keyAlg: 'ES384' | 'RS384' | 'RS256', kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(keyAlg, { extractable: true });
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: keyAlg },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: keyAlg, use: 'sig' },
  };
}

async function main(): Promise<void> {
  const seeded = await seed();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    MODE: 'sandbox',
    SEED: 'demo',
    HOST: '127.0.0.1',
    PORT: String(port),
    BASE_URL: baseUrl,
    DATA_DIR: args['data-dir'] ?? './data',
    // Named, so that the CPU probe counts this server's backends only (other bench servers may share the database).
    ...(databaseUrl ? { DATABASE_URL: withApplicationName(databaseUrl, BENCH_APPLICATION_NAME) } : { DATABASE: embedded }),
    LOG_LEVEL: 'warn',
    ACCESS_TOKEN_SIGNING_ALG: alg,
    BULK_EXPORT_POLL_INTERVAL_MS: '200',
    ...(args['export-files'] ? { BULK_EXPORT_FILES: args['export-files'] } : {}),
    // Overload settings from the runner's environment, to compare them (the mixed scenario).
    ...Object.fromEntries(OVERLOAD_SETTINGS.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
  });
  const recorder = createQueryRecorder();
  // The audit scenario switches recording off and on between runs, to measure what it costs the same server;
  // --trail off starts with it off, to measure every other scenario without the trail against the same references.
  let auditOn = args.trail !== 'off';
  // Portico's own trail, unwrapped: the ceiling's audited routes record through it.
  let auditTrail: AuditTrail | undefined;
  const portico = await createPortico(config, {
    wrapDatabase: recorder.wrap,
    // --trail minimal: every event replaced by a minimal one (what a durable, chained row costs by itself).
    wrapAuditTrail: (trail) => {
      auditTrail = trail;
      return {
        record: (tenant, event) => (!auditOn ? Promise.resolve() : trail.record(tenant, args.trail === 'minimal' ? minimalEvent(event.type) : event)),
      };
    },
  });
  const db = portico.db;
  await portico.signingKeys.ensure();
  await portico.app.listen({ host: '127.0.0.1', port });
  const app = portico.app;
  const root = `Basic ${Buffer.from(`${config.admin.clientId}:${config.admin.clientSecret}`).toString('base64')}`;
  const admin = (path: string, body: unknown) =>
    inject(app, { method: 'PUT', url: path, headers: { authorization: root, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  // Clients: one backend client per assertion algorithm, the app, and a resource server for introspection.
  const backends = [];
  for (const clientAlg of ['ES384', 'RS384'] as const) {
    const clientId = `bench-backend-${clientAlg.toLowerCase()}`;
    const pair = await keyPair(clientAlg, `${clientId}-key`);
    await admin(`/Client/${clientId}`, {
      resourceType: 'Client',
      name: `Benchmark backend (${clientAlg})`,
      type: 'bulk-api-client',
      active: true,
      grant_types: ['client_credentials'],
      auth: { client_credentials: { client_assertion_types: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] } },
      jwks: { keys: [pair.publicJwk] },
      scope: ['system/*.rs'],
    });
    backends.push({ clientId, alg: clientAlg, privateJwk: pair.privateJwk, publicJwk: pair.publicJwk });
  }
  await admin('/AccessPolicy/bench-backend', {
    resourceType: 'AccessPolicy',
    engine: 'matcho',
    link: backends.map((b) => ({ resourceType: 'Client', id: b.clientId })),
    matcho: { uri: '#^/fhir(/|$)' },
  });
  await admin(`/Client/${APP_CLIENT}`, {
    resourceType: 'Client',
    name: 'Benchmark app',
    type: 'smart-app',
    active: true,
    first_party: true,
    grant_types: ['authorization_code', 'refresh_token'],
    auth: { authorization_code: { redirect_uri: APP_REDIRECT, pkce: true, refresh_token: true, secret_required: false } },
    scope: ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.cruds'],
  });
  await admin(`/Client/${RS_CLIENT}`, {
    resourceType: 'Client',
    name: 'Benchmark resource server (introspection)',
    type: 'client',
    active: true,
    // Introspects the app's tokens: only a resource server may see another client's tokens.
    resource_server: true,
    secret: RS_SECRET,
    grant_types: ['client_credentials'],
    scope: ['system/Patient.rs'],
  });

  // Fixture patients spread over the whole population (md5 order), with their Observations.
  const fixturePatients = await db.query<{ id: string }>(
    `SELECT id FROM resource WHERE tenant = '' AND resource_type = 'Patient' AND NOT deleted ORDER BY md5(id) LIMIT $1`,
    [Number(args['fixture-patients'])],
  );
  const observations = await db.query<{ id: string; subject: string; system: string | null; code: string | null }>(
    // Through the subject index, not a scan of every Observation (gigabytes at 100,000 patients).
    `SELECT r.id, r.content->'subject'->>'reference' AS subject, r.content->'code'->'coding'->0->>'system' AS system,
            r.content->'code'->'coding'->0->>'code' AS code
       FROM search_reference x
       JOIN resource r ON r.tenant = x.tenant AND r.resource_type = x.resource_type AND r.id = x.id
      WHERE x.tenant = '' AND x.resource_type = 'Observation' AND x.param = 'subject' AND x.target_type = 'Patient'
        AND x.target_id = ANY(ARRAY(SELECT substr(s, 9) FROM unnest($1::text[]) s)) AND NOT r.deleted
        AND r.content->'subject'->>'reference' = ANY($1::text[])
      ORDER BY r.id`,
    [fixturePatients.map((p) => `Patient/${p.id}`)],
  );
  const byPatient = new Map<string, typeof observations>();
  for (const o of observations) {
    const id = o.subject.slice('Patient/'.length);
    byPatient.set(id, [...(byPatient.get(id) ?? []), o]);
  }

  const tokens: BenchFixtures['patients'] = [];
  for (const { id } of fixturePatients) {
    const obs = byPatient.get(id) ?? [];
    if (obs.length === 0) continue;
    const res = await inject(app, {
      method: 'POST',
      url: '/oauth/debug/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: APP_CLIENT, patient_id: id, scope: FHIR_SCOPE, access_lifetime: 3600 }),
    });
    const body = JSON.parse(res.body) as { access_token: string; refresh_token: string };
    const codes = obs.filter((o) => o.code !== null).map((o) => `${o.system ?? ''}|${o.code}`);
    tokens.push({ id, accessToken: body.access_token, refreshToken: body.refresh_token, observations: obs.map((o) => o.id), codes: [...new Set(codes)] });
  }
  if (tokens.length === 0) throw new Error('no fixture patient has Observations');

  // The SQL Portico runs for each search fixture, recorded for the ceiling to replay bare.
  const searchVariants = { plain: '', revinclude: '&_revinclude=Provenance:target' };
  const searches: Record<string, RecordedQuery[][]> = { plain: [], revinclude: [] };
  const searchFixtures: BenchFixtures['searches'] = [];
  let searchStatements = 0;
  for (const p of tokens) {
    const code = p.codes[0];
    if (code === undefined) continue;
    const query = `patient=${encodeURIComponent(p.id)}&code=${encodeURIComponent(code)}&_count=10`;
    for (const [variant, extra] of Object.entries(searchVariants)) {
      const { result, queries } = await recorder.record(() =>
        inject(app, { method: 'GET', url: `/fhir/Observation?${query}${extra}`, headers: { authorization: `Bearer ${p.accessToken}` } }),
      );
      searchStatements = Math.max(searchStatements, queries.length);
      // The search's own statements: those reading the resource table (not the grant, client or policy).
      const own = queries.filter((q) => /\bFROM resource\b/.test(q.text));
      const entries = (JSON.parse(result.body) as { entry?: unknown[] }).entry?.length ?? 0;
      let replayed = 0;
      for (const q of own) replayed += (await db.query(q.text, q.params)).length;
      // The page query fetches one row more than _count (is there a next page?), and a total may add a count row.
      if (replayed < entries || replayed > entries + 2) throw new Error(`the recorded SQL of ${query}${extra} gives ${replayed} rows for ${entries} entries`);
      searches[variant]!.push(own);
    }
    searchFixtures.push({ token: p.accessToken, query });
  }

  // A signed-in browser session for the code flow's prelude (the real sign-in form, CSRF and all).
  const page = await inject(app, { method: 'GET', url: '/auth/login' });
  const cookies = new Map<string, string>();
  const keep = (res: { headers: Record<string, unknown> }) => {
    const raw = res.headers['set-cookie'];
    for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)]) {
      const [pair] = String(line).split(';');
      const eq = (pair ?? '').indexOf('=');
      cookies.set((pair ?? '').slice(0, eq).trim(), (pair ?? '').slice(eq + 1).trim());
    }
  };
  keep(page);
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const signedIn = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    payload: new URLSearchParams({ username: LOGIN.email, password: LOGIN.password, csrf_token: csrf, return_to: '/' }).toString(),
  });
  if (signedIn.statusCode !== 303 && signedIn.statusCode !== 302) throw new Error(`bench sign-in answered ${signedIn.statusCode}`);
  keep(signedIn);

  // The peer: its signing keys for the same access-token algorithm (and RS256 for id_tokens).
  const peerKeys = [(await keyPair(alg, 'peer-at')).privateJwk, (await keyPair('RS256', 'peer-id')).privateJwk];
  const peer = await startOidcPeer({
    db,
    clients: backends.map((b) => ({ clientId: b.clientId, alg: b.alg, publicJwk: b.publicJwk })),
    signingKeys: peerKeys,
    accessTokenAlg: alg,
    audience: config.fhirBaseUrl,
    scope: 'system/*.rs',
  });
  const trail = auditTrail;
  if (!trail) throw new Error('the audit trail was never built');
  const ceiling = await startCeiling({
    recordMinimalEvent: () => trail.record('', minimalEvent(CEILING_EVENT_TYPE)),
    db,
    databaseUrl,
    jwks: await portico.signingKeys.jwks(),
    issuer: config.baseUrl,
    audience: config.fhirBaseUrl,
    searches,
    token: {
      clients: backends.map((b) => ({ clientId: b.clientId, publicJwk: b.publicJwk })),
      signingJwk: (await keyPair(alg, 'ceiling-at')).privateJwk,
    },
  });

  const resources = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM resource WHERE tenant = '' AND NOT deleted");
  const fixtures: BenchFixtures = {
    portico: baseUrl,
    fhirBase: config.fhirBaseUrl,
    tokenEndpoint: `${baseUrl}/auth/token`,
    ceiling: ceiling.url,
    peer: { url: peer.url, tokenEndpoint: peer.tokenEndpoint },
    backends: backends.map(({ clientId, alg: a, privateJwk }) => ({ clientId, alg: a, privateJwk })),
    patients: tokens,
    searches: searchFixtures,
    introspection: { basic: `Basic ${Buffer.from(`${RS_CLIENT}:${RS_SECRET}`).toString('base64')}` },
    codeFlow: {
      cookie: cookieHeader(),
      clientId: APP_CLIENT,
      redirectUri: APP_REDIRECT,
      scope: 'launch/patient openid fhirUser patient/Observation.rs',
    },
    resources: Number(resources[0]?.n ?? 0),
    statementsPerSearch: searchStatements,
  };
  await writeFile(fixturesFile, JSON.stringify(fixtures));
  const ready: ReadyLine = {
    ready: true,
    pid: process.pid,
    driver: portico.db.driver,
    exportFiles: config.bulkExport.files,
    patients,
    seedSeconds: seeded.seconds,
    settleSeconds: seeded.settleSeconds,
    seededResources: seeded.written,
    fixtures: fixturesFile,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  // The tenants scenario's second tenant is indexed as the sandbox indexes.
  const tenantIndexer = createIndexer(portico.fhir.searchRegistry);
  // The runner asks for statement counts between runs (stdin line "stats").
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const command = line.trim();
      if (command.startsWith('profile-')) {
        void profileCommand(command).then((answer) => process.stdout.write(`${JSON.stringify(answer)}\n`));
        continue;
      }
      if (command.startsWith('seed-tenant ') || command.startsWith('drop-tenant ')) {
        void tenantCommand(command, db, { patients, indexResource: tenantIndexer }).then(
          (answer) => process.stdout.write(`${JSON.stringify({ tenantCommand: answer })}\n`),
          (err: unknown) => process.stdout.write(`${JSON.stringify({ tenantCommand: { error: String(err) } })}\n`),
        );
        continue;
      }
      if (command === 'audit on' || command === 'audit off') {
        auditOn = command === 'audit on';
        process.stdout.write(`${JSON.stringify({ audit: auditOn })}\n`);
        continue;
      }
      if (command !== 'stats' && command !== 'stats-after-gc') continue;
      if (command === 'stats-after-gc') {
        // Two full collections (the second frees what the first's finalizers released); the runner
        // starts this process with --expose-gc.
        const collect = (globalThis as { gc?: () => void }).gc;
        if (!collect) throw new Error('stats-after-gc needs node --expose-gc');
        collect();
        collect();
      }
      const statements = recorder.statements;
      void sampleCpu(db).then((cpu) => process.stdout.write(`${JSON.stringify({ statements, memory: process.memoryUsage(), tree: processTreeMemory(), cpu })}\n`));
    }
  });
  const stop = () => {
    void Promise.allSettled([peer.close(), ceiling.close()])
      .then(() => portico.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
