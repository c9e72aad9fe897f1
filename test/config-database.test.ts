import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('settings: which database', () => {
  it('DATABASE picks the embedded database; unset it is embedded PostgreSQL, and says it was not chosen', () => {
    assert.deepEqual(pick(loadConfig({ DATA_DIR: '/var/lib/portico' })), { database: 'embedded-postgres', databaseDefaulted: true, databaseUrl: undefined });
    assert.deepEqual(pick(loadConfig({ DATA_DIR: '/var/lib/portico', DATABASE: 'pglite' })), { database: 'pglite', databaseDefaulted: false, databaseUrl: undefined });
    assert.deepEqual(pick(loadConfig({ DATA_DIR: '/var/lib/portico', DATABASE: 'embedded-postgres' })), { database: 'embedded-postgres', databaseDefaulted: false, databaseUrl: undefined });
  });

  it('memory:// is PGlite in memory; DATABASE=embedded-postgres there is refused', () => {
    assert.equal(loadConfig({ DATA_DIR: 'memory://' }).database, 'pglite');
    assert.equal(loadConfig({ DATA_DIR: 'memory://', DATABASE: 'pglite' }).database, 'pglite');
    assert.throws(() => loadConfig({ DATA_DIR: 'memory://', DATABASE: 'embedded-postgres' }), (err) => err instanceof ConfigError && /DATABASE=embedded-postgres needs a directory/.test(err.message));
  });

  it('DATABASE_URL alone selects that PostgreSQL; with DATABASE as well, the two are refused, the URL not shown', () => {
    const url = 'postgres://portico:hunter2@db/portico';
    assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
    for (const database of ['pglite', 'embedded-postgres']) {
      assert.throws(
        () => loadConfig({ DATABASE_URL: url, DATABASE: database }),
        (err) => err instanceof ConfigError && err.message.includes(`DATABASE=${database} and DATABASE_URL both name the database`) && !err.message.includes('hunter2'),
      );
    }
  });

  it('an unknown DATABASE is refused with the values it may take', () => {
    assert.throws(() => loadConfig({ DATABASE: 'sqlite' }), (err) => err instanceof ConfigError && /DATABASE="sqlite".*"embedded-postgres"\|"pglite"/.test(err.message));
  });
});

const pick = (c: ReturnType<typeof loadConfig>) => ({ database: c.database, databaseDefaulted: c.databaseDefaulted, databaseUrl: c.databaseUrl });
