import { ConfigError, loadConfig } from './config.ts';
import { ENDPOINTS } from './endpoints.ts';
import { createPortico } from './portico.ts';

/** `npm start`: config → storage → app → listen; SIGTERM/SIGINT shut down gracefully. */
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
  const portico = await createPortico(config);
  // Signing keys exist from the first start (persisted; concurrent starts make one set).
  await portico.signingKeys.ensure();
  await portico.app.listen({ host: config.host, port: config.port });

  const lines = [
    `Portico is running (${config.mode} mode, ${portico.databaseInUse.description})`,
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
  for (const login of portico.sandboxLogins ?? []) {
    lines.push(`  Sandbox user: ${login.email} / ${login.password}  (${login.fhirUser})`);
  }
  for (const client of portico.demoClients ?? []) {
    lines.push(`  Demo client: ${client.id}${client.secret !== undefined ? ` / ${client.secret}` : ''}  (${client.kind})`);
    if (client.privateKeyFile) lines.push(`    private key: ${client.privateKeyFile}  (portico assertion --client ${client.id} --key <that file>)`);
    if (client.note) lines.push(`    ${client.note}`);
  }
  if (portico.demoClients) lines.push(`  Debug tokens: POST ${config.baseUrl}${ENDPOINTS.debugToken.path}   GET ${config.baseUrl}${ENDPOINTS.debugIntrospect.path}?token=`);
  process.stdout.write(`${lines.join('\n')}\n`);

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

main().catch((err: unknown) => {
  process.stderr.write(`Portico failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
