import type { FhirRequest, FhirRoute } from '../interaction.ts';
import { badRequest, notFound } from '../outcome.ts';
import type { Terminology, ValidateCodeResult } from '../terminology/terminology.ts';
import { UCUM_SYSTEM } from '../terminology/ucum.ts';
import type { FhirOperation } from './operation.ts';
import { operationParameters, type OperationParameters } from './operation-parameters.ts';

type CodingInput = { system?: string; code?: string; version?: string; display?: string };

/**
 * `ValueSet/$validate-code` and `CodeSystem/$validate-code` (FHIR R4 valueset-operation-validate-code.html,
 * codesystem-operation-validate-code.html): whether a code (`code` + `system`, a `coding`, or a
 * `codeableConcept`, any of whose codings will do) is in the value set or code system named by `url`.
 * `result` is false too when the server cannot decide (a value set drawing on SNOMED CT or LOINC): `message` says so.
 */
export function validateCodeOperation(terminology: Terminology): FhirOperation {
  return {
    name: '$validate-code',
    definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
    typeDefinitions: { CodeSystem: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code' },
    levels: { system: false, type: ['ValueSet', 'CodeSystem'], instance: [] },
    methods: ['GET', 'POST'],
    safe: true,
    access: 'operation',
    inBundle: true,
    run: async (request: FhirRequest, route: FhirRoute) => {
      const params = operationParameters(request);
      const url = params.string('url');
      if (url === undefined) throw badRequest(`${route.resourceType}/$validate-code needs the url of the ${route.resourceType === 'ValueSet' ? 'value set' : 'code system'} (url)`);
      const codings = codingsOf(params, route.resourceType === 'ValueSet');
      let result: ValidateCodeResult;
      if (route.resourceType === 'ValueSet') {
        const version = params.string('valueSetVersion');
        if (!terminology.valueSet(url, version)) throw notFound(`No ValueSet ${url}${version !== undefined ? ` version ${version}` : ''} is known to this server`);
        const canonical = version !== undefined ? `${url}|${version}` : url;
        result = best(codings.map((c) => terminology.validateCode({ valueSet: canonical, code: c.code as string, ...optional(c) })));
      } else {
        const version = params.string('version');
        if (url !== UCUM_SYSTEM && !terminology.codeSystem(url, version)) {
          throw notFound(`No CodeSystem ${url}${version !== undefined ? ` version ${version}` : ''} is known to this server`);
        }
        result = best(codings.map((c) => terminology.validateCode({ system: url, code: c.code as string, ...(c.display !== undefined ? { display: c.display } : {}), ...(version !== undefined ? { version } : {}) })));
      }
      return {
        status: 200,
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'result', valueBoolean: result.result === 'valid' },
            ...(result.message !== undefined ? [{ name: 'message', valueString: result.message }] : []),
            ...(result.display !== undefined ? [{ name: 'display', valueString: result.display }] : []),
          ],
        },
      };
    },
  };
}

const optional = (c: CodingInput) => ({
  ...(c.system !== undefined ? { system: c.system } : {}),
  ...(c.display !== undefined ? { display: c.display } : {}),
  ...(c.version !== undefined ? { version: c.version } : {}),
});

/** The codes asked about: `code` (+ `system`, `display`), or a `coding`, or a `codeableConcept`'s codings. */
function codingsOf(params: OperationParameters, withSystem: boolean): CodingInput[] {
  const code = params.string('code');
  const coding = params.coding('coding');
  const concept = params.codeableConcept('codeableConcept');
  const given = [code, coding, concept].filter((v) => v !== undefined).length;
  if (given !== 1) throw badRequest('Give exactly one of code, coding and codeableConcept');
  let codings: CodingInput[];
  if (code !== undefined) {
    const system = withSystem ? params.string('system') : undefined;
    const version = withSystem ? params.string('systemVersion') : undefined;
    const display = params.string('display');
    codings = [{ code, ...(system !== undefined ? { system } : {}), ...(version !== undefined ? { version } : {}), ...(display !== undefined ? { display } : {}) }];
  } else {
    codings = coding ? [coding] : (concept?.coding ?? []);
  }
  if (codings.length === 0 || codings.some((c) => typeof c.code !== 'string')) throw badRequest('Each coding must have a code');
  return codings;
}

/** A CodeableConcept is valid when any of its codings is: the best verdict, valid before unknown before invalid. */
function best(results: ValidateCodeResult[]): ValidateCodeResult {
  const rank = { valid: 0, unknown: 1, invalid: 2 } as const;
  return [...results].sort((a, b) => rank[a.result] - rank[b.result])[0] as ValidateCodeResult;
}
