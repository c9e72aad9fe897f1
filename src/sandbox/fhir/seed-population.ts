import type { ResourceValidator } from '../../fhir/interaction.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { Resource } from '../../fhir/resource.ts';
import { generatePopulation } from './population.ts';
import { SHARED_INDEX, type SeedLedger, type SeedRange } from './seed-ledger.ts';

export interface SeedOptions {
  seed: string;
  patients: number;
  /** Patients per transaction. */
  batchSize: number;
  /** Called after each batch (and once at the start) with the running totals. */
  onProgress?: (progress: SeedProgress) => void;
  /**
   * The server's own write validation. Each generated resource goes through it before its batch is
   * written: one it rejects stops the seeding with a SeedRefusedError, its batch unwritten (batches
   * before it, all valid, stay written and recorded, as after an interruption).
   */
  validate?: ResourceValidator;
}

/** A generated resource the server's own validation rejects: seeding it would store what a write refuses. */
export class SeedRefusedError extends Error {
  constructor(
    readonly resource: string,
    readonly issues: readonly string[],
  ) {
    super(`Refusing to seed ${resource}: the server's validation rejects it: ${issues.join('; ')}`);
    this.name = 'SeedRefusedError';
  }
}

function validated(resources: Resource[], validate: ResourceValidator | undefined): Resource[] {
  if (!validate) return resources;
  for (const resource of resources) {
    try {
      validate(resource, resource.resourceType);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      const issues = err.outcome.issue.map((i) => `${i.diagnostics ?? i.code}${i.expression?.[0] && !i.diagnostics?.includes(i.expression[0]) ? ` (at ${i.expression[0]})` : ''}`);
      throw new SeedRefusedError(`${resource.resourceType}/${resource.id ?? '(no id)'}`, issues);
    }
  }
  return resources;
}

export interface SeedProgress {
  /** Patients of the requested population present: written now or found done. */
  patientsDone: number;
  patientsTotal: number;
  /** Resources written by this run. */
  resourcesWritten: number;
  /** Patients found already written (earlier run or another process). */
  patientsSkipped: number;
}

const covers = (ranges: SeedRange[], index: number) => ranges.some((r) => r.first <= index && index <= r.last);

/**
 * Writes the seed's population through the ledger in batches of contiguous patient indices,
 * skipping what an earlier (maybe interrupted) run recorded. Memory stays bounded by one batch.
 */
export async function seedPopulation(ledger: SeedLedger, options: SeedOptions): Promise<SeedProgress> {
  const done = await ledger.completed(options.seed);
  const progress: SeedProgress = { patientsDone: 0, patientsTotal: options.patients, resourcesWritten: 0, patientsSkipped: 0 };
  for (let i = 0; i < options.patients; i++) if (covers(done, i)) progress.patientsSkipped++;
  progress.patientsDone = progress.patientsSkipped;
  options.onProgress?.({ ...progress });

  let batch: Resource[] = [];
  let range: SeedRange | undefined;
  let patientsInBatch = 0;
  // At most one batch in the database while the next is generated and indexed: the CPU work and the
  // insert overlap (the ledger serialises writers, so order of commits does not matter).
  let inFlight: Promise<void> | undefined;
  const flush = async () => {
    if (!range) return;
    const [written, writtenRange, patientsWritten] = [batch, range, patientsInBatch];
    batch = [];
    range = undefined;
    patientsInBatch = 0;
    const previous = inFlight;
    const settled = ledger.write(options.seed, writtenRange, written).then((wrote) => {
      if (writtenRange.first !== SHARED_INDEX) {
        progress.patientsDone += patientsWritten;
        if (wrote) progress.resourcesWritten += written.length;
        else progress.patientsSkipped += patientsWritten;
      } else if (wrote) {
        progress.resourcesWritten += written.length;
      }
      options.onProgress?.({ ...progress });
    });
    // Awaited by the next flush or at the end; a failure must not count as unhandled meanwhile.
    settled.catch(() => undefined);
    inFlight = settled;
    if (previous) await previous;
  };

  const chunks = generatePopulation({
    seed: options.seed,
    patients: options.patients,
    includeShared: !covers(done, SHARED_INDEX),
    skip: (index) => covers(done, index),
  });
  try {
    for (const chunk of chunks) {
      if (chunk.kind === 'shared') {
        range = { first: SHARED_INDEX, last: SHARED_INDEX };
        batch = validated(chunk.resources, options.validate);
        await flush();
        continue;
      }
      validated(chunk.resources, options.validate);
      // A batch holds contiguous indices only, so its range never claims a skipped patient.
      if (range && chunk.index !== range.last + 1) await flush();
      range = range ? { first: range.first, last: chunk.index } : { first: chunk.index, last: chunk.index };
      batch.push(...chunk.resources);
      patientsInBatch++;
      if (patientsInBatch >= options.batchSize) await flush();
    }
  } catch (err) {
    // A refused resource (or a failed generation) stops the run: the batch being written settles first.
    await inFlight?.catch(() => undefined);
    throw err;
  }
  await flush();
  await inFlight;
  return progress;
}

/** Start-up seeding of a sandbox: the demo population, small enough for the repository write path. */
export const SANDBOX_START_SEED = { seed: 'demo', patients: 25, batchSize: 25 } as const;

/** The demo tenant's own population: smaller, and drawn from its own seed (other people behind the same ids). */
export const DEMO_TENANT_SEED = { seed: 'my-clinic', patients: 10, batchSize: 10 } as const;
