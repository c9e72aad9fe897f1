import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico, type PorticoOverrides } from '../../src/portico.ts';
import { definitions, freshDatabase, PGLITE_ENV, TEST_BASE_URL, type Driver } from './portico.ts';

/**
 * A database that outlives one Portico, for what a restart (another version, other settings, the CLI)
 * does to it: PGlite in a temporary directory, or a fresh PostgreSQL database.
 */
export interface PersistentDatabase {
  /** DATA_DIR or DATABASE_URL. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const PERSISTENT_BASE_ENV = { MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4' };

export async function persistentDatabase(driver: Driver, prefix = 'portico-test-'): Promise<PersistentDatabase> {
  if (driver === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    return { env: { DATA_DIR: dir, ...PGLITE_ENV }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const db = await freshDatabase(driver);
  return { env: { DATABASE_URL: db.url ?? '' }, drop: () => db.drop() };
}

/** Starts a Portico on the database with these settings (PGlite allows one at a time: close it before the next). */
export function openPortico(database: PersistentDatabase, env: Record<string, string> = {}, overrides: PorticoOverrides = {}): Promise<Portico> {
  return createPortico(loadConfig({ ...PERSISTENT_BASE_ENV, ...database.env, ...env }), { definitions: definitions(), ...overrides });
}

/** Runs fn against a Portico on the database, closing it afterwards. */
export async function withPortico<T>(database: PersistentDatabase, env: Record<string, string>, fn: (p: Portico) => Promise<T>, overrides: PorticoOverrides = {}): Promise<T> {
  const p = await openPortico(database, env, overrides);
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}
