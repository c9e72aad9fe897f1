import type { Grant } from '../grants/grant.ts';
import type { SimulatedError } from './simulated-error.ts';

/** What an EHR launch hands the app (SMART App Launch 2.2 §"Launch context"): the `ctx` claim of a launch token. */
export interface LaunchTokenContext {
  patient?: string;
  encounter?: string;
  fhirContext?: NonNullable<Grant['fhirContext']>;
}

/** What a verified launch token yields to the authorize step: its context plus the user it was made for. */
export interface VerifiedLaunch extends LaunchTokenContext {
  user?: string;
  /** The error the sandbox is to simulate for this launch; whether it is honoured is the authorize endpoint's decision. */
  sim?: SimulatedError;
  /** The token's `jti` and expiry: a launch is used once (recorded when its code is issued). */
  jti?: string;
  expiresAt?: Date;
}

const FHIR_CONTEXT_STRINGS = ['reference', 'canonical', 'type', 'role'] as const;

/**
 * Why a `fhirContext` value is not an array of SMART 2.2 context objects (each naming a `reference`,
 * `canonical` or `identifier`), or undefined when it is. The RPC and the verifier share this check.
 */
export function fhirContextProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'fhirContext must be an array';
  for (const [i, item] of value.entries()) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return `fhirContext[${i}] must be an object`;
    const entry = item as Record<string, unknown>;
    for (const key of FHIR_CONTEXT_STRINGS) {
      if (entry[key] !== undefined && (typeof entry[key] !== 'string' || !entry[key])) return `fhirContext[${i}].${key} must be a non-empty string`;
    }
    if (entry.identifier !== undefined && (typeof entry.identifier !== 'object' || entry.identifier === null)) return `fhirContext[${i}].identifier must be an object`;
    if (entry.reference === undefined && entry.canonical === undefined && entry.identifier === undefined) {
      return `fhirContext[${i}] must have a reference, canonical or identifier`;
    }
  }
  return undefined;
}
