import { indexedText } from '../index-budget.ts';
import { unescape } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/** URI parameters (FHIR R4 search.html#uri): exact, or :below, or :above. */
export const uriParameter: ParameterParser = (use) => {
  const { code, modifier, values } = use;
  const mode = modifier === undefined ? 'exact' : modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : badModifier(use);
  // :above compares stored values against the search value's own parents: it stays whole.
  return { kind: 'uri', param: code, mode, values: values.map((v) => (mode === 'above' ? unescape(v) : indexedText(unescape(v)))) };
};
