import type { FhirRequest, FhirResponse, FhirSettings } from '../interaction.ts';
import { issue, outcome } from '../outcome.ts';
import { parsePrefer } from '../prefer.ts';
import type { ResourceRecord } from '../resource.ts';
import { versionHeaders } from '../version-headers.ts';

/** The response to a create or update, shaped by `Prefer: return=` (FHIR R4 http.html#ops). */
export function writeResponse(
  request: FhirRequest,
  settings: FhirSettings,
  record: ResourceRecord,
  status: 200 | 201,
  diagnostics: string,
): FhirResponse {
  const headers: Record<string, string> = {
    ...versionHeaders(record),
    Location: `${settings.baseUrl}/${record.resourceType}/${record.id}/_history/${record.versionId}`,
  };
  const prefer = parsePrefer(request.headers.prefer).return ?? 'representation';
  if (prefer === 'minimal') return { status, headers };
  if (prefer === 'OperationOutcome') {
    return { status, headers, body: outcome(issue('informational', diagnostics, undefined, 'information')) };
  }
  return { status, headers, body: record.resource };
}
