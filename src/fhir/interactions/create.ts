import { inUnit, type Interaction } from '../interaction.ts';
import { FhirError, badRequest, issue } from '../outcome.ts';
import { findByCriteria } from '../search/criteria.ts';
import { writeResponse } from './write-response.ts';

/** POST [type] — create with a server-assigned id; conditional with If-None-Exist. */
export const create: Interaction = async (request, route, deps) => {
  const resourceType = route.resourceType ?? '';
  const resource = deps.validate(request.body, resourceType);
  return inUnit(deps, async (writer) => {
    const criteria = request.headers.ifNoneExist;
    if (criteria !== undefined) {
      if (criteria.replace(/^.*\?/, '').trim() === '') throw badRequest('If-None-Exist needs search criteria');
      // FHIR R4 http.html#ccreate: one match → 200 with it, several → 412, none → create.
      const matches = await findByCriteria(resourceType, criteria, { ...deps, writer });
      if (matches.length > 1) {
        throw new FhirError(412, issue('multiple-matches', `If-None-Exist criteria '${criteria}' match ${matches.length} resources`));
      }
      const existing = matches[0];
      if (existing) return writeResponse(request, deps.settings, existing, 200, `${resourceType}/${existing.id} already matches; nothing created`);
    }
    // The server assigns the id; any id in the body is ignored (FHIR R4 http.html#create).
    const { record } = await writer.save({ resource: { ...resource, id: deps.newId() }, mode: 'create' });
    return writeResponse(request, deps.settings, record, 201, `Created ${resourceType}/${record.id}`);
  });
};
