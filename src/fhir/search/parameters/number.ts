import { parseNumber } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** Number parameters (FHIR R4 search.html#number): a prefix and a decimal; no modifier. */
export const numberParameter: ParameterParser = (use) => {
  if (use.modifier !== undefined) return badModifier(use);
  return { kind: 'number', param: use.code, values: use.values.map((v) => parseNumber(use.name, v)) };
};
