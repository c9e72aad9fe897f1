import { inUnit, type FhirRequest, type FhirUnitDeps, type Interaction } from '../interaction.ts';
import { badRequest, FhirError, gone, issue, notFound, preconditionFailed } from '../outcome.ts';
import { readPatchDocument, type PatchDocument } from '../patch/patch-document.ts';
import type { ResourceWriter } from '../repository.ts';
import { ID_PATTERN, type Resource, type ResourceRecord } from '../resource.ts';
import { findByCriteria } from '../search/criteria.ts';
import { parseETagVersion } from '../version-headers.ts';
import { writeResponse } from './write-response.ts';

/** PATCH [type]/[id] — JSON Patch or FHIRPath Patch applied to the current version (FHIR R4 http.html#patch). */
export const patch: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  const id = route.id ?? '';
  if (!ID_PATTERN.test(id)) throw badRequest(`'${id}' is not a valid resource id`);
  const document = readPatchDocument(request.body, request.headers.contentType);
  return inUnit(deps, async (writer) => {
    const record = await writer.read(resourceType, id);
    if (!record) throw notFound(`${resourceType}/${id} is not known`);
    if (record.deleted) throw gone(`${resourceType}/${id} was deleted`);
    return patchRecord(request, deps, writer, record, document);
  });
};

/** PATCH [type]?[criteria] — conditional patch: one match is patched, none is 404, several 412 (FHIR R4 http.html#patch). */
export const conditionalPatch: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  if (request.query.length === 0) throw badRequest('PATCH on a type needs search criteria (conditional patch) or an id');
  const document = readPatchDocument(request.body, request.headers.contentType);
  return inUnit(deps, async (writer) => {
    const matches = await findByCriteria(resourceType, request.query, { ...deps, writer });
    if (matches.length > 1) {
      throw new FhirError(412, issue('multiple-matches', `The criteria match ${matches.length} resources; be more selective`));
    }
    const match = matches[0];
    if (!match) throw notFound('No resource matched the criteria');
    return patchRecord(request, deps, writer, match, document);
  });
};

/**
 * Applies the patch to the stored version and saves the result as a new version, validated as any write.
 * The patch may not change what the resource is: its type and id (a patched `meta` is the store's to stamp).
 */
async function patchRecord(request: FhirRequest, deps: FhirUnitDeps, writer: ResourceWriter, record: ResourceRecord, document: PatchDocument) {
  const { resourceType, id } = record;
  // FHIR R4 http.html#concurrency: If-Match names the version the patch was written against.
  const ifMatch = parseETagVersion(request.headers.ifMatch);
  if (ifMatch !== undefined && ifMatch !== record.versionId) {
    throw preconditionFailed(`If-Match names version ${ifMatch} but ${resourceType}/${id} is at version ${record.versionId}`);
  }
  const patched = document(record.resource as unknown as Record<string, unknown>, deps.definitions);
  const result = patched as Partial<Resource> | undefined;
  if (result?.resourceType !== resourceType) {
    throw new FhirError(422, issue('processing', `A patch may not change the resource type of ${resourceType}/${id}`, 'resourceType'));
  }
  if (result.id !== id) throw new FhirError(422, issue('processing', `A patch may not change or remove the id of ${resourceType}/${id}`, `${resourceType}.id`));
  const resource = deps.validate(patched, resourceType);
  // Saved against the version it was applied to: a write in between fails it (412) instead of being lost.
  const { record: saved } = await writer.save({ resource, mode: 'update', ifMatchVersion: record.versionId });
  return writeResponse(request, deps.settings, saved, 200, `Patched ${resourceType}/${id}`);
}
