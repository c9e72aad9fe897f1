import type { RelatedPatientLookup } from '../auth/access/patient-user.ts';
import { createPatientDirectory, type PatientDirectory } from '../auth/authorize/patient-directory.ts';
import { patientDisplayName } from '../auth/grants/authorized-apps.ts';
import { parseSearchRequest } from '../fhir/search/parse-search.ts';
import type { FhirUserDirectory } from '../auth/federation/claim-mapping.ts';
import { DEFAULT_TENANT } from '../endpoints.ts';
import { createResourceStore } from '../storage/resource-store.ts';
import { storageTenant } from '../storage/tenant-key.ts';
import type { FhirWing } from './fhir-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** The FHIR records the authorization server reads: a launch's patient, the pickers' patients and encounters. */
export interface PatientRecords {
  patientExists(id: string): Promise<boolean>;
  directory: PatientDirectory;
  /** Whose patient a RelatedPerson user is (FHIR requests and authorization alike). */
  relatedPatient: RelatedPatientLookup;
  /** A patient's display name, when the record has one (the authorized-apps page). */
  patientName(id: string): Promise<string | undefined>;
  /** What an EHR's patient banner shows of a live patient: name, birth date, its first identifier. */
  patientBanner(id: string): Promise<{ name?: string; birthDate?: string; identifier?: string } | undefined>;
  /** A signed-in person's FHIR resource, as an identity provider's claims name it. */
  fhirUsers: FhirUserDirectory;
}

/**
 * One tenant's records (absent: the default one's), through FHIR read and search on the auth pool, so that signing
 * in to an app never waits behind the FHIR API's work. Live patients and their encounters, as the pickers and EHR
 * launches check them, and whose patient a RelatedPerson user is.
 */
export function buildPatientRecords(storage: StorageWing, fhir: FhirWing, { now }: Runtime, tenantId: string = DEFAULT_TENANT): PatientRecords {
  // A tenant's pickers and launches see its own records only.
  const launchContext = createResourceStore(storage.authDb, { tenant: storageTenant(tenantId), indexResource: fhir.indexResource, now });
  const directory = createPatientDirectory(async (resourceType, query) => {
    const request = parseSearchRequest(resourceType, query, { registry: fhir.searchRegistry, settings: fhir.fhir.settings, strict: true, now });
    return (await launchContext.search(request)).matches.map((match) => match.resource);
  });
  const search = async (resourceType: string, query: [string, string][]) => {
    const request = parseSearchRequest(resourceType, query, { registry: fhir.searchRegistry, settings: fhir.fhir.settings, strict: true, now });
    return (await launchContext.search(request)).matches.map((match) => match.resource);
  };
  return {
    patientExists: async (id) => (await launchContext.read('Patient', id))?.deleted === false,
    fhirUsers: {
      exists: async (resourceType, id) => (await launchContext.read(resourceType, id))?.deleted === false,
      // Three are enough to tell one from several.
      findByIdentifier: async (resourceType, system, value) =>
        (await search(resourceType, [['identifier', `${escapeToken(system)}|${escapeToken(value)}`], ['_count', '3']])).map((resource) => String(resource.id)),
    },
    directory,
    relatedPatient: (relatedPersonId) => directory.relatedPatient(relatedPersonId),
    async patientName(id) {
      const found = await launchContext.read('Patient', id);
      return found && !found.deleted ? patientDisplayName(found.resource) : undefined;
    },
    async patientBanner(id) {
      const found = await launchContext.read('Patient', id);
      if (!found || found.deleted) return undefined;
      const patient = found.resource as { birthDate?: unknown; identifier?: { system?: unknown; value?: unknown }[] };
      const name = patientDisplayName(found.resource);
      const identifier = patient.identifier?.find((i) => typeof i.value === 'string')?.value as string | undefined;
      return {
        ...(name !== undefined ? { name } : {}),
        ...(typeof patient.birthDate === 'string' ? { birthDate: patient.birthDate } : {}),
        ...(identifier !== undefined ? { identifier } : {}),
      };
    },
  };
}

/** A token search value's part with FHIR's escapes (`\\`, `\|`, `\,`, `\$`), so a claim is matched as it is. */
function escapeToken(value: string): string {
  return value.replace(/[\\|,$]/g, (c) => `\\${c}`);
}
