import { inUnit, type FhirRequest, type Interaction } from '../interaction.ts';
import { FhirError, issue, outcome } from '../outcome.ts';
import { parsePrefer } from '../prefer.ts';
import { findByCriteria } from '../search/criteria.ts';
import { parseETagVersion } from '../version-headers.ts';

function deleted(request: FhirRequest, diagnostics: string, headers: Record<string, string> = {}) {
  // 204 unless the client asks for an OperationOutcome (FHIR R4 http.html#delete).
  if (parsePrefer(request.headers.prefer).return === 'OperationOutcome') {
    return { status: 200, headers, body: outcome(issue('informational', diagnostics, undefined, 'information')) };
  }
  return { status: 204, headers };
}

/** DELETE [type]/[id] — idempotent: deleting what is gone or never was is 204 too. */
export const remove: Interaction = async (request, route, deps) => {
  const { resourceType = '', id = '' } = route;
  const ifMatch = parseETagVersion(request.headers.ifMatch);
  const record = await inUnit(deps, (writer) => writer.delete(resourceType, id, ifMatch));
  return record
    ? deleted(request, `Deleted ${resourceType}/${id}`, { ETag: `W/"${record.versionId}"` })
    : deleted(request, `${resourceType}/${id} did not exist or was already deleted`);
};

/** DELETE [type]?[criteria] — deletes the single match; several matches → 412. */
export const conditionalDelete: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  if (request.query.length === 0) {
    throw new FhirError(400, issue('invalid', 'DELETE on a type needs search criteria (conditional delete) or an id'));
  }
  return inUnit(deps, async (writer) => {
    const matches = await findByCriteria(resourceType, request.query, { ...deps, writer });
    if (matches.length > 1) {
      throw new FhirError(412, issue('multiple-matches', `The criteria match ${matches.length} resources; be more selective`));
    }
    const match = matches[0];
    if (!match) return deleted(request, 'No resource matched the criteria');
    const record = await writer.delete(resourceType, match.id);
    return deleted(request, `Deleted ${resourceType}/${match.id}`, record ? { ETag: `W/"${record.versionId}"` } : {});
  });
};
