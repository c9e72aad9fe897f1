import { readFileSync } from 'node:fs';

/**
 * The profiles the server validates against, with the value sets and code systems they bind to:
 * US Core 6.1.0 as published (differentials only), shipped in definitions/us-core/ at the package
 * root and read once at start.
 */
export interface ProfileElement {
  readonly id?: string;
  readonly path: string;
  readonly sliceName?: string;
  readonly min?: number;
  readonly max?: string;
  readonly type?: readonly { code: string; profile?: readonly string[]; targetProfile?: readonly string[] }[];
  readonly binding?: { strength: 'required' | 'extensible' | 'preferred' | 'example'; valueSet?: string };
  readonly constraint?: readonly { key: string; severity: 'error' | 'warning'; human: string; expression?: string }[];
  readonly slicing?: { discriminator?: readonly { type: string; path: string }[]; rules?: 'open' | 'closed' | 'openAtEnd' };
  readonly [key: string]: unknown;
}

export interface ProfileStructure {
  readonly resourceType: 'StructureDefinition';
  readonly id: string;
  readonly url: string;
  readonly version?: string;
  readonly name: string;
  /** The resource or data type constrained (Patient, Extension). */
  readonly type: string;
  readonly baseDefinition?: string;
  readonly differential: { readonly element: readonly ProfileElement[] };
}

export interface ProfileDefinitions {
  /** Profiles and extension definitions by canonical URL (without version). */
  readonly structures: ReadonlyMap<string, ProfileStructure>;
  /** ValueSets and CodeSystems shipped with the profiles, for the terminology service. */
  readonly valueSets: readonly Readonly<Record<string, unknown>>[];
  readonly codeSystems: readonly Readonly<Record<string, unknown>>[];
}

/** The guide and version shipped; `definitions/us-core/<version>/us-core.json`. */
export const SHIPPED_US_CORE_VERSION = '6.1.0';

// The package root: two levels up from src/fhir/profiles/, one up from the bundle in dist/.
const DEFINITIONS_DIR = new URL(import.meta.url.endsWith('.ts') ? '../../../definitions/' : '../definitions/', import.meta.url);

export function loadProfileDefinitions(file = new URL(`us-core/${SHIPPED_US_CORE_VERSION}/us-core.json`, DEFINITIONS_DIR)): ProfileDefinitions {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: { resource?: Record<string, unknown> }[] };
  const structures = new Map<string, ProfileStructure>();
  const valueSets: Record<string, unknown>[] = [];
  const codeSystems: Record<string, unknown>[] = [];
  for (const { resource } of bundle.entry ?? []) {
    if (resource?.resourceType === 'StructureDefinition') {
      const sd = resource as unknown as ProfileStructure;
      structures.set(sd.url, sd);
    } else if (resource?.resourceType === 'ValueSet') valueSets.push(resource);
    else if (resource?.resourceType === 'CodeSystem') codeSystems.push(resource);
  }
  return Object.freeze({ structures, valueSets, codeSystems });
}
