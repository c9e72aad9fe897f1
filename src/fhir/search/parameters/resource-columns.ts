import { badRequest } from '../../outcome.ts';
import { parseDate, unescape } from '../parse-values.ts';
import type { ParameterParser } from './parameter-use.ts';

/** `_id`: one of the ids; no modifier. */
const idParameter: ParameterParser = ({ name, modifier, values }) => {
  if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on _id`, name);
  return { kind: 'id', ids: values.map(unescape) };
};

/** `_lastUpdated`: a prefix and a date, like a date parameter; no modifier. */
const lastUpdatedParameter: ParameterParser = ({ name, modifier, values }, context) => {
  if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on _lastUpdated`, name);
  return { kind: 'lastUpdated', values: values.map((v) => parseDate(name, v, context.now)) };
};

/** The parameters matched against the resource table's own columns (FHIR R4 search.html#all), not an index table. */
export const COLUMN_PARAMETERS: ReadonlyMap<string, ParameterParser> = new Map([
  ['_id', idParameter],
  ['_lastUpdated', lastUpdatedParameter],
]);
