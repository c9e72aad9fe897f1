import type { Terminology } from '../terminology/terminology.ts';
import { badRequest, FhirError, issue, notFound } from '../outcome.ts';
import type { FhirOperation } from './operation.ts';
import { operationParameters } from './operation-parameters.ts';

/**
 * `ValueSet/$expand` (FHIR R4 valueset-operation-expand.html) for the value sets the server has, named by `url`
 * (and `valueSetVersion`): the ValueSet with its `expansion`, narrowed by `filter`, paged by `count` and `offset`.
 */
export function valueSetExpandOperation(terminology: Terminology): FhirOperation {
  return {
    name: '$expand',
    definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
    // Instance level needs stored ValueSets; this server's are its definitions', named by canonical URL.
    levels: { system: false, type: ['ValueSet'], instance: [] },
    methods: ['GET', 'POST'],
    safe: true,
    access: 'operation',
    inBundle: true,
    run: async (request, _route, deps) => {
      const params = operationParameters(request);
      const url = params.string('url');
      if (url === undefined) throw badRequest('ValueSet/$expand needs the url of the value set (url)');
      const version = params.string('valueSetVersion');
      const filter = params.string('filter');
      const count = params.count('count');
      const offset = params.count('offset');
      const result = terminology.expand(url, version, { ...(filter !== undefined ? { filter } : {}), ...(count !== undefined ? { count } : {}), ...(offset !== undefined ? { offset } : {}) });
      switch (result.kind) {
        case 'not-found':
          throw notFound(result.message);
        case 'not-enumerable':
          throw new FhirError(422, issue('not-supported', result.message));
        case 'too-costly':
          throw new FhirError(422, issue('too-costly', result.message));
      }
      const { valueSet, total, contains } = result;
      const parameter = [
        ...(filter !== undefined ? [{ name: 'filter', valueString: filter }] : []),
        ...(count !== undefined ? [{ name: 'count', valueInteger: count }] : []),
        ...(offset !== undefined ? [{ name: 'offset', valueInteger: offset }] : []),
      ];
      return {
        status: 200,
        body: {
          resourceType: 'ValueSet',
          url: valueSet.url,
          ...(valueSet.version !== undefined ? { version: valueSet.version } : {}),
          ...(valueSet.name !== undefined ? { name: valueSet.name } : {}),
          ...(valueSet.title !== undefined ? { title: valueSet.title } : {}),
          status: 'active',
          expansion: {
            identifier: `urn:uuid:${deps.newId()}`,
            timestamp: deps.now().toISOString(),
            total,
            offset: result.offset,
            ...(parameter.length ? { parameter } : {}),
            ...(contains.length ? { contains: contains.map((c) => ({ ...c })) } : {}),
          },
        },
      };
    },
  };
}
