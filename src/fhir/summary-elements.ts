import type { ElementDefinition, FhirDefinitions } from './definitions.ts';
import type { Resource } from './resource.ts';

/**
 * A resource reduced to its summary elements at every depth (FHIR R4 search.html#summary, elementdefinition
 * isSummary): the elements its StructureDefinition marks isSummary, and inside a kept backbone element, its
 * own summary children. An element whose type is a datatype is kept whole. Tagging the result SUBSETTED is
 * the caller's.
 */
export function summaryElements(resource: Resource, definitions: Pick<FhirDefinitions, 'structures'>): Resource {
  const elements = definitions.structures.get(resource.resourceType)?.snapshot?.element;
  if (!elements) return resource;
  const byPath = new Map<string, ElementDefinition>(elements.map((e) => [e.path, e]));
  const children = new Set(elements.map((e) => e.path.slice(0, e.path.lastIndexOf('.'))));
  const reduce = (value: Record<string, unknown>, path: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'resourceType') {
        out[key] = child;
        continue;
      }
      const definition = elementFor(byPath, path, key.startsWith('_') ? key.slice(1) : key);
      if (definition?.isSummary !== true && !(path === resource.resourceType && (key === 'id' || key === 'meta'))) continue;
      // A backbone element (children in this StructureDefinition, or its contentReference's) keeps its summary children.
      const inner = definition && typeof definition.contentReference === 'string' ? definition.contentReference.replace(/^#/, '') : definition?.path;
      if (inner !== undefined && children.has(inner) && child && typeof child === 'object') {
        out[key] = Array.isArray(child) ? child.map((c) => (c && typeof c === 'object' ? reduce(c as Record<string, unknown>, inner) : c)) : reduce(child as Record<string, unknown>, inner);
      } else out[key] = child;
    }
    return out;
  };
  return reduce(resource, resource.resourceType) as Resource;
}

/** The definition of `path.name`, a choice element (`value[x]` as `valueQuantity`) included. */
function elementFor(byPath: ReadonlyMap<string, ElementDefinition>, path: string, name: string): ElementDefinition | undefined {
  const exact = byPath.get(`${path}.${name}`);
  if (exact) return exact;
  for (let i = name.length - 1; i > 0; i--) {
    if (/[A-Z]/.test(name[i] ?? '')) {
      const choice = byPath.get(`${path}.${name.slice(0, i)}[x]`);
      if (choice) return choice;
    }
  }
  return undefined;
}
