import type { Config } from './config.ts';
import { ConfigError, loadConfig } from './config.ts';
import { ENDPOINTS, tenantIssuer } from './endpoints.ts';
import { createPortico, type Portico } from './portico.ts';
import { isClusterWorker, reportWorkerReady, startWorkerCluster } from './composition/worker-cluster.ts';
import { shareDatabase } from './composition/shared-database.ts';

/**
 * `npm start`: config → storage → app → listen; SIGTERM/SIGINT shut down gracefully.
 * WORKERS > 1 (PostgreSQL, embedded or not): this process starts the embedded server if there is one, migrates,
 * seeds and makes the signing keys once, closes its pools, then forks that many workers that each build Portico on
 * the prepared database and share the port.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config.workers > 1 && !isClusterWorker()) return runPrimary(config);
  const portico = await createPortico(config);
  // Signing keys exist from the first start (persisted; concurrent starts make one set).
  await portico.signingKeys.ensure();
  await portico.app.listen({ host: config.host, port: config.port });
  if (isClusterWorker()) reportWorkerReady();
  else process.stdout.write(`${banner(config, portico).join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    portico.app.log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    portico
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        portico.app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * The primary of WORKERS > 1. Preparing here, before any worker starts, means migrations and seeding run once rather
 * than racing N times (they would be safe, but N-fold slower); each worker's own start then finds them done.
 */
async function runPrimary(config: Config): Promise<void> {
  const shared = await shareDatabase(config);
  let lines: string[];
  try {
    const prepared = await createPortico({ ...shared.config, bulkExport: { ...config.bulkExport, worker: false } });
    try {
      await prepared.signingKeys.ensure();
      lines = banner(config, prepared, shared.description);
    } finally {
      await prepared.close();
    }
  } catch (err) {
    await shared.stop();
    throw err;
  }
  const workers = startWorkerCluster(config.workers, shared.workerEnv, (line) => process.stderr.write(`${line}\n`));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping ${config.workers} workers (each finishes its in-flight requests)\n`);
    void workers
      .stop('SIGTERM')
      .then(() => shared.stop())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await workers.ready;
  } catch (err) {
    await workers.stop('SIGTERM');
    await shared.stop();
    throw err;
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** What `npm start` prints once it listens: where things are, and the sandbox's sign-ins and clients. */
function banner(config: Config, portico: Portico, database = portico.databaseInUse.description): string[] {
  const lines = [
    `Portico is running (${config.mode} mode, ${database}${config.databaseReadUrl ? ' with a read replica' : ''}${config.workers > 1 ? `, ${config.workers} worker processes` : ''})`,
    `  Start here:  ${config.baseUrl}/`,
    `  Developers:  portal ${config.baseUrl}${ENDPOINTS.portal.path}   EHR launcher ${config.baseUrl}${ENDPOINTS.launcher.path}   API docs ${config.baseUrl}${ENDPOINTS.docs.path}`,
    `  FHIR base:   ${config.fhirBaseUrl}`,
    `  Metadata:    ${config.fhirBaseUrl}/metadata   SMART: ${config.baseUrl}${ENDPOINTS.fhirSmartConfiguration.path}`,
    `  Health:      ${config.baseUrl}${ENDPOINTS.health.path}   Ready: ${config.baseUrl}${ENDPOINTS.ready.path}`,
  ];
  if (portico.databaseInUse.notice) lines.push(`  Note: ${portico.databaseInUse.notice}`);
  if (config.mode === 'sandbox') {
    lines.push(`  Admin client (HTTP Basic, also full FHIR access): ${config.admin.clientId} / ${config.admin.clientSecret}  (sandbox defaults)`);
  }
  if (portico.seeded) {
    const s = portico.seeded;
    lines.push(
      s.resourcesWritten > 0
        ? `  Sandbox data: seeded ${s.resourcesWritten} resources (${s.patientsDone - s.patientsSkipped} patients, first patient test-pt-1)`
        : `  Sandbox data: already seeded (${s.patientsSkipped} patients)`,
    );
  }
  if (portico.demoTenant) {
    const t = portico.demoTenant;
    const issuer = tenantIssuer(config.baseUrl, t.id);
    lines.push(`  Demo tenant ${t.id}: FHIR base ${t.fhirBaseUrl} (${t.seeded.patientsDone} patients of its own), issuer ${issuer}`);
    lines.push(`    sign-in ${issuer}${ENDPOINTS.login.path}, token endpoint ${issuer}${ENDPOINTS.token.path} (the demo backend client: portico assertion --aud set to it)`);
  }
  for (const login of portico.sandboxLogins ?? []) {
    lines.push(`  Sandbox user${login.tenant ? ` of ${login.tenant}` : ''}: ${login.email} / ${login.password}  (${login.fhirUser})`);
  }
  if (portico.sandboxAdmin) {
    lines.push(`  Sandbox administrator: ${portico.sandboxAdmin.email} / ${portico.sandboxAdmin.password}  (the admin console, ${config.baseUrl}${ENDPOINTS.console.path})`);
  }
  for (const client of portico.demoClients ?? []) {
    lines.push(`  Demo client: ${client.id}${client.secret !== undefined ? ` / ${client.secret}` : ''}  (${client.kind})`);
    if (client.privateKeyFile) lines.push(`    private key: ${client.privateKeyFile}  (portico assertion --client ${client.id} --key <that file>)`);
    if (client.note) lines.push(`    ${client.note}`);
  }
  if (portico.demoClients) lines.push(`  Debug tokens: POST ${config.baseUrl}${ENDPOINTS.debugToken.path}   GET ${config.baseUrl}${ENDPOINTS.debugIntrospect.path}?token=`);
  if (config.mode === 'sandbox') lines.push(`  Sample app:  ${config.baseUrl}${ENDPOINTS.sampleApp.path}/launch.html  (standalone launch; the demo apps' EHR launches open it too)`);
  return lines;
}

main().catch((err: unknown) => {
  process.stderr.write(`Portico failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
