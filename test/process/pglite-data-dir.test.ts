import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { startServerProcess } from '../support/processes.ts';
import { escape, runToExit } from '../support/run-to-exit.ts';

/** DATA_DIRs made by PGlite, the embedded default before embedded PostgreSQL: kept, or moved by portico migrate-data. */
describe('a PGlite DATA_DIR under the embedded PostgreSQL default', { skip: process.platform === 'win32' ? 'POSIX process handling' : false }, () => {
it('a DATA_DIR made by PGlite keeps PGlite when DATABASE is unset, is refused for DATABASE=embedded-postgres, and portico migrate-data moves it', async () => {
    const pgliteDir = await mkdtemp(join(tmpdir(), 'portico-pglite-dir-'));
    await chmod(pgliteDir, 0o755);
    try {
      const made = await startServerProcess({ DATA_DIR: pgliteDir, DATABASE: 'pglite' });
      const created = await fetch(`${made.baseUrl}/fhir/Patient`, {
        method: 'POST',
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Migrated' }] }),
      });
      assert.equal(created.status, 201);
      const id = ((await created.json()) as { id: string }).id;
      // PGlite's own shutdown is not what this tests (see test/process/shutdown.test.ts): waited for, not judged.
      made.child.kill('SIGTERM');
      await made.exited;

      const kept = await startServerProcess({ DATA_DIR: pgliteDir });
      assert.match(kept.output(), new RegExp(`embedded PGlite in ${escape(pgliteDir)}\\)`));
      assert.match(kept.output(), /Note: DATA_DIR .* holds a PGlite database: Portico keeps using PGlite there; to move its data to embedded PostgreSQL, run: portico migrate-data/);
      kept.child.kill('SIGTERM');
      await kept.exited;
      await assert.rejects(stat(join(pgliteDir, 'postgres')), 'no embedded PostgreSQL was made beside it');

      const refused = await runToExit(['src/main.ts'], { DATA_DIR: pgliteDir, DATABASE: 'embedded-postgres' });
      assert.equal(refused.code, 1);
      assert.match(refused.output, /DATABASE=embedded-postgres, but DATA_DIR .* holds a PGlite database: set DATABASE=pglite/);

      const migrated = await runToExit(['src/cli/portico.ts', 'migrate-data'], { DATA_DIR: pgliteDir });
      assert.equal(migrated.code, 0, migrated.output);
      assert.match(migrated.output, /resource: [1-9]\d* rows/);
      assert.ok((await readdir(join(pgliteDir, 'pglite-before-migration'))).includes('PG_VERSION'), "PGlite's files moved aside");

      const moved = await startServerProcess({ DATA_DIR: pgliteDir });
      assert.match(moved.output(), /embedded PostgreSQL in /);
      assert.doesNotMatch(moved.output(), /Note:/);
      const read = await fetch(`${moved.baseUrl}/fhir/Patient/${id}`, { headers: { authorization: ROOT_AUTHORIZATION } });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { name: { family: string }[] }).name[0]?.family, 'Migrated');
      const another = await fetch(`${moved.baseUrl}/fhir/Patient`, {
        method: 'POST',
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'AfterMigration' }] }),
      });
      assert.equal(another.status, 201, 'sequences carried over: new rows do not collide');
      moved.child.kill('SIGTERM');
      assert.equal(await moved.exited, 0);
    } finally {
      await rm(pgliteDir, { recursive: true, force: true });
    }
  });
});
