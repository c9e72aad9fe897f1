import type { Config } from '../config.ts';
import { buildPatientCompartment, type PatientCompartment } from '../fhir/access/patient-compartment.ts';
import { buildCapabilityStatement } from '../fhir/capability-statement.ts';
import { loadDefinitions, type FhirDefinitions } from '../fhir/definitions.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import type { ResourceRepository } from '../fhir/repository.ts';
import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import { createFhirAuditor } from '../fhir/audit/fhir-auditor.ts';
import { createIndexer } from '../fhir/search/indexer.ts';
import { createSearchParameterRegistry, type SearchParameterRegistry } from '../fhir/search/registry.ts';
import type { Resource } from '../fhir/resource.ts';
import { shippedTerminology } from '../fhir/terminology/shipped-terminology.ts';
import { shippedProfiles } from '../fhir/validation/checks/profiles.ts';
import { createResourceValidation } from '../fhir/validation/validate-resource.ts';
import { validationChecks } from '../fhir/validation/validation-checks.ts';
import { createAuditLog } from '../storage/audit/audit-log-store.ts';
import { createResourceStore } from '../storage/resource-store.ts';
import { storageTenant } from '../storage/tenant-key.ts';
import { DEFAULT_TENANT } from '../endpoints.ts';
import { withAuditEventParams } from '../fhir/audit/audit-event-registry.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

export interface FhirWing {
  definitions: FhirDefinitions;
  searchRegistry: SearchParameterRegistry;
  indexResource: (resource: Resource) => SearchIndexRows;
  compartment: PatientCompartment;
  /** Resources on the FHIR pool (reads outside a unit of work on the replica's, when there is one). */
  repository: ResourceRepository;
  /** What the FHIR API runs on. */
  fhir: FhirDeps;
}

export interface FhirWingInputs {
  storage: StorageWing;
  /** Definitions are immutable; tests share one copy across apps. Absent: loaded here. */
  definitions: FhirDefinitions | undefined;
  /** The CapabilityStatement's rest[0].security, from the authorization server's discovery. */
  security: Record<string, unknown>;
}

/** The FHIR API: the R4 definitions, search, validation and the resource store. */
export function buildFhirWing(config: Config, { storage, definitions = loadDefinitions(), security }: FhirWingInputs, { now, newId }: Runtime): FhirWing {
  const fullRegistry = createSearchParameterRegistry(definitions);
  const indexResource = createIndexer(fullRegistry);
  // AuditEvent is searched on the audit trail's columns: only the parameters it answers.
  const searchRegistry = withAuditEventParams(fullRegistry);
  const compartment = buildPatientCompartment(definitions);
  const terminology = shippedTerminology(shippedProfiles());
  const validation = createResourceValidation(definitions, validationChecks({ definitions, settings: config.fhir.validation, terminology }), config.fhir.validation);
  const repository = createResourceStore(storage.db, { indexResource, now, ...(storage.readDb ? { replica: storage.readDb } : {}) });
  const fhir: FhirDeps = {
    repository,
    // Read on the primary: an event is searched right after it was recorded (a replica may not have it yet).
    auditLog: createAuditLog(storage.db, { tenant: storageTenant(DEFAULT_TENANT) }),
    definitions,
    searchRegistry,
    settings: {
      baseUrl: config.fhirBaseUrl,
      defaultPageSize: config.fhir.defaultPageSize,
      maxPageSize: config.fhir.maxPageSize,
      maxBundleEntries: config.fhir.maxBundleEntries,
      maxIncludes: config.fhir.maxIncludes,
    },
    validate: validation.validate,
    inspect: validation.inspect,
    terminology,
    newId,
    now,
    capabilityStatement: buildCapabilityStatement({ definitions, searchRegistry, baseUrl: config.fhirBaseUrl, date: now(), security }),
    audit: createFhirAuditor({ trail: storage.audit, tenant: DEFAULT_TENANT, site: config.fhirBaseUrl, definitions, compartment, indexer: indexResource }),
  };
  return { definitions, searchRegistry, indexResource, compartment, repository, fhir };
}
