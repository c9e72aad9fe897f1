import type { ExportLevel } from '../bulk/export-job.ts';
import type { ExportService } from '../bulk/export-service.ts';
import { FhirError, issue } from '../outcome.ts';
import type { FhirOperation } from './operation.ts';

/**
 * Bulk Data Access 2.0.0 kick-off: `[base]/$export`, `Patient/$export`, `Group/[id]/$export`. It answers 202
 * with the new job's status URL; the status, file and cancel URLs that follow are the job's own, not operations.
 */
export function exportOperation(service: Pick<ExportService, 'kickOff'>): FhirOperation {
  return {
    name: '$export',
    // Bulk Data Access 2.0.0 defines one OperationDefinition per level; the statement lists each where it applies.
    definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
    typeDefinitions: {
      Patient: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
      Group: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
    },
    levels: { system: true, type: ['Patient'], instance: ['Group'] },
    methods: ['GET', 'POST'],
    safe: false,
    // Each type exported is decided as a search of it, and a Group export's Group as a read of it.
    access: 'per-resource-type',
    // The job it starts lies outside the request's unit of work: a transaction could not take it back.
    inBundle: false,
    run: async (request, route, deps) => {
      if (deps.requester === undefined) throw new FhirError(401, issue('login', 'this FHIR server needs an access token (Authorization: Bearer)'));
      const level: ExportLevel = route.resourceType === undefined ? 'system' : route.id === undefined ? 'patient' : 'group';
      const { accept, prefer } = request.headers;
      const { statusUrl } = await service.kickOff(
        {
          level,
          ...(route.id !== undefined ? { groupId: route.id } : {}),
          method: request.method === 'POST' ? 'POST' : 'GET',
          relativeUrl: request.rawQuery !== undefined ? `${request.path}?${request.rawQuery}` : request.path,
          query: request.query,
          body: request.body,
          ...(accept !== undefined ? { accept } : {}),
          ...(prefer !== undefined ? { prefer } : {}),
        },
        { clientKey: deps.requester, ...(deps.access ? { access: deps.access } : {}) },
      );
      // Bulk Data Access 2.0.0 §"Response - Success": 202 and the absolute status URL.
      return { status: 202, headers: { 'Content-Location': statusUrl } };
    },
  };
}
