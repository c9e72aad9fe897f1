import { ID_SOURCE } from '../resource.ts';

/**
 * What a Reference.reference (or canonical) string names: a local `Type/id`, or an absolute URL
 * whose tail may still be `Type/id` (FHIR R4 references.html#literal).
 */
export interface ParsedReference {
  type: string | null;
  id: string | null;
  /** The absolute URL (without `/_history/n`), when the reference is absolute. */
  url: string | null;
}

/**
 * The type is at most 64 letters, as an id is at most 64 characters (R4 datatypes.html#id): both go
 * into the search index's target entry, which PostgreSQL caps at 2,704 bytes. No R4 type name is longer.
 */
const TYPE_ID = new RegExp(`(?:^|/)([A-Z][A-Za-z]{1,63})/(${ID_SOURCE})(?:/_history/[^/]+)?$`);

export function parseReference(reference: string): ParsedReference | undefined {
  if (reference.startsWith('#') || reference === '') return undefined;
  const withoutVersion = reference.replace(/\|[^|]*$/, '');
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(withoutVersion);
  const m = TYPE_ID.exec(withoutVersion);
  if (!absolute) {
    return m && m.index === 0 ? { type: m[1] ?? null, id: m[2] ?? null, url: null } : undefined;
  }
  const url = withoutVersion.replace(/\/_history\/[^/]+$/, '');
  return { type: m?.[1] ?? null, id: m?.[2] ?? null, url };
}
