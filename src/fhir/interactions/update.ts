import { inUnit, type FhirRequest, type FhirUnitDeps, type Interaction } from '../interaction.ts';
import type { ResourceWriter } from '../repository.ts';
import { FhirError, badRequest, issue } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import { ID_PATTERN } from '../resource.ts';
import { findByCriteria } from '../search/criteria.ts';
import { parseETagVersion } from '../version-headers.ts';
import { writeResponse } from './write-response.ts';

/** PUT [type]/[id] — update, or create with the client's id (update-as-create). */
export const update: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  const id = route.id ?? '';
  if (!ID_PATTERN.test(id)) throw badRequest(`'${id}' is not a valid resource id`);
  const resource = deps.validate(request.body, resourceType);
  if (resource.id === undefined) throw badRequest('The resource must carry an id equal to the id in the URL', `${resourceType}.id`);
  if (resource.id !== id) {
    throw badRequest(`The resource id '${resource.id}' does not match the id in the URL '${id}'`, `${resourceType}.id`);
  }
  return inUnit(deps, (writer) => save(request, deps, writer, resource));
};

/** PUT [type]?[criteria] — conditional update (FHIR R4 http.html#cond-update). */
export const conditionalUpdate: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  if (request.query.length === 0) throw badRequest('PUT on a type needs search criteria (conditional update) or an id');
  const resource = deps.validate(request.body, resourceType);
  return inUnit(deps, async (writer) => {
    const matches = await findByCriteria(resourceType, request.query, { ...deps, writer });
    if (matches.length > 1) {
      throw new FhirError(412, issue('multiple-matches', `The criteria match ${matches.length} resources; be more selective`));
    }
    const match = matches[0];
    if (match) {
      if (resource.id !== undefined && resource.id !== match.id) {
        throw badRequest(`The resource id '${resource.id}' does not match the resource the criteria found (${match.id})`, `${resourceType}.id`);
      }
      return save(request, deps, writer, { ...resource, id: match.id });
    }
    return save(request, deps, writer, { ...resource, id: resource.id ?? deps.newId() });
  });
};

async function save(request: FhirRequest, deps: FhirUnitDeps, writer: ResourceWriter, resource: Resource) {
  const ifMatchVersion = parseETagVersion(request.headers.ifMatch);
  const { record, created } = await writer.save({
    resource,
    mode: 'update',
    ...(ifMatchVersion !== undefined ? { ifMatchVersion } : {}),
  });
  return writeResponse(
    request,
    deps.settings,
    record,
    created ? 201 : 200,
    `${created ? 'Created' : 'Updated'} ${record.resourceType}/${record.id}`,
  );
}
