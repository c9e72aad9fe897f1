import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/portico.ts';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico, type PorticoOverrides } from '../../src/portico.ts';
import { definitions, freshDatabase, TEST_BASE_URL, type Driver } from './portico.ts';

/** The settings the audit commands' tests run Portico and the CLI with. */
export const BASE_ENV = { MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4' };

/** A database that outlives a Portico: a PGlite directory, or a fresh PostgreSQL database. */
export async function persistentDatabase(driver: Driver): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (driver === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'portico-cli-audit-'));
    return { env: { DATA_DIR: dir, DATABASE: 'pglite' }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const db = await freshDatabase(driver);
  return { env: { DATABASE_URL: db.url ?? '' }, drop: () => db.drop() };
}

/** Runs `portico <args>` in-process, as bin/portico.js does; `io` adds a clock, an abort signal, a poll interval. */
export async function portico(args: string[], env: Record<string, string>, io: Partial<Pick<CliIo, 'now' | 'signal' | 'tailPollMs' | 'stdin'>> & { onStdout?: (all: string) => void } = {}) {
  let stdout = '';
  let stderr = '';
  const { onStdout, ...rest } = io;
  const code = await runCli(args, {
    stdout: {
      write: (t: string) => {
        stdout += t;
        onStdout?.(stdout);
      },
    },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: { ...BASE_ENV, ...env },
    now: () => new Date(),
    ...rest,
  });
  return { code, stdout, stderr };
}

/** Runs fn against a Portico on the database, closing it afterwards (PGlite allows one process at a time). */
export async function withPortico<T>(env: Record<string, string>, fn: (p: Portico) => Promise<T>, overrides: PorticoOverrides = {}): Promise<T> {
  const p = await createPortico(loadConfig({ ...BASE_ENV, ...env }), { definitions: definitions(), ...overrides });
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}
