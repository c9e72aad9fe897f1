import { tableOf } from '../index-table.ts';
import { parseMissing } from '../parse-values.ts';
import type { ParameterParser } from './parameter-use.ts';

/** `:missing=true|false` on a parameter of any kind (FHIR R4 search.html#missing). */
export const missingParameter: ParameterParser = ({ name, param, value }) => {
  const missing = parseMissing(name, value);
  if (param.code === '_id' || param.code === '_lastUpdated') {
    // Every resource has both: missing=true matches nothing, missing=false everything.
    return missing ? { kind: 'id', ids: [] } : { kind: 'id', ids: [], not: true };
  }
  return { kind: 'missing', table: tableOf(param.type), param: param.code, missing };
};
