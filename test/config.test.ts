import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('settings', () => {
  it('defaults to sandbox on port 8080 with embedded PostgreSQL in ./data and the demo seed', () => {
    const config = loadConfig({});
    assert.equal(config.mode, 'sandbox');
    assert.equal(config.port, 8080);
    assert.equal(config.baseUrl, 'http://localhost:8080');
    assert.equal(config.fhirBaseUrl, 'http://localhost:8080/fhir');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.dataDir, './data');
    assert.equal(config.database, 'embedded-postgres');
    assert.deepEqual(config.admin, { clientId: 'root', clientSecret: 'secret' });
    assert.equal(config.seed, 'demo');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.fhir));
  });

  it('takes BASE_URL without its trailing slash', () => {
    assert.equal(loadConfig({ BASE_URL: 'https://ehr.example.org/' }).fhirBaseUrl, 'https://ehr.example.org/fhir');
  });

  it('lists every bad value at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', MODE: 'staging', DATABASE_URL: 'mysql://x', BASE_URL: 'ftp://x' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        for (const name of ['PORT', 'MODE', 'DATABASE_URL', 'BASE_URL']) assert.match(text, new RegExp(name));
        return true;
      },
    );
  });

  it('refuses production without admin credentials and a public URL: no fallback secrets', () => {
    assert.throws(() => loadConfig({ MODE: 'production' }), /ADMIN_CLIENT_ID[\s\S]*ADMIN_CLIENT_SECRET[\s\S]*BASE_URL/);
    const ok = loadConfig({ MODE: 'production', ADMIN_CLIENT_ID: 'a', ADMIN_CLIENT_SECRET: 'a'.repeat(32), BASE_URL: 'https://x.org', SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64) });
    assert.equal(ok.seed, 'none');
  });

  it('TRUST_PROXY: off by default; true, or the proxies\' addresses and CIDRs; anything else refused', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00::/8,loopback' }).trustProxy, ['10.0.0.5', '10.1.0.0/16', 'fd00::/8', 'loopback']);
    for (const bad of ['yes', '2', '10.0.0.0/33', '10.0.0.1/8/8', 'proxy.example.org', ',', '::1/129']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), (err: unknown) => err instanceof ConfigError && /TRUST_PROXY/.test(err.problems.join()), bad);
    }
  });

  it('WORKERS: 1 by default, a number or auto (the cores) on PostgreSQL, embedded or not; more than one with PGlite refused', () => {
    const pg = { DATABASE_URL: 'postgres://u@127.0.0.1/db' };
    assert.equal(loadConfig({}).workers, 1);
    assert.equal(loadConfig({ ...pg, WORKERS: '3' }).workers, 3);
    assert.equal(loadConfig({ ...pg, WORKERS: 'auto' }).workers, availableParallelism());
    for (const bad of ['0', 'two', '-1']) {
      assert.throws(() => loadConfig({ ...pg, WORKERS: bad }), (err: unknown) => err instanceof ConfigError && /WORKERS/.test(err.problems.join()), bad);
    }
    // Embedded PostgreSQL (the default) is a server the workers share; PGlite is one process.
    assert.equal(loadConfig({ WORKERS: '2' }).workers, 2);
    for (const pglite of [{ DATABASE: 'pglite' }, { DATA_DIR: 'memory://' }]) {
      assert.throws(() => loadConfig({ ...pglite, WORKERS: '2' }), (err: unknown) => err instanceof ConfigError && /WORKERS=2 needs PostgreSQL/.test(err.problems.join()));
    }
  });

  it('DATABASE_READ_URL: a postgres:// URL beside DATABASE_URL, never repeated in a message', () => {
    const replica = 'postgres://u:hunter2@127.0.0.1:5433/db';
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', DATABASE_READ_URL: replica }).databaseReadUrl, replica);
    assert.equal(loadConfig({}).databaseReadUrl, undefined);
    assert.throws(() => loadConfig({ DATABASE_READ_URL: replica }), (err: unknown) => err instanceof ConfigError && /needs DATABASE_URL/.test(err.problems.join()) && !err.message.includes('hunter2'));
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', DATABASE_READ_URL: 'mysql://u:hunter2@h/db' }), (err: unknown) => err instanceof ConfigError && /DATABASE_READ_URL/.test(err.message) && !err.message.includes('hunter2'));
  });

  it('AUDIT_RETENTION_DAYS: six years by default, a whole number of days from 1', () => {
    assert.equal(loadConfig({}).audit.retentionDays, 2190);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '1' }).audit.retentionDays, 1);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '3650' }).audit.retentionDays, 3650);
    for (const bad of ['0', '-1', '1.5', 'forever', '99999999']) {
      assert.throws(() => loadConfig({ AUDIT_RETENTION_DAYS: bad }), (err: unknown) => err instanceof ConfigError && /AUDIT_RETENTION_DAYS/.test(err.problems.join()), bad);
    }
  });

  it('refuses a default page size above the maximum', () => {
    assert.throws(() => loadConfig({ FHIR_DEFAULT_PAGE_SIZE: '50', FHIR_MAX_PAGE_SIZE: '10' }), /FHIR_DEFAULT_PAGE_SIZE/);
  });

  it('export files go to <DATA_DIR>/exports with PGlite on disk, to the database with PostgreSQL or in memory', () => {
    const pglite = loadConfig({ DATA_DIR: '/var/lib/portico' });
    assert.equal(pglite.bulkExport.files, 'directory');
    assert.equal(pglite.bulkExport.directory, '/var/lib/portico/exports');
    const postgres = loadConfig({ DATA_DIR: '/var/lib/portico', DATABASE_URL: 'postgres://db/portico' });
    assert.equal(postgres.bulkExport.files, 'database');
    const inMemory = loadConfig({ DATA_DIR: 'memory://' }).bulkExport;
    assert.equal(inMemory.files, 'database');
    assert.equal(inMemory.directory, undefined, 'nothing on disk: no directory for removals to clean');
    const chosen = loadConfig({ DATABASE_URL: 'postgres://db/portico', BULK_EXPORT_FILES: 'directory', BULK_EXPORT_DIR: '/shared/exports' });
    assert.equal(chosen.bulkExport.files, 'directory');
    assert.equal(chosen.bulkExport.directory, '/shared/exports');
    assert.throws(() => loadConfig({ DATA_DIR: 'memory://', BULK_EXPORT_FILES: 'directory' }), /BULK_EXPORT_FILES=directory needs BULK_EXPORT_DIR/);
    assert.throws(() => loadConfig({ BULK_EXPORT_FILES: 'disk' }), /BULK_EXPORT_FILES="disk"/);
  });

  it('npm start with a bad value prints a clear message and exits 2', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '99999', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
    });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Invalid configuration/);
    assert.match(res.stderr, /PORT="99999"/);
    assert.match(res.stderr, /LOG_LEVEL="loud"/);
  });
});
