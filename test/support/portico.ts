import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.ts';
import { loadDefinitions, type FhirDefinitions } from '../../src/fhir/definitions.ts';
import { createPortico, type Portico, type PorticoOverrides } from '../../src/portico.ts';
import type { EmbeddedDatabase } from '../../src/storage/database.ts';

/**
 * Test harness: every storage/HTTP suite runs once per driver — PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set — each test app on its own fresh database.
 */
export type Driver = 'pglite' | 'postgres';

export const drivers: Driver[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/** The engine the PGlite runs use: in this thread, or in a worker thread with TEST_DATABASE=pglite-worker. */
export const pgliteEngine: EmbeddedDatabase = process.env.TEST_DATABASE === 'pglite-worker' ? 'pglite-worker' : 'pglite';

/** The settings that select the PGlite engine under test. */
export const PGLITE_ENV: Record<string, string> = { DATABASE: pgliteEngine };

let sharedDefinitions: FhirDefinitions | undefined;
/** The R4 definitions, loaded once per test process. */
export function definitions(): FhirDefinitions {
  sharedDefinitions ??= loadDefinitions();
  return sharedDefinitions;
}

export interface TestDatabase {
  /** DATABASE_URL for the fresh database; undefined for PGlite (in memory). */
  url: string | undefined;
  /** The embedded engine when url is undefined. */
  engine: EmbeddedDatabase;
  drop(): Promise<void>;
}

/** A fresh, empty database for one driver. */
export async function freshDatabase(driver: Driver): Promise<TestDatabase> {
  if (driver === 'pglite') return { url: undefined, engine: pgliteEngine, drop: async () => {} };
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `portico_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    engine: pgliteEngine,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestPortico extends Portico {
  config: Config;
  database: TestDatabase;
  /** Closes the app and drops its database. */
  stop(): Promise<void>;
}

export const TEST_BASE_URL = 'http://portico.test';

const TEST_ENV = { MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATA_DIR: 'memory://', DATABASE_POOL_SIZE: '4' };

/** Starts Portico (not listening; use app.inject) on a fresh database of the given driver. */
export async function startPortico(
  driver: Driver,
  env: Record<string, string> = {},
  overrides: PorticoOverrides = {},
): Promise<TestPortico> {
  const database = await freshDatabase(driver);
  const config = loadConfig({ ...TEST_ENV, ...(database.url ? { DATABASE_URL: database.url } : PGLITE_ENV), ...env });
  const portico = await createPortico(config, { definitions: definitions(), ...overrides });
  return {
    ...portico,
    config,
    database,
    async stop() {
      await portico.close();
      await database.drop();
    },
  };
}

/**
 * Another "process" on the PostgreSQL database of `first` (a second Portico in this test process,
 * with its own pool and caches), for what one process's change means to another. Close it yourself.
 */
export function startSibling(first: TestPortico, env: Record<string, string> = {}, overrides: PorticoOverrides = {}): Promise<Portico> {
  if (!first.database.url) throw new Error('only a PostgreSQL database can be shared between processes');
  return createPortico(loadConfig({ ...TEST_ENV, DATABASE_POOL_SIZE: '2', DATABASE_URL: first.database.url, ...env }), { definitions: definitions(), ...overrides });
}
