import { indexedText } from '../index-budget.ts';
import { normalizeString } from '../normalize.ts';
import { unescape } from '../parse-values.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/**
 * String parameters (FHIR R4 search.html#string): starts with, or :exact, or :contains; and :text (as
 * on tokens, and as R5 defines it for strings): any word starting with the value. All but :exact fold
 * accents and case on both sides (`name:text=jose` finds José).
 */
export const stringParameter: ParameterParser = (use) => {
  const { code, modifier, values } = use;
  const mode = modifier === undefined ? 'start'
    : modifier === 'exact' || modifier === 'contains' || modifier === 'text' ? modifier
    : badModifier(use);
  // :exact compares the text as written (not indexed, never cut); the others the indexed form.
  return { kind: 'string', param: code, mode, values: values.map((v) => (mode === 'exact' ? unescape(v) : indexedText(normalizeString(unescape(v))))) };
};
