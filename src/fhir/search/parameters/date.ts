import { parseDate } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** Date parameters (FHIR R4 search.html#date): a prefix and a date, dateTime or instant; no modifier. */
export const dateParameter: ParameterParser = (use, context) => {
  if (use.modifier !== undefined) return badModifier(use);
  return { kind: 'date', param: use.code, values: use.values.map((v) => parseDate(use.name, v, context.now)) };
};
