import { parseArgs } from 'node:util';
import { loadDefinitions } from '../fhir/definitions.ts';
import { seedPopulation } from '../sandbox/fhir/seed-population.ts';
import { createIndexer } from '../fhir/search/indexer.ts';
import { createSearchParameterRegistry } from '../fhir/search/registry.ts';
import { createResourceValidation } from '../fhir/validation/validate-resource.ts';
import { validationChecks } from '../fhir/validation/validation-checks.ts';
import { refreshStaleStatistics } from '../storage/search/statistics.ts';
import { createSeedLedger } from '../sandbox/storage/seed-progress-store.ts';
import { createProgressBar } from './progress-bar.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';

export const SEED_USAGE = `Usage: portico seed --patients N [--seed S] [--database-url URL] [--batch-size B]

Writes a deterministic synthetic US Core population (patients test-pt-1, pt-00002, ...) into the
database the server uses (DATABASE_URL, else embedded PGlite in DATA_DIR). Streams in batches,
one transaction each, and resumes where an interrupted run stopped; patients already written
for the same seed are skipped. Every resource goes through the server's own write validation (US
Core profiles included) before its batch is written: one it rejects stops the run, naming it.

Options:
  --patients N        patients in the population (1 .. 10000000)            required
  --seed S            seed text of the random streams                      default: demo
  --database-url URL  postgres:// URL, overrides DATABASE_URL
  --batch-size B      patients per transaction (1 .. 10000)                default: 100
  -h, --help          show this help
`;

function wholeNumber(name: string, value: string | undefined, min: number, max: number, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** `portico seed`: returns the process exit code. */
export async function seedCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        patients: { type: 'string' },
        seed: { type: 'string' },
        'database-url': { type: 'string' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(SEED_USAGE);
    return 0;
  }
  const patients = wholeNumber('patients', v.patients, 1, 10_000_000);
  const batchSize = wholeNumber('batch-size', v['batch-size'], 1, 10_000, 100);
  const seed = v.seed ?? 'demo';
  if (!/^[\w.-]{1,64}$/.test(seed)) throw new UsageError('--seed must be 1-64 letters, digits, "_", "-" or "."');
  const env = { ...io.env, ...(v['database-url'] !== undefined ? { DATABASE_URL: v['database-url'] } : {}) };
  const config = loadCommandConfig(env);

  const db = await openCommandDatabase(config);
  try {
    const definitions = loadDefinitions();
    const indexResource = createIndexer(createSearchParameterRegistry(definitions));
    // What a write through the API would refuse is not seeded either.
    const settings = config.fhir.validation;
    const { validate } = createResourceValidation(definitions, validationChecks({ definitions, settings }), settings);
    const ledger = createSeedLedger(db, { indexResource, now: io.now, path: 'bulk' });
    const bar = createProgressBar(io.stderr, () => io.now().getTime());
    const started = io.now().getTime();
    const result = await seedPopulation(ledger, { seed, patients, batchSize, validate, onProgress: (p) => bar.update(p) });
    bar.finish();
    // A bulk load outpaces autovacuum (and PGlite has none): give the planner statistics now.
    await refreshStaleStatistics(db);
    const seconds = (io.now().getTime() - started) / 1000;
    const target = config.databaseUrl ? 'PostgreSQL' : `the ${config.database} database in ${config.dataDir}`;
    io.stdout.write(
      `Seeded ${result.patientsDone - result.patientsSkipped} patients (${result.resourcesWritten} resources) into ${target} in ${seconds.toFixed(1)} s` +
        ` (${Math.round(result.resourcesWritten / Math.max(seconds, 0.001))} resources/s); ${result.patientsSkipped} patients were already present.\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
