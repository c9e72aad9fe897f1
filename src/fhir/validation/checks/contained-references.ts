/**
 * FHIR R4 references.html#contained, invariant dom-3: a contained resource SHALL be referred to from
 * elsewhere in the resource (a Reference.reference, canonical or uri `#id`, from the container or another
 * contained resource), or SHALL refer to its container (`#`). Returns the ids of those that are neither.
 */
export function unreferencedContained(resource: Readonly<Record<string, unknown>>): string[] {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return [];
  const outside = new Set<string>();
  for (const [key, value] of Object.entries(resource)) if (key !== 'contained') collectLocal(value, outside);
  const perContained = contained.map((item) => {
    const refs = new Set<string>();
    collectLocal(item, refs);
    return refs;
  });
  const unreferenced: string[] = [];
  contained.forEach((item, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return; // an id is required of contained resources; the walk reports its absence elsewhere
    const local = `#${id}`;
    if (outside.has(local) || perContained[i]?.has('#')) return;
    if (perContained.some((refs, j) => j !== i && refs.has(local))) return;
    unreferenced.push(id);
  });
  return unreferenced;
}

/** Every string value starting with `#` (a local reference, canonical or uri) anywhere in a JSON value. */
function collectLocal(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('#')) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectLocal(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectLocal(item, into);
  }
}
