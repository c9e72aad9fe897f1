import type { Interaction } from '../interaction.ts';

/**
 * Where an operation may be invoked (FHIR R4 operations.html, as OperationDefinition.system, .type and
 * .instance say): `[base]/$op` when `system`, `[type]/$op` for the types in `type`, `[type]/[id]/$op` for
 * the types in `instance`.
 */
export interface OperationLevels {
  system: boolean;
  type: readonly string[];
  instance: readonly string[];
}

/**
 * How the caller's access is decided for an operation.
 * - `operation`: before it runs, as the `operation` interaction on its route (type and id); it then runs
 *   on what that decision reaches, as an interaction does.
 * - `per-resource-type`: by the operation, for each resource type it reaches, with the decision the
 *   interaction it amounts to on that type gets (an export decides each type it writes out as a search).
 */
export type OperationAccess = 'operation' | 'per-resource-type';

/** One FHIR operation the router dispatches by name, like an interaction. */
export interface FhirOperation {
  /** As it appears in the URL: `$export`. */
  name: `$${string}`;
  /** The canonical URL of its OperationDefinition, as the CapabilityStatement lists it (rest.operation.definition). */
  definition: string;
  /** Where a resource type has an OperationDefinition of its own for it (Bulk Data's `patient-export`): by type. */
  typeDefinitions?: Readonly<Record<string, string>>;
  levels: OperationLevels;
  /** The methods it answers. */
  methods: readonly ('GET' | 'POST')[];
  /**
   * Whether it changes nothing (RFC 9110 §9.2.1), so that HEAD may invoke it as GET. One that starts work
   * (an export job) is not invoked by HEAD: a client checking a URL must not start it.
   */
  safe: boolean;
  access: OperationAccess;
  /** Whether a batch or transaction entry may invoke it. */
  inBundle: boolean;
  run: Interaction;
}
