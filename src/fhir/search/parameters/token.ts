import { normalizeString } from '../normalize.ts';
import { parseOfType, parseToken, unescape } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** Token parameters (FHIR R4 search.html#token): `[system]|[code]`, with :not, :text and :of-type. */
export const tokenParameter: ParameterParser = (use) => {
  const { name, code, modifier, values } = use;
  if (modifier === undefined || modifier === 'not') {
    return { kind: 'token', param: code, not: modifier === 'not', values: values.map((v) => parseToken(name, v)) };
  }
  if (modifier === 'text') return { kind: 'token-text', param: code, values: values.map((v) => normalizeString(unescape(v))) };
  if (modifier === 'of-type') return { kind: 'token', param: `${code}:of-type`, not: false, values: values.map((v) => parseOfType(name, v)) };
  return badModifier(use);
};
