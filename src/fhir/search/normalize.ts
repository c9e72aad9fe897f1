/**
 * The form string search compares (FHIR R4 search.html#string: case- and accent-insensitive):
 * lower case, combining marks removed, runs of white space folded to one space.
 */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
