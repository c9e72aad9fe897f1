import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { loadDefinitions, type FhirDefinitions } from './fhir/definitions.ts';
import type { FhirDeps } from './fhir/interaction.ts';
import type { ResourceRepository } from './fhir/repository.ts';
import { createIndexer } from './fhir/search/indexer.ts';
import { createValidator } from './fhir/validation/validate-resource.ts';
import { buildApp } from './http/app.ts';
import { openDatabase, type Database } from './storage/database.ts';
import { migrate } from './storage/migrate.ts';
import { createResourceStore } from './storage/resource-store.ts';

export interface Portico {
  app: FastifyInstance;
  db: Database;
  repository: ResourceRepository;
  definitions: FhirDefinitions;
  fhir: FhirDeps;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export interface PorticoOverrides {
  now?: () => Date;
  newId?: () => string;
  /** Definitions are immutable; tests share one copy across apps. */
  definitions?: FhirDefinitions;
}

/** Composition: config → storage → domain → HTTP app. Nothing is global; everything is passed in. */
export async function createPortico(config: Config, overrides: PorticoOverrides = {}): Promise<Portico> {
  const now = overrides.now ?? (() => new Date());
  const newId = overrides.newId ?? randomUUID;
  const definitions = overrides.definitions ?? loadDefinitions();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  try {
    await migrate(db);
    const repository = createResourceStore(db, { indexResource: createIndexer(definitions), now });
    const fhir: FhirDeps = {
      repository,
      definitions,
      settings: { baseUrl: config.fhirBaseUrl, defaultPageSize: config.fhir.defaultPageSize, maxPageSize: config.fhir.maxPageSize },
      validate: createValidator(definitions),
      newId,
      now,
    };
    const app = await buildApp({
      fhir,
      ping: () => db.ping(),
      logLevel: config.logLevel,
      maxBodyBytes: config.fhir.maxBodyBytes,
      maxJsonDepth: config.fhir.maxJsonDepth,
    });
    return {
      app,
      db,
      repository,
      definitions,
      fhir,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
