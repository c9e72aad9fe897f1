import { decideInteraction, unitFor } from '../authorization/guard-interaction.ts';
import { readerOf, type FhirUnitDeps } from '../interaction.ts';
import type { ResourceRecord } from '../resource.ts';
import { parseReference } from '../search/reference-value.ts';

/** Ids a search asks for at once. */
const ID_BATCH = 100;

/**
 * The resources of `types` that `records` reference directly on this server (a Practitioner the
 * Observation's performer names, the Medication of a MedicationRequest), each as the caller may read it:
 * a type the caller may not read, or a resource outside what its reading reaches, is left out.
 */
export async function referencedResources(records: readonly ResourceRecord[], types: ReadonlySet<string>, deps: FhirUnitDeps): Promise<ResourceRecord[]> {
  const wanted = new Map<string, Set<string>>();
  const baseUrl = deps.settings.baseUrl;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'reference' && typeof v === 'string') {
          const ref = parseReference(v);
          if (!ref?.type || !ref.id || !types.has(ref.type)) continue;
          // Relative, or absolute on this server's own base (FHIR R4 references.html#literal).
          if (ref.url !== null && ref.url !== `${baseUrl}/${ref.type}/${ref.id}`) continue;
          if (!wanted.has(ref.type)) wanted.set(ref.type, new Set());
          wanted.get(ref.type)?.add(ref.id);
        } else if (typeof v === 'object') visit(v);
      }
    }
  };
  for (const record of records) visit(record.resource);

  const found: ResourceRecord[] = [];
  for (const [type, idSet] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const route = { resourceType: type };
    if (!decideInteraction('read', route, deps).allowed) continue;
    const reader = readerOf(unitFor('read', route, deps));
    const ids = [...idSet].sort();
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const batch = ids.slice(i, i + ID_BATCH);
      const result = await reader.search({ resourceType: type, count: batch.length, conditions: [{ kind: 'id', ids: batch }], total: 'none' });
      found.push(...result.matches);
    }
  }
  return found;
}
