import { PATIENT_REFERENCED_TYPES, type PatientCompartment } from '../access/patient-compartment.ts';
import { FhirError, issue } from '../outcome.ts';
import type { ExportRequest } from './export-job.ts';

/**
 * The resource types an export covers (Bulk Data Access 2.0.0 §"Endpoint"): `main` types are
 * searched whole (system) or by the patients' compartments (Patient, Group); `referenced` types
 * (practitioners, organizations, locations, medications) only as the exported data references them.
 */
export interface ExportTypes {
  main: string[];
  referenced: string[];
}

/**
 * The audit trail is exported only when `_type` names AuditEvent: it grows with every request, and an export of
 * the data would otherwise carry a record of its own reads (and every earlier one) along.
 */
const ONLY_WHEN_NAMED = 'AuditEvent';

export function exportTypes(request: Pick<ExportRequest, 'level' | 'types'>, resourceTypes: ReadonlySet<string>, compartment: PatientCompartment): ExportTypes {
  if (request.level === 'system') return { main: request.types ?? [...resourceTypes].filter((t) => t !== ONLY_WHEN_NAMED).sort(), referenced: [] };
  const patientData = [...resourceTypes].filter((t) => t === 'Patient' || compartment.params(t).length > 0).sort();
  const referenced = [...PATIENT_REFERENCED_TYPES].filter((t) => resourceTypes.has(t)).sort();
  if (!request.types) return { main: patientData.filter((t) => t !== ONLY_WHEN_NAMED), referenced };
  const outside = request.types.filter((t) => !patientData.includes(t) && !referenced.includes(t));
  if (outside.length > 0) {
    throw new FhirError(
      400,
      issue('invalid', `_type ${outside.join(', ')}: a ${request.level === 'group' ? 'Group' : 'Patient'} export covers patient data and the resources it references only`, '_type'),
    );
  }
  return { main: patientData.filter((t) => request.types?.includes(t)), referenced: referenced.filter((t) => request.types?.includes(t)) };
}
