import type { LaunchTokenContext } from './launch-context.ts';

/** What an EHR launch's context is checked against: the live record (src/portico.ts answers from the FHIR store). */
export interface LaunchRecords {
  /** Whether a live (not deleted) Patient has this id. */
  patientExists(id: string): Promise<boolean>;
  /** Whether a live Encounter with this id has this patient as its subject. */
  encounterBelongsTo(encounterId: string, patientId: string): Promise<boolean>;
}

/**
 * Which part of a launch context names nothing live, or undefined when all of it does: `patient` (no such
 * Patient), `encounter` (no such Encounter of that patient, or an encounter without a patient to belong to).
 * Asked when the launch is minted and again when it is redeemed, since either may be deleted in between.
 * `fhirContext` is not checked: it may name canonicals and identifiers, which no read resolves.
 */
export async function staleLaunchContext(ctx: LaunchTokenContext, records: LaunchRecords): Promise<'patient' | 'encounter' | undefined> {
  if (ctx.patient !== undefined && !(await records.patientExists(ctx.patient))) return 'patient';
  if (ctx.encounter !== undefined && (ctx.patient === undefined || !(await records.encounterBelongsTo(ctx.encounter, ctx.patient)))) return 'encounter';
  return undefined;
}
