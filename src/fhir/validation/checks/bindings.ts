import type { FhirDefinitions } from '../../definitions.ts';
import { issue, type IssueSeverity, type OutcomeIssue } from '../../outcome.ts';
import type { CodeSystemIndex } from '../../terminology/code-system-index.ts';
import { displayMatches, type Terminology } from '../../terminology/terminology.ts';
import { ucumUnitError, UCUM_SYSTEM } from '../../terminology/ucum.ts';
import { createStructureIndex, isPrimitiveType, type ElementRule, type NodeRule } from '../structure-index.ts';
import type { CheckInput, ValidationCheck } from '../validation-check.ts';

type Strength = 'required' | 'extensible' | 'preferred';

interface Binding {
  readonly strength: Strength;
  readonly valueSet: string;
}

/** One JSON property of a node, with what to check in it. */
interface Step {
  readonly name: string;
  readonly at: (parent: string) => string;
  readonly element: ElementRule;
  readonly type: string;
  readonly binding?: Binding;
}

/** The R4 types a Coding check applies to, and those that are quantities (Age, Duration ... constrain Quantity). */
const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'MoneyQuantity', 'SimpleQuantity']);
/**
 * The code systems the R4 specification itself defines (its own URLs, and those published with version 4.0.1
 * at terminology.hl7.org): the server's copy is the one R4 binds to. The HL7 v2 tables and v3 code systems
 * keep growing after R4 (v2-0203 has gained identifier types since): a code the server's copy lacks is
 * reported as a warning, not refused.
 */
const authoritative = (cs: CodeSystemIndex) => cs.url.startsWith('http://hl7.org/fhir/') || cs.version === '4.0.1';
/**
 * A cross-version extension (FHIR extensions for other versions, `http://hl7.org/fhir/5.0/StructureDefinition/extension-…`)
 * carries the value another FHIR version allows in its place: the element has its value there.
 */
const CROSS_VERSION = /^http:\/\/hl7\.org\/fhir\/[0-9.]+\/StructureDefinition\/extension-/;
const crossVersion = (sibling: unknown): boolean =>
  typeof sibling === 'object' && sibling !== null && Array.isArray((sibling as { extension?: unknown }).extension) &&
  ((sibling as { extension: unknown[] }).extension).some((e) => CROSS_VERSION.test(String((e as { url?: unknown } | null)?.url ?? '')));
const BINDABLE = new Set(['code', 'string', 'uri', 'Coding', 'CodeableConcept', ...QUANTITY_TYPES]);

/**
 * Terminology bindings (FHIR R4 terminologies.html#strength) of the R4 base definitions, wherever the bound
 * element occurs (a data type's elements are bound in every resource that uses it), and the codes themselves:
 * - `required`: a code, Coding, Quantity unit or CodeableConcept (one of its codings) outside the value set is
 *   an error; `extensible` a warning and `preferred` information, as the reference validator reports them;
 * - a Coding of a code system the server has whole (content `complete`) must name one of its codes, and its
 *   display should be the code's (a warning, as the reference validator says "Wrong Display Name");
 * - a Quantity of system UCUM must have a valid UCUM code.
 * A value set the server cannot decide (SNOMED CT, LOINC ...) gives no issue: it cannot say.
 */
export function bindingsCheck(definitions: FhirDefinitions, terminology: Terminology): ValidationCheck {
  const index = createStructureIndex(definitions);
  const bindings = new Map<string, Binding>();
  for (const sd of definitions.structures.values()) {
    for (const e of sd.snapshot?.element ?? []) {
      const b = e.binding as { strength?: string; valueSet?: string } | undefined;
      if (!b?.valueSet || (b.strength !== 'required' && b.strength !== 'extensible' && b.strength !== 'preferred')) continue;
      bindings.set(e.path, { strength: b.strength, valueSet: b.valueSet });
    }
  }
  const plans = new WeakMap<NodeRule, readonly Step[]>();
  const planOf = (node: NodeRule): readonly Step[] => {
    let plan = plans.get(node);
    if (!plan) {
      const steps: Step[] = [];
      for (const [name, { element, type }] of node.properties) {
        const binding = BINDABLE.has(type) ? bindings.get(element.path) : undefined;
        // Primitives are only looked at when bound; everything complex is walked (an extension may hold a Coding).
        if (isPrimitiveType(type) && !binding) continue;
        const suffix = element.choice ? `.${element.name}.ofType(${type})` : `.${name}`;
        steps.push({ name, at: (parent) => parent + suffix, element, type, ...(binding ? { binding } : {}) });
      }
      plans.set(node, (plan = steps));
    }
    return plan;
  };

  return {
    name: 'bindings',
    run(input: CheckInput, report: (found: OutcomeIssue) => void) {
      // A write keeps only errors: extensible and preferred bindings only matter to $validate.
      const weak = input.purpose === 'validate';
      const applies = (b: Binding | undefined): b is Binding => b !== undefined && (weak || b.strength === 'required');

      const visitResource = (resource: Record<string, unknown>, at: string) => {
        const type = resource.resourceType;
        const node = typeof type === 'string' ? index.root(type) : undefined;
        if (node) visitNode(resource, node, at);
      };

      const visitNode = (value: Record<string, unknown>, node: NodeRule, at: string) => {
        for (const step of planOf(node)) {
          const v = value[step.name];
          if (v === undefined) {
            const sibling = value[`_${step.name}`];
            if (step.binding?.strength !== 'required' || sibling === undefined) continue;
            const b = step.binding;
            if (!Array.isArray(sibling)) {
              if (!crossVersion(sibling)) noValue(b, step.at(at));
            } else {
              sibling.forEach((ext, i) => ext !== null && !crossVersion(ext) && noValue(b, `${step.at(at)}[${i}]`));
            }
            continue;
          }
          const elementAt = step.at(at);
          if (Array.isArray(v) && step.binding?.strength === 'required' && v.includes(null)) {
            v.forEach((item, i) => item === null && noValue(step.binding as Binding, `${elementAt}[${i}]`));
          }
          if (Array.isArray(v)) v.forEach((item, i) => visitValue(item, step, `${elementAt}[${i}]`));
          else visitValue(v, step, elementAt);
        }
      };

      const visitValue = (v: unknown, step: Step, at: string) => {
        if (v === null || v === undefined) return;
        if (typeof v !== 'object') {
          if (typeof v === 'string' && applies(step.binding)) checkCode(v, step.binding, at);
          return;
        }
        const object = v as Record<string, unknown>;
        if (step.type === 'Resource') return visitResource(object, at);
        if (step.type === 'Coding') checkCoding(object, at, applies(step.binding) ? step.binding : undefined);
        else if (step.type === 'CodeableConcept') checkCodeableConcept(object, at, applies(step.binding) ? step.binding : undefined);
        else if (QUANTITY_TYPES.has(step.type)) checkQuantity(object, at, applies(step.binding) ? step.binding : undefined);
        const node = step.element.children ? index.node(step.element.children) : index.root(step.type);
        if (node) visitNode(object, node, at);
      };

      const severityOf = (b: Binding): IssueSeverity => (b.strength === 'required' ? 'error' : b.strength === 'extensible' ? 'warning' : 'information');
      /** `what` names the code(s) and says they are not in the value set; the binding is added. */
      const notInValueSet = (b: Binding, what: string, at: string) =>
        report(issue('code-invalid', `${what} the value set ${b.valueSet} (${b.strength} binding)`, at, severityOf(b)));

      /** A bound code given only its extensions (a data-absent-reason): the reference validator refuses it for a required binding. */
      const noValue = (b: Binding, at: string) => {
        if (terminology.membership(b.valueSet)) report(issue('code-invalid', `No code provided, and a code is required from the value set ${b.valueSet}`, at));
      };

      const checkCode = (code: string, b: Binding, at: string) => {
        const m = terminology.membership(b.valueSet);
        if (m?.has(undefined, code).result === 'no') notInValueSet(b, `The code '${code}' is not in`, at);
      };

      /** Whether the Coding's code exists in its code system: undefined when the server cannot tell (see authoritative). */
      const existsInSystem = (coding: Record<string, unknown>): boolean | undefined => {
        const { system, code } = coding;
        if (typeof system !== 'string' || typeof code !== 'string') return undefined;
        const cs = terminology.codeSystem(system);
        if (!cs?.complete) return undefined;
        return cs.get(code) !== undefined ? true : authoritative(cs) ? false : undefined;
      };

      /** The Coding's own code and display against its code system; whether the code exists there (undefined: cannot tell). */
      const checkCodingInSystem = (coding: Record<string, unknown>, at: string): boolean | undefined => {
        const { system, code, display } = coding;
        if (typeof system !== 'string' || typeof code !== 'string') return undefined;
        const cs = terminology.codeSystem(system);
        if (!cs?.complete) return undefined;
        const concept = cs.get(code);
        if (!concept) {
          const unknown = `Unknown code '${code}' in the CodeSystem '${system}'${cs.version !== undefined ? ` version '${cs.version}'` : ''}`;
          if (authoritative(cs)) {
            report(issue('code-invalid', unknown, `${at}.code`));
            return false;
          }
          report(issue('code-invalid', `${unknown}, the version this server has; a later version may define it`, `${at}.code`, 'warning'));
          return undefined;
        }
        if (typeof display === 'string' && !displayMatches(display, concept.display, concept.designation)) {
          report(issue('invalid', `Wrong Display Name '${display}' for ${system}#${code}: it should be '${concept.display ?? ''}'`, `${at}.display`, 'warning'));
        }
        return true;
      };

      const inValueSet = (coding: Record<string, unknown>, b: Binding): 'yes' | 'no' | 'unknown' => {
        const m = terminology.membership(b.valueSet);
        const { system, code } = coding;
        if (!m || typeof code !== 'string') return 'unknown';
        return m.has(typeof system === 'string' ? system : undefined, code).result;
      };

      const checkCoding = (coding: Record<string, unknown>, at: string, b: Binding | undefined) => {
        const exists = checkCodingInSystem(coding, at);
        if (exists === false || !b || typeof coding.code !== 'string') return;
        // A code the server's copy of a growing code system lacks cannot be judged against a value set drawn from it.
        if (exists === undefined && terminology.codeSystem(String(coding.system))?.complete) return;
        if (inValueSet(coding, b) === 'no') notInValueSet(b, `The Coding ${String(coding.system ?? '')}#${coding.code} is not in`, at);
      };

      const checkCodeableConcept = (cc: Record<string, unknown>, at: string, b: Binding | undefined) => {
        const codings = Array.isArray(cc.coding) ? (cc.coding as unknown[]).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
        // Each coding's own code and display are checked as the walk reaches it (a Coding); one that does not exist says enough.
        if (!b || codings.some((c) => existsInSystem(c) === false)) return;
        const coded = codings.filter((c) => typeof c.code === 'string');
        if (coded.length === 0) {
          // terminologies.html#strength: text alone does not meet a required binding; it may for the others.
          if (b.strength === 'required' && terminology.membership(b.valueSet)) {
            report(issue('code-invalid', `No code provided, and a code is required from the value set ${b.valueSet}`, at));
          }
          return;
        }
        const verdicts = coded.map((c) => (existsInSystem(c) === undefined && terminology.codeSystem(String(c.system))?.complete ? 'unknown' : inValueSet(c, b)));
        // One coding in the value set is enough (a CodeableConcept may add translations).
        if (verdicts.includes('yes') || verdicts.includes('unknown')) return;
        notInValueSet(b, `None of the codings (${coded.map((c) => `${String(c.system ?? '')}#${String(c.code)}`).join(', ')}) is in`, at);
      };

      const checkQuantity = (quantity: Record<string, unknown>, at: string, b: Binding | undefined) => {
        const { system, code } = quantity;
        if (system === UCUM_SYSTEM && typeof code === 'string') {
          const error = ucumUnitError(code);
          if (error) {
            report(issue('code-invalid', `The UCUM code '${code}' is not a valid unit: ${error}`, `${at}.code`));
            return;
          }
        }
        if (b && typeof code === 'string' && inValueSet(quantity, b) === 'no') notInValueSet(b, `The unit ${String(system ?? '')}#${code} is not in`, at);
      };

      visitResource(input.resource, input.resourceType);
    },
  };
}
