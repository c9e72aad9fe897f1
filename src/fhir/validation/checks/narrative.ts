import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import type { ValidationCheckDeps } from '../validation-checks.ts';
import { readNarrative } from './narrative-xhtml.ts';
import { structureIndexOf, visitTyped, type JsonObject } from './typed-values.ts';

/**
 * Narrative.div of every resource, nested ones included (contained, Bundle entries, Parameters):
 * well-formed XHTML with a `div` root in the XHTML namespace (narrative.html#xhtml), only the
 * elements and attributes txt-1 allows, no scripts, event attributes or script URLs — what a
 * client renders must not run code — and some content (txt-2).
 */
export function narrativeCheck(deps: ValidationCheckDeps): ValidationCheck {
  const index = structureIndexOf(deps.definitions);
  return {
    name: 'narrative',
    run({ resource, resourceType }, report) {
      const visit = (value: JsonObject, at: string): void =>
        visitTyped(index, value, at, {
          resource: visit,
          value: ({ value: narrative, type, at: narrativeAt }) => {
            if (type !== 'Narrative' || typeof narrative.div !== 'string') return;
            const divAt = `${narrativeAt}.div`;
            const found = readNarrative(narrative.div);
            if (found.structure) {
              report(issue('invalid', found.structure, divAt));
              return;
            }
            for (const problem of found.content) report(issue('invariant', `txt-1: ${problem}`, divAt));
            if (found.empty) report(issue('invariant', 'txt-2: The narrative must have some non-whitespace content', divAt));
          },
        });
      visit(resource as JsonObject, resourceType);
    },
  };
}
