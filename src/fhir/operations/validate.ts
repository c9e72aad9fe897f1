import { readerOf, type FhirRequest, type FhirRoute, type FhirUnitDeps } from '../interaction.ts';
import { badRequest, gone, issue, notFound, outcome, type OutcomeIssue } from '../outcome.ts';
import type { FhirOperation } from './operation.ts';

/** FHIR R4 resource-operation-validate.html: what the validation is for. */
type ValidateMode = 'create' | 'update' | 'delete';
const MODES = new Set<string>(['create', 'update', 'delete']);

/** The operation's inputs, from the URL and the body (a resource, or a Parameters naming it). */
interface ValidateInput {
  resource?: unknown;
  mode?: ValidateMode;
  profile?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `$validate` (FHIR R4 resource-operation-validate.html): `[type]/$validate` and `[type]/[id]/$validate`, by POST
 * with the resource (or a Parameters holding `resource`, `mode`, `profile`) or by GET for the stored one. It
 * answers 200 with an OperationOutcome of every issue found, warnings too, each at its element's FHIRPath, and
 * stores nothing. A body that is not a resource is 400.
 */
export function validateOperation(resourceTypes: Iterable<string>): FhirOperation {
  const types = [...resourceTypes];
  return {
    name: '$validate',
    definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    levels: { system: false, type: types, instance: types },
    methods: ['GET', 'POST'],
    safe: true,
    // Decided as the operation on the type (and id); the stored resource is read within what that reaches.
    access: 'operation',
    inBundle: true,
    run: async (request, route, deps) => {
      const input = readInput(request, route.resourceType ?? '');
      const resourceType = route.resourceType ?? '';
      if (input.mode === 'delete') return { status: 200, body: answer(await deletable(route, input, deps)) };
      const resource = input.resource ?? (await storedResource(route, deps));
      const report = deps.inspect(resource, { purpose: 'validate', expectedType: resourceType, ...(input.profile !== undefined ? { profiles: [input.profile] } : {}) });
      const issues = [...identityIssues(input.mode, route, resource), ...report.issues];
      return { status: 200, body: answer(issues) };
    },
  };
}

/** The inputs: `mode` and `profile` from the query or a Parameters body; the resource from the body. */
function readInput(request: FhirRequest, resourceType: string): ValidateInput {
  const input: ValidateInput = {};
  const setMode = (mode: unknown) => {
    if (typeof mode !== 'string' || !MODES.has(mode)) throw badRequest(`$validate mode must be create, update or delete, not ${JSON.stringify(mode)}`);
    input.mode = mode as ValidateMode;
  };
  const setProfile = (profile: unknown) => {
    if (typeof profile !== 'string' || profile === '') throw badRequest('$validate profile must be a canonical URL');
    input.profile = profile;
  };
  for (const [name, value] of request.query) {
    if (name === 'mode') setMode(value);
    else if (name === 'profile') setProfile(value);
  }
  const body = request.body;
  if (body === undefined) return input;
  // A Parameters body is the operation's parameters, unless it is the Parameters resource being validated.
  const parameters = isObject(body) && body.resourceType === 'Parameters' && Array.isArray(body.parameter) ? body.parameter.filter(isObject) : undefined;
  if (parameters && (resourceType !== 'Parameters' || parameters.some((p) => p.name === 'resource'))) {
    for (const parameter of parameters) {
      if (parameter.name === 'resource') input.resource = parameter.resource;
      else if (parameter.name === 'mode') setMode(parameter.valueCode ?? parameter.valueString);
      else if (parameter.name === 'profile') setProfile(parameter.valueUri ?? parameter.valueCanonical ?? parameter.valueString);
    }
    if (!('resource' in input) && input.mode !== 'delete') throw badRequest('$validate Parameters need a resource parameter');
    return input;
  }
  input.resource = body;
  return input;
}

/** The stored resource `[type]/[id]/$validate` names, when no body gives one. */
async function storedResource(route: FhirRoute, deps: FhirUnitDeps): Promise<unknown> {
  const { resourceType = '', id } = route;
  if (id === undefined) throw badRequest(`${resourceType}/$validate needs the resource to validate in its body`);
  const record = await readerOf(deps).read(resourceType, id);
  if (!record) throw notFound(`${resourceType}/${id} is not known`);
  if (record.deleted) throw gone(`${resourceType}/${id} was deleted`);
  return record.resource;
}

/** mode=update: the resource must carry the id it would be stored under (FHIR R4 http.html#update). */
function identityIssues(mode: ValidateMode | undefined, route: FhirRoute, resource: unknown): OutcomeIssue[] {
  if (mode !== 'update' || !isObject(resource)) return [];
  const where = `${route.resourceType}.id`;
  if (typeof resource.id !== 'string') return [issue('required', 'An update needs the resource id in the resource', where)];
  if (route.id !== undefined && resource.id !== route.id) return [issue('invalid', `The resource id '${resource.id}' does not match the id in the URL '${route.id}'`, where)];
  return [];
}

/** mode=delete: whether the resource may be deleted; here, whether it exists (deleting is otherwise always allowed). */
async function deletable(route: FhirRoute, input: ValidateInput, deps: FhirUnitDeps): Promise<OutcomeIssue[]> {
  const resourceType = route.resourceType ?? '';
  const id = route.id ?? (isObject(input.resource) && typeof input.resource.id === 'string' ? input.resource.id : undefined);
  if (id === undefined) throw badRequest('$validate with mode delete needs the resource id, in the URL or the resource');
  const record = await readerOf(deps).read(resourceType, id);
  return record && !record.deleted ? [] : [issue('not-found', `${resourceType}/${id} does not exist, so it cannot be deleted`, resourceType)];
}

/** The OperationOutcome: every issue, or one `information` "All OK" when there is none. */
function answer(issues: readonly OutcomeIssue[]) {
  return issues.length > 0 ? outcome(...issues) : outcome(issue('informational', 'All OK', undefined, 'information'));
}
