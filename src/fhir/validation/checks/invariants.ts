import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { FhirDefinitions } from '../../definitions.ts';
import { issue, type OutcomeIssue } from '../../outcome.ts';
import { createStructureIndex, isPrimitiveType, type NodeRule } from '../structure-index.ts';
import type { CheckInput, ValidationCheck } from '../validation-check.ts';
import { compileInvariant, type CompiledInvariant } from './invariant-expression.ts';
import { RULE_INVARIANTS } from './rule-invariants.ts';

/**
 * The FHIRPath invariants (ElementDefinition.constraint) of the R4 base StructureDefinitions, evaluated with
 * the fhirpath library at every element they are defined on: a resource's own (dom-2, obs-6, pat-1 on
 * Patient.contact, ...), each data type's wherever the type occurs (per-1 on every Period, qty-3 on every
 * Quantity, ...), and those of contained resources, Bundle entries and Parameters resources with their own
 * type's. A failed invariant of severity `error` is an error of code `invariant`; any other severity a warning.
 *
 * Each expression is compiled once, on first use, and kept for the life of the check; one whose elements
 * are all absent from an element is not evaluated there (its result is the same for every such element,
 * worked out once). A write keeps only errors, so it does not evaluate warning-only invariants (dom-6, ...).
 */

/**
 * Invariants not evaluated by the library here, and why:
 * - ele-1 (every element has a value or children): the structure walk refuses empty objects, empty arrays,
 *   null and primitives without a value or extension, which is what ele-1 says in JSON.
 * - ext-1 (an extension has a value or sub-extensions, not both): the extensions check reports it, with the
 *   definition at hand.
 * - ctm-1 (CareTeam.participant.onBehalfOf only with a Practitioner member): `resolve()` would need the
 *   referenced resource, which validation does not fetch.
 * - bdl-*, dom-2 to dom-5, txt-1, txt-2 (RULE_INVARIANTS): the Bundle, reference and narrative checks
 *   implement them by hand (dom-3's R4 expression applies `as(canonical)` to a collection, which the library refuses).
 */
const SKIPPED = new Set(['ele-1', 'ext-1', 'ctm-1', ...RULE_INVARIANTS]);

/** A full dateTime with seconds and a zone, or a date of one precision: strings that compare as they sort. */
const COMPARABLE_AS_TEXT = /^(\d{4}(-\d{2}(-\d{2})?)?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)$/;

/**
 * per-1 holds on nearly every resource (a Period): decided here without the library
 * where the answer is plain, as their expressions say it; any other case goes to the expression.
 */
const DECIDED: Readonly<Record<string, (node: Record<string, unknown>, env: Record<string, unknown>) => boolean | undefined>> = {
  // start.hasValue().not() or end.hasValue().not() or (start <= end)
  'per-1': (node) => {
    const { start, end } = node;
    if (typeof start !== 'string' || typeof end !== 'string') return start === undefined || end === undefined ? true : undefined;
    if (start.length !== end.length || !COMPARABLE_AS_TEXT.test(start) || !COMPARABLE_AS_TEXT.test(end)) return undefined;
    // Same precision (same length and shape), zone Z: the text order is the time order.
    return start <= end;
  },
};

/**
 * Published R4 expressions that contradict their own human text, read as the text says (as the reference
 * validator does): que-12 "If there are more than one enableWhen, enableBehavior must be specified" was
 * published as `count() > 2` (corrected in R4B); que-7 tests `answer is Boolean`, the FHIRPath system type,
 * which an answerBoolean (the FHIR type `boolean`) is not to the library, so it would refuse every valid use.
 */
const CORRECTED: Readonly<Record<string, string>> = {
  'que-12': 'enableWhen.count() > 1 implies enableBehavior.exists()',
  'que-7': "operator = 'exists' implies (answer is boolean)",
};

/** Some invariants call trace(): the library would print to the console on every evaluation. */
const TRACE_QUIETLY = { traceFn: () => {} };

/** The resource an element belongs to and the resource that holds it (%resource and %rootResource). */
interface Scope {
  readonly resource: Record<string, unknown>;
  readonly rootResource: Record<string, unknown>;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function invariantsCheck(definitions: FhirDefinitions): ValidationCheck {
  const index = createStructureIndex(definitions);
  const constraints = constraintsByPath(definitions);

  return {
    name: 'invariants',
    run(input: CheckInput, report: (found: OutcomeIssue) => void) {
      const warningsWanted = input.purpose === 'validate';
      const root = input.resource as JsonObject;
      walkResource(root, input.resourceType, input.resourceType, { resource: root, rootResource: root });

      function walkResource(resource: JsonObject, type: string, at: string, scope: Scope): void {
        const node = index.root(type);
        if (!node) return;
        walkObject(resource, type, type, node, at, scope);
      }

      /** One JSON object: its invariants, then its children's. `sdType`/`path` name its element definition. */
      function walkObject(value: JsonObject, sdType: string, path: string, node: NodeRule, at: string, scope: Scope): void {
        const list = constraints(sdType, path);
        if (list.length > 0) {
          const present = presentNames(value, node);
          for (const constraint of list) {
            if (constraint.severity !== 'error' && !warningsWanted) continue;
            evaluate(constraint, value, present, at, scope);
          }
        }
        for (const [name, child] of Object.entries(value)) {
          const match = node.properties.get(name);
          if (!match || isPrimitiveType(match.type)) continue;
          const { element, type } = match;
          const childAt = element.choice ? `${at}.${element.name}.ofType(${type})` : `${at}.${name}`;
          const items = Array.isArray(child) ? child : [child];
          items.forEach((item, i) => {
            if (!isObject(item)) return;
            const itemAt = Array.isArray(child) ? `${childAt}[${i}]` : childAt;
            if (type === 'Resource' && typeof item.resourceType === 'string') {
              // A contained resource answers to its container for %rootResource (ref-1); a Bundle entry or a
              // Parameters resource stands alone.
              const contained = name === 'contained';
              walkResource(item, item.resourceType, itemAt, { resource: item, rootResource: contained ? scope.rootResource : item });
            } else if (element.children) {
              const childNode = index.node(element.children);
              if (childNode) walkObject(item, element.children.type, element.children.path, childNode, itemAt, scope);
            } else {
              const typeNode = index.root(type);
              if (typeNode) walkObject(item, type, type, typeNode, itemAt, scope);
            }
          });
        }
      }

      function evaluate(constraint: CompiledInvariant, value: JsonObject, present: ReadonlySet<string>, at: string, scope: Scope): void {
        let holds: boolean;
        try {
          holds = constraint.holds(value, present, { resource: scope.resource, rootResource: scope.rootResource });
        } catch (error) {
          // The library could not evaluate it on this element: say so rather than fail the request.
          report(issue('invariant', `${constraint.key}: could not be evaluated (${error instanceof Error ? error.message : String(error)})`, at, 'warning'));
          return;
        }
        if (!holds) report(issue('invariant', `${constraint.key}: ${constraint.human}`, at, constraint.severity === 'error' ? 'error' : 'warning'));
      }
    },
  };
}

/** The element names present in a JSON object (`value` for `valueQuantity`, `birthDate` for `_birthDate`). */
function presentNames(value: JsonObject, node: NodeRule): Set<string> {
  const names = new Set<string>();
  for (const key of Object.keys(value)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    names.add(node.properties.get(name)?.element.name ?? name);
  }
  return names;
}

/** The invariants of each element definition, keyed by `${sdType}|${path}`; read once from the snapshots. */
function constraintsByPath(definitions: FhirDefinitions): (sdType: string, path: string) => readonly CompiledInvariant[] {
  const byPath = new Map<string, CompiledInvariant[]>();
  // The same invariant on many definitions (dom-2 on every resource) is compiled once per definition, and
  // only when first met.
  for (const sd of definitions.structures.values()) {
    if (sd.kind === 'primitive-type' || sd.kind === 'logical') continue;
    for (const element of sd.snapshot?.element ?? []) {
      const list = (element.constraint as { key?: string; severity?: string; human?: string; expression?: string }[] | undefined) ?? [];
      const kept: CompiledInvariant[] = [];
      for (const c of list) {
        if (typeof c.key !== 'string' || typeof c.expression !== 'string' || SKIPPED.has(c.key)) continue;
        kept.push(compileInvariant({
          key: c.key,
          severity: c.severity === 'error' ? 'error' : 'warning',
          human: c.human ?? c.key,
          expression: CORRECTED[c.key] ?? c.expression,
          base: element.path,
          ...(DECIDED[c.key] ? { decide: DECIDED[c.key] } : {}),
        }, (base, expression) => {
          const compiled = fhirpath.compile({ base, expression }, r4Model, TRACE_QUIETLY);
          return (node, env) => compiled(node, env) as unknown[];
        }));
      }
      if (kept.length > 0) byPath.set(`${sd.type}|${element.path}`, kept);
    }
  }
  return (sdType, path) => byPath.get(`${sdType}|${path}`) ?? [];
}
