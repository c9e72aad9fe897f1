import type { Resource } from '../../fhir/resource.ts';

/** Patient indices [first, last] (inclusive) of one seed; the shared resources are index -1. */
export interface SeedRange {
  first: number;
  last: number;
}

export const SHARED_INDEX = -1;

/**
 * The FHIR layer's port to seeding storage: writes a batch of generated resources and records
 * its index range in the same transaction, so a batch is either fully written and recorded or
 * not at all. Implemented in src/storage (seed-progress-store.ts).
 */
export interface SeedLedger {
  /** Ranges already recorded for this seed. */
  completed(seed: string): Promise<SeedRange[]>;
  /**
   * Writes and records the batch. Resolves false, writing nothing, when an overlapping range
   * was recorded meanwhile (another process seeding the same seed).
   */
  write(seed: string, range: SeedRange, resources: Resource[]): Promise<boolean>;
}
