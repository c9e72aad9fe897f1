import { badRequest } from '../../outcome.ts';
import { parseReferenceValue, parseToken } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** Reference parameters (FHIR R4 search.html#reference): `[type]/[id]`, `[id]` or a URL, with :[type] and :identifier. */
export const referenceParameter: ParameterParser = (use, context) => {
  const { name, code, modifier, param, values } = use;
  if (modifier === 'identifier') {
    return { kind: 'token', param: `${code}:identifier`, not: false, values: values.map((v) => parseToken(name, v)) };
  }
  if (modifier !== undefined && !context.isResourceType(modifier)) return badModifier(use);
  if (modifier !== undefined && param.targets.length > 0 && !param.targets.includes(modifier)) {
    throw badRequest(`${code} cannot refer to a ${modifier}`, name);
  }
  const target = { baseUrl: context.settings.baseUrl, typeModifier: modifier, targets: param.targets, isResourceType: context.isResourceType };
  return { kind: 'reference', param: code, values: values.map((v) => parseReferenceValue(name, v, target)) };
};
