import type { FhirDefinitions } from './definitions.ts';
import type { FhirRequest, FhirRoute } from './interaction.ts';
import { FhirError, issue } from './outcome.ts';

/** The FHIR REST interactions (FHIR R4 http.html) a method and path can name. */
export type InteractionName =
  | 'read'
  | 'vread'
  | 'create'
  | 'update'
  | 'conditional-update'
  | 'delete'
  | 'conditional-delete'
  | 'patch'
  | 'conditional-patch'
  | 'search-type'
  | 'search-system'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'batch'
  | 'capabilities'
  | 'operation';

export interface ResolvedRoute {
  interaction: InteractionName;
  route: FhirRoute;
}

const OPERATION = /^\$[A-Za-z][\w-]*$/;

/**
 * Names the FHIR interaction a method and path ask for (FHIR R4 http.html), or throws the
 * FhirError the client should see (404 for an unknown type, 405 for a method the path does not take).
 */
export function resolveRoute(method: FhirRequest['method'], path: string, deps: { definitions: Pick<FhirDefinitions, 'resourceTypes'> }): ResolvedRoute {
  let segments: string[];
  try {
    segments = path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  } catch {
    throw new FhirError(400, issue('invalid', `Malformed URL path: ${path}`));
  }
  // PostgreSQL text cannot hold NUL; no type, id or version does. The HTTP edge refuses it in the request's
  // own URL; a Bundle entry's request.url is decoded only here.
  if (segments.some((s) => s.includes('\0'))) throw new FhirError(400, issue('invalid', 'The URL path holds a NUL character (U+0000)'));
  const m = method === 'HEAD' ? 'GET' : method;
  const [first, second, third, fourth, ...rest] = segments;
  const notAllowed = (): never => {
    throw new FhirError(405, issue('not-supported', `${method} is not supported on /${segments.join('/')}`));
  };
  const pick = (table: Partial<Record<string, InteractionName>>, route: FhirRoute = {}): ResolvedRoute => {
    const interaction = table[m];
    return interaction ? { interaction, route } : notAllowed();
  };

  if (first === undefined) return pick({ GET: 'search-system', POST: 'batch' });
  if (rest.length > 0) throw unknownPath(segments);
  if (second === undefined) {
    if (first === 'metadata') return pick({ GET: 'capabilities' });
    if (first === '_history') return pick({ GET: 'history-system' });
    if (first === '_search') return pick({ POST: 'search-system' });
    if (OPERATION.test(first)) return { interaction: 'operation', route: { operation: first } };
  }
  const resourceType = first;
  if (!deps.definitions.resourceTypes.has(resourceType)) {
    throw new FhirError(404, issue('not-supported', `Unknown resource type '${resourceType}'`));
  }
  if (second === undefined) {
    return pick({ GET: 'search-type', POST: 'create', PUT: 'conditional-update', DELETE: 'conditional-delete', PATCH: 'conditional-patch' }, { resourceType });
  }
  if (third === undefined) {
    if (second === '_search') return pick({ POST: 'search-type' }, { resourceType });
    if (second === '_history') return pick({ GET: 'history-type' }, { resourceType });
    if (OPERATION.test(second)) return { interaction: 'operation', route: { resourceType, operation: second } };
    return pick({ GET: 'read', PUT: 'update', DELETE: 'delete', PATCH: 'patch' }, { resourceType, id: second });
  }
  if (third === '_history') {
    if (fourth === undefined) return pick({ GET: 'history-instance' }, { resourceType, id: second });
    return pick({ GET: 'vread' }, { resourceType, id: second, versionId: fourth });
  }
  if (fourth === undefined && OPERATION.test(third)) {
    return { interaction: 'operation', route: { resourceType, id: second, operation: third } };
  }
  throw unknownPath(segments);
}

function unknownPath(segments: string[]): FhirError {
  return new FhirError(404, issue('not-found', `No FHIR interaction at /${segments.join('/')}`));
}
