import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { readNarrative } from './narrative-xhtml.ts';
import { isObject, type JsonObject } from './typed-values.ts';

type Visit = (resource: JsonObject, at: string) => void;

/**
 * Narrative.div of every resource, nested ones included (contained, Bundle entries, Parameters):
 * well-formed XHTML with a `div` root in the XHTML namespace (narrative.html#xhtml), only the
 * elements and attributes txt-1 allows, no scripts, event attributes or script URLs — what a
 * client renders must not run code — and some content (txt-2). In R4 a Narrative is only ever
 * DomainResource.text, so the check reads `text` and the places resources nest, not every element.
 */
export function narrativeCheck(): ValidationCheck {
  return {
    name: 'narrative',
    run({ resource, resourceType }, report) {
      const visit: Visit = (value, at) => {
        const text = value.text;
        if (isObject(text) && typeof text.div === 'string') {
          const divAt = `${at}.text.div`;
          const found = readNarrative(text.div);
          if (found.structure) report(issue('invalid', found.structure, divAt));
          for (const problem of found.content) report(issue('invariant', `txt-1: ${problem}`, divAt));
          if (found.empty) report(issue('invariant', 'txt-2: The narrative must have some non-whitespace content', divAt));
        }
        forEachNestedResource(value, at, visit);
      };
      visit(resource as JsonObject, resourceType);
    },
  };
}

/** The resources held by one: contained, Bundle.entry.resource and .response.outcome, Parameters.parameter(.part).resource. */
function forEachNestedResource(resource: JsonObject, at: string, visit: Visit): void {
  const each = (list: unknown, listAt: string, fn: (item: JsonObject, itemAt: string) => void) => {
    if (Array.isArray(list)) list.forEach((item, i) => isObject(item) && fn(item, `${listAt}[${i}]`));
  };
  each(resource.contained, `${at}.contained`, visit);
  if (resource.resourceType === 'Bundle') {
    each(resource.entry, `${at}.entry`, (entry, entryAt) => {
      if (isObject(entry.resource)) visit(entry.resource, `${entryAt}.resource`);
      const response = entry.response;
      if (isObject(response) && isObject(response.outcome)) visit(response.outcome, `${entryAt}.response.outcome`);
    });
  } else if (resource.resourceType === 'Parameters') {
    const parameters = (list: unknown, listAt: string): void =>
      each(list, listAt, (parameter, parameterAt) => {
        if (isObject(parameter.resource)) visit(parameter.resource, `${parameterAt}.resource`);
        parameters(parameter.part, `${parameterAt}.part`);
      });
    parameters(resource.parameter, `${at}.parameter`);
  }
}
