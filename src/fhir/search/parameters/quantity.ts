import { parseQuantity } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** Quantity parameters (FHIR R4 search.html#quantity): `[prefix][number]|[system]|[code]`; no modifier. */
export const quantityParameter: ParameterParser = (use) => {
  if (use.modifier !== undefined) return badModifier(use);
  return { kind: 'quantity', param: use.code, values: use.values.map((v) => parseQuantity(use.name, v)) };
};
