import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/database.ts';
import { drivers, freshDatabase } from '../support/portico.ts';

const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function portico(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // Only what the CLI reads: no DATABASE_URL leaking in from the caller.
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('portico CLI arguments', { concurrency: true }, () => {
  it('prints help with exit code 0', async () => {
    const run = await portico(['seed', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--patients N/);
  });

  for (const [args, message] of [
    [['seed'], /--patients is required/],
    [['seed', '--patients', 'ten'], /--patients must be a whole number/],
    [['seed', '--patients', '0'], /--patients must be a whole number/],
    [['seed', '--patients', '5', '--batch-size', '-1'], /batch-size/],
    [['seed', '--patients', '5', '--frobnicate'], /Unknown option/],
    [['seed', '--patients', '5', '--database-url', 'mysql://x'], /DATABASE_URL/],
    [['seed', '--patients', '5', '--seed', 'has space'], /--seed/],
    [['reticulate'], /Unknown command/],
  ] as const) {
    it(`rejects ${args.join(' ')} with exit code 2`, async () => {
      const run = await portico([...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }
});

for (const driver of drivers) {
  describe(`portico seed (${driver})`, () => {
    it('seeds, resumes a larger run without duplicates, and a re-run writes nothing', async () => {
      const database = await freshDatabase(driver);
      const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
      const env = { DATA_DIR: dir, ...(database.url ? {} : { DATABASE: 'pglite' }) };
      const target = database.url ? ['--database-url', database.url] : [];
      try {
        const first = await portico(['seed', '--patients', '2', '--batch-size', '1', ...target], env);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /Seeded 2 patients \(\d+ resources\)/);
        assert.match(first.stderr, /2\/2 patients/, 'progress on stderr');

        const second = await portico(['seed', '--patients', '3', ...target], env);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /Seeded 1 patients .*2 patients were already present/);

        const third = await portico(['seed', '--patients', '3', ...target], env);
        assert.equal(third.code, 0, third.stderr);
        assert.match(third.stdout, /Seeded 0 patients \(0 resources\).*3 patients were already present/);

        const db = await openDatabase({ databaseUrl: database.url, dataDir: dir, poolSize: 1 });
        try {
          const [row] = await db.query<{ resources: string; versions: string; patients: string; pt3: string }>(
            `SELECT (SELECT count(*) FROM resource)::text AS resources,
                    (SELECT count(*) FROM resource_version)::text AS versions,
                    (SELECT count(*) FROM resource WHERE resource_type = 'Patient')::text AS patients,
                    (SELECT count(*) FROM resource WHERE id LIKE 'pt-00003-%')::text AS pt3`,
          );
          assert.equal(row?.patients, '3');
          assert.equal(row?.versions, row?.resources, 'every resource written once');
          assert.ok(Number(row?.pt3) > 40, 'the third patient has its clinical data');
        } finally {
          await db.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
        await database.drop();
      }
    });
  });
}
