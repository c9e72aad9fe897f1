import type { Terminology } from '../terminology/terminology.ts';
import { badRequest, notFound } from '../outcome.ts';
import type { FhirOperation } from './operation.ts';
import { operationParameters } from './operation-parameters.ts';

/**
 * `CodeSystem/$lookup` (FHIR R4 codesystem-operation-lookup.html): a code's name, display, designations and
 * properties (its parents and children in the hierarchy among them), by `system` + `code` [+ `version`] or `coding`.
 */
export function codeSystemLookupOperation(terminology: Terminology): FhirOperation {
  return {
    name: '$lookup',
    definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
    levels: { system: false, type: ['CodeSystem'], instance: [] },
    methods: ['GET', 'POST'],
    safe: true,
    access: 'operation',
    inBundle: true,
    run: async (request) => {
      const params = operationParameters(request);
      const coding = params.coding('coding');
      const system = coding?.system ?? params.string('system');
      const code = coding?.code ?? params.string('code');
      const version = coding?.version ?? params.string('version');
      if (system === undefined || code === undefined) throw badRequest('CodeSystem/$lookup needs system and code, or coding');
      const found = terminology.lookup(system, code, version);
      if (found.kind === 'not-found') throw notFound(found.message);
      return {
        status: 200,
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'name', valueString: found.name },
            ...(found.version !== undefined ? [{ name: 'version', valueString: found.version }] : []),
            ...(found.display !== undefined ? [{ name: 'display', valueString: found.display }] : []),
            ...found.designation.map((d) => ({
              name: 'designation',
              part: [
                ...(d.language !== undefined ? [{ name: 'language', valueCode: d.language }] : []),
                ...(d.use ? [{ name: 'use', valueCoding: d.use }] : []),
                { name: 'value', valueString: d.value },
              ],
            })),
            ...found.property.map((p) => ({
              name: 'property',
              part: [{ name: 'code', valueCode: p.code }, { name: 'value', [`value${p.type.charAt(0).toUpperCase()}${p.type.slice(1)}`]: p.value }],
            })),
          ],
        },
      };
    },
  };
}
