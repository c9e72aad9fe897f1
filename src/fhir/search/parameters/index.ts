import type { SearchParamType } from '../registry.ts';
import { dateParameter } from './date.ts';
import { numberParameter } from './number.ts';
import type { ParameterParser } from './parameter-use.ts';
import { quantityParameter } from './quantity.ts';
import { referenceParameter } from './reference.ts';
import { stringParameter } from './string.ts';
import { tokenParameter } from './token.ts';
import { uriParameter } from './uri.ts';

/** The parser of each kind of search parameter (FHIR R4 search.html#ptypes); composite and special have none. */
export const PARAMETER_KINDS: Readonly<Partial<Record<SearchParamType, ParameterParser>>> = {
  token: tokenParameter,
  string: stringParameter,
  reference: referenceParameter,
  date: dateParameter,
  number: numberParameter,
  quantity: quantityParameter,
  uri: uriParameter,
};
