import type { FhirDefinitions, SearchParameterDefinition } from '../../definitions.ts';
import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { isObject, type JsonObject } from './typed-values.ts';

/**
 * SearchParameter and CapabilityStatement against the search parameters the server knows (R4's and the
 * shipped profiles'):
 * - a composite parameter is made of components (searchparameter.html#composite: "a composite search
 *   parameter ... combines a search on two or more elements"), so it names two or more;
 * - a parameter `derivedFrom` a known one keeps its type and applies to resource types the original does
 *   (searchparameter-definitions.html#SearchParameter.derivedFrom: a derived parameter is "a constraint
 *   or extension" of the original, with the same meaning);
 * - `CapabilityStatement.rest.resource.searchParam` whose `definition` is a known parameter states the
 *   same `type` (capabilitystatement-definitions.html#CapabilityStatement.rest.resource.searchParam.type:
 *   "the type of value a search parameter refers to", which the definition fixes).
 * Other resource types cost nothing.
 */
export function searchParameterDefinitionsCheck(definitions: FhirDefinitions): ValidationCheck {
  let byUrl: Map<string, SearchParameterDefinition> | undefined;
  const known = (url: unknown): SearchParameterDefinition | undefined => {
    if (typeof url !== 'string') return undefined;
    byUrl ??= new Map(definitions.searchParameters.map((sp) => [sp.url, sp]));
    return byUrl.get(url.split('|')[0] ?? url);
  };
  return {
    name: 'search-parameter-definitions',
    run({ resource, resourceType }, report) {
      if (resourceType === 'SearchParameter') {
        const sp = resource as JsonObject;
        if (sp.type === 'composite' && (!Array.isArray(sp.component) || sp.component.length < 2)) {
          report(issue('invalid', "A SearchParameter of type 'composite' must define two or more components", 'SearchParameter.component'));
        }
        const original = known(sp.derivedFrom);
        if (!original) return;
        if (typeof sp.type === 'string' && sp.type !== original.type) {
          report(issue('invalid', `The type ${sp.type} is different to the type ${original.type} of ${original.url} in derivedFrom`, 'SearchParameter.type'));
        }
        if (Array.isArray(sp.base)) {
          sp.base.forEach((base, i) => {
            if (typeof base === 'string' && !original.base.includes(base) && !original.base.includes('Resource') && !original.base.includes('DomainResource')) {
              report(issue('invalid', `The resource type ${base} is not listed as a base in the SearchParameter this is derived from (${original.url})`, `SearchParameter.base[${i}]`));
            }
          });
        }
      } else if (resourceType === 'CapabilityStatement') {
        eachSearchParam(resource as JsonObject, (param, at) => {
          const definition = known(param.definition);
          if (definition && typeof param.type === 'string' && param.type !== definition.type) {
            report(issue('invalid', `Type mismatch: SearchParameter '${String(param.definition)}' has type ${definition.type}, but the type here is ${param.type}`, `${at}.type`));
          }
        });
      }
    },
  };
}

function eachSearchParam(capability: JsonObject, fn: (param: JsonObject, at: string) => void): void {
  const each = (list: unknown, at: string, visit: (item: JsonObject, itemAt: string) => void) => {
    if (Array.isArray(list)) list.forEach((item, i) => isObject(item) && visit(item, `${at}[${i}]`));
  };
  each(capability.rest, 'CapabilityStatement.rest', (rest, restAt) => {
    each(rest.searchParam, `${restAt}.searchParam`, fn);
    each(rest.resource, `${restAt}.resource`, (res, resAt) => each(res.searchParam, `${resAt}.searchParam`, fn));
  });
}
