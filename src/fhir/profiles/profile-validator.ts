import { issue, type IssueSeverity, type IssueType, type OutcomeIssue } from '../outcome.ts';
import { type ElementValue, valuesOf } from './element-values.ts';
import { containsPattern, equalsFixed } from './json-match.ts';
import type { ProfileDefinitions } from './profile-definitions.ts';
import type { ProfileTerminology } from './profile-terminology.ts';
import { compileProfile, type CompiledProfile, type ElementRules } from './profile-tree.ts';
import { EXTENSION_SLICING, matchesSlice, type SliceMatch, type SliceOracle } from './slice-match.ts';

export interface ProfileValidator {
  /** Whether the server has this profile (a canonical URL, with or without `|version`). */
  has(profileUrl: string): boolean;
  /**
   * Reports every way the resource breaks the profile, each issue naming the profile and the FHIRPath
   * of the element: `us-core-patient: Patient.identifier: minimum 1, found 0`.
   */
  validate(resource: Readonly<Record<string, unknown>>, profileUrl: string, report: (found: OutcomeIssue) => void): void;
}

const R4_BASE = 'http://hl7.org/fhir/StructureDefinition/';
const REFERENCE_TYPE = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const capital = (type: string) => type.charAt(0).toUpperCase() + type.slice(1);
const show = (value: unknown) => JSON.stringify(value);
const cardinality = (n: number) => (n === Infinity ? '*' : String(n));

/**
 * Validates resources against the profiles of `definitions` (FHIR R4 profiling.html). Each profile is
 * compiled once, on first use, over its baseDefinition chain (its differential and those of the
 * profiles it derives from); mustSupport is not enforced (it binds systems, not instances).
 */
/**
 * What the R4 base definition already says at an element path (`Provenance.agent.who`): a reference or a
 * code the base rules refuse is reported by them, not once more by each profile that restates the rule.
 */
export interface BaseElementRules {
  /** The reference target types the base allows there. */
  targetTypes(path: string): readonly string[] | undefined;
  /** The base binding there: its strength and value set (without version). */
  binding(path: string): { readonly strength: string; readonly valueSet: string } | undefined;
}

export function createProfileValidator(definitions: ProfileDefinitions, terminology?: ProfileTerminology, base?: BaseElementRules): ProfileValidator {
  const compiled = new Map<string, CompiledProfile | undefined>();

  function profileOf(url: string): CompiledProfile | undefined {
    const [canonical = url, version] = url.split('|');
    // A canonical naming another version than the one shipped is a profile the server does not have.
    if (version !== undefined && definitions.structures.get(canonical)?.version !== version) return undefined;
    if (!compiled.has(canonical)) {
      const sd = definitions.structures.get(canonical);
      compiled.set(canonical, sd ? compileProfile(sd, definitions) : undefined);
    }
    return compiled.get(canonical);
  }

  /** The resource type a targetProfile names, when the server knows it. */
  function targetType(url: string): string | undefined {
    const canonical = url.split('|')[0] ?? url;
    const sd = definitions.structures.get(canonical);
    if (sd) return sd.type;
    return canonical.startsWith(R4_BASE) && !canonical.slice(R4_BASE.length).includes('-') ? canonical.slice(R4_BASE.length) : undefined;
  }

  /** The codes of a code, Coding, CodeableConcept or Quantity value. */
  function codesOf(value: unknown): { code: string; system?: string }[] {
    if (typeof value === 'string') return [{ code: value }];
    if (!isObject(value)) return [];
    if (Array.isArray(value.coding)) return value.coding.flatMap((c) => codesOf(c));
    if (typeof value.code === 'string') return [{ code: value.code, ...(typeof value.system === 'string' ? { system: value.system } : {}) }];
    return [];
  }

  function inValueSet(value: unknown, valueSet: string): SliceMatch {
    if (!terminology) return 'unknown';
    const url = valueSet.split('|')[0] ?? valueSet;
    const answers = codesOf(value).map(({ code, system }) => terminology.validateCode(url, code, system));
    if (answers.includes('valid')) return 'yes';
    if (answers.length === 0 || answers.includes('unknown')) return answers.length === 0 ? 'no' : 'unknown';
    return 'no';
  }

  /** One validation of one resource (or value) against one profile: its issues collected in `issues`. */
  function run(profile: CompiledProfile, value: unknown, at: string, rootResource: unknown, label: string, issues: OutcomeIssue[]): void {
    const report = (code: IssueType, message: string, where: string, severity: IssueSeverity = 'error') =>
      issues.push(issue(code, `${label}: ${where}: ${message}`, where, severity));

    const oracle: SliceOracle = {
      conforms(v, where, url) {
        const other = profileOf(url);
        if (!other) return undefined;
        const found: OutcomeIssue[] = [];
        run(other, v, where, rootResource, `${label} (${other.name})`, found);
        return !found.some((i) => i.severity === 'error');
      },
      inValueSet,
    };

    function checkNode(node: ElementRules, current: unknown, where: string, choiceType?: string): void {
      for (const constraint of node.constraints) {
        const evaluate = constraint.evaluator(choiceType);
        if (!evaluate) continue;
        let result: unknown[];
        try {
          result = evaluate(current, { resource: rootResource, rootResource });
        } catch {
          continue; // e.g. resolve() of a reference the engine cannot follow: not decidable here.
        }
        // An invariant holds only when it evaluates to true (an empty result fails, as `telecom or endpoint` on neither).
        if (!(result.length > 0 && result.every((r) => r === true))) {
          report('invariant', `${constraint.key}: ${constraint.human}`, where, constraint.severity === 'error' ? 'error' : 'warning');
        }
      }
      if (!isObject(current)) return;
      for (const child of node.children.values()) checkElement(child, current, where);
    }

    function checkElement(element: ElementRules, parent: Record<string, unknown>, where: string): void {
      const items = valuesOf(element, parent, where);
      const elementAt = element.choiceType ? `${where}.${element.choiceType.prefix}.ofType(${element.choiceType.type})` : `${where}.${element.key}`;
      checkCount(element, items.length, elementAt);
      for (const item of items) checkValue(element, item);
      if (element.slices.size > 0) checkSlices(element, items, elementAt);
    }

    function checkCount(element: ElementRules, count: number, where: string): void {
      const min = element.min ?? 0;
      const max = element.max ?? Infinity;
      if (count < min) report('required', `minimum ${min}, found ${count}`, where);
      if (count > max) report(max === 0 ? 'structure' : 'invalid', max === 0 ? `not allowed (maximum 0), found ${count}` : `maximum ${cardinality(max)}, found ${count}`, where);
    }

    function checkSlices(element: ElementRules, items: ElementValue[], where: string): void {
      const slicing = element.slicing ?? (element.key === 'extension' || element.key === 'modifierExtension' ? EXTENSION_SLICING : undefined);
      const slices = [...element.slices.values()];
      const matched = new Map<ElementRules, ElementValue[]>(slices.map((s) => [s, []]));
      const undecided = new Set<ElementRules>();
      for (const item of items) {
        let placed = false;
        for (const slice of slices) {
          const match = slicing ? matchesSlice(slice, slicing.discriminators, item, oracle) : 'unknown';
          if (match === 'unknown') undecided.add(slice);
          if (match !== 'yes') continue;
          matched.get(slice)?.push(item);
          placed = true;
          break;
        }
        if (!placed && slicing?.rules === 'closed') report('structure', `does not match any slice of ${element.path} (slicing is closed)`, item.at);
      }
      for (const slice of slices) {
        const members = matched.get(slice) ?? [];
        // A slice whose membership cannot be decided (no terminology) is neither counted nor checked.
        if (undecided.has(slice) && members.length === 0) continue;
        checkCount(slice, members.length, `${where}:${slice.sliceName ?? ''}`);
        for (const member of members) checkValue(slice, member);
      }
    }

    function checkValue(element: ElementRules, item: ElementValue): void {
      if (element.choice && element.types && item.type && !element.types.some((t) => capital(t) === item.type)) {
        report('structure', `type ${item.type} is not allowed here (allowed: ${element.types.join(', ')})`, item.at);
        return;
      }
      if (element.fixed !== undefined && !equalsFixed(item.value, element.fixed)) {
        report('value', `must be exactly ${show(element.fixed)}, found ${show(item.value)}`, item.at);
      }
      if (element.pattern !== undefined && !containsPattern(item.value, element.pattern)) {
        report('value', `must match the pattern ${show(element.pattern)}, found ${show(item.value)}`, item.at);
      }
      if (element.targetProfiles) checkReference(element.targetProfiles, item, element.path);
      if (element.binding) checkBinding(element.binding, item, element.path);
      if (element.typeProfiles) checkTypeProfiles(element.typeProfiles, item);
      checkNode(element, item.value, item.at, item.type);
    }

    function checkReference(targets: readonly string[], item: ElementValue, path: string): void {
      const reference = isObject(item.value) ? item.value.reference : undefined;
      if (typeof reference !== 'string' || reference.startsWith('#') || reference.startsWith('urn:')) return;
      const types = targets.map(targetType);
      if (types.some((t) => t === undefined || t === 'Resource')) return; // a target the server cannot resolve
      const type = REFERENCE_TYPE.exec(reference)?.[1];
      const baseTypes = base?.targetTypes(path);
      if (type && baseTypes && !baseTypes.includes('Resource') && !baseTypes.includes(type)) return;
      if (type && !types.includes(type)) {
        report('invalid', `a reference to ${type} is not allowed here (allowed: ${[...new Set(types)].join(', ')})`, `${item.at}.reference`);
      }
    }

    function checkBinding(binding: NonNullable<ElementRules['binding']>, item: ElementValue, path: string): void {
      // Only required and extensible bindings constrain instances (terminologies.html#strength).
      if (binding.strength !== 'required' && binding.strength !== 'extensible') return;
      // The base binding restated (US Core's Patient.gender): the base rules report it.
      const restated = base?.binding(path);
      if (restated && restated.strength === binding.strength && restated.valueSet === binding.valueSet?.split('|')[0]) return;
      if (inValueSet(item.value, binding.valueSet) !== 'no' || codesOf(item.value).length === 0) return;
      const severity = binding.strength === 'required' ? 'error' : 'warning';
      report('code-invalid', `no code is in the value set ${binding.valueSet} (${binding.strength} binding)`, item.at, severity);
    }

    function checkTypeProfiles(profiles: readonly string[], item: ElementValue): void {
      const known = profiles.map((url) => profileOf(url)).filter((p): p is CompiledProfile => p !== undefined);
      if (known.length === 0) return;
      // The value must conform to one of the profiles (elementdefinition-definitions.html#ElementDefinition.type.profile).
      let first: OutcomeIssue[] | undefined;
      for (const other of known) {
        const found: OutcomeIssue[] = [];
        run(other, item.value, item.at, rootResource, `${label} (${other.name})`, found);
        if (!found.some((i) => i.severity === 'error')) {
          issues.push(...found);
          return;
        }
        first ??= found;
      }
      issues.push(...(first ?? []));
    }

    checkNode(profile.root, value, at);
  }

  return {
    has: (url) => profileOf(url) !== undefined,
    validate(resource, url, report) {
      const profile = profileOf(url);
      if (!profile) return;
      const type = String(resource.resourceType);
      if (profile.type !== type) {
        report(issue('invalid', `${profile.name}: the profile constrains ${profile.type}, not ${type}`, type));
        return;
      }
      const issues: OutcomeIssue[] = [];
      run(profile, resource, type, resource, profile.name, issues);
      for (const found of issues) report(found);
    },
  };
}
