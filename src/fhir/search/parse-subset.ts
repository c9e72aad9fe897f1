import { badRequest } from '../outcome.ts';
import { parseElements, parseSummary } from './parse-result-parameters.ts';
import type { Subset } from './subset.ts';

/**
 * `_summary` and `_elements` on a read, vread or history (FHIR R4 search.html#summary, #elements apply
 * to any answer carrying resources); undefined when neither is asked for. `_summary=count` means
 * nothing outside a search: a 400, as any bad value.
 */
export function parseSubset(query: readonly [string, string][]): Subset | undefined {
  let subset: Subset | undefined;
  for (const [name, value] of query) {
    if (name === '_summary') {
      const summary = parseSummary(value);
      if (summary === 'count') throw badRequest('_summary=count applies to searches only', '_summary');
      subset = { ...subset, summary };
    } else if (name === '_elements') subset = { ...subset, elements: [...(subset?.elements ?? []), ...parseElements(value)] };
  }
  return subset;
}
