/**
 * The two ways a profile fixes a value (FHIR R4 elementdefinition-definitions.html#ElementDefinition.fixed_x_
 * and #ElementDefinition.pattern_x_): `fixed` — the value is exactly this; `pattern` — the value holds at
 * least this: every property of the pattern present with a matching value, every array item of the
 * pattern matched by some item of the value.
 */
export function equalsFixed(value: unknown, fixed: unknown): boolean {
  if (Array.isArray(fixed)) {
    return Array.isArray(value) && value.length === fixed.length && fixed.every((f, i) => equalsFixed(value[i], f));
  }
  if (fixed !== null && typeof fixed === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const keys = Object.keys(fixed);
    if (Object.keys(value).length !== keys.length) return false;
    return keys.every((k) => equalsFixed((value as Record<string, unknown>)[k], (fixed as Record<string, unknown>)[k]));
  }
  return value === fixed;
}

export function containsPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    return pattern.every((p) => items.some((v) => containsPattern(v, p)));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.entries(pattern).every(([k, p]) => containsPattern((value as Record<string, unknown>)[k], p));
  }
  return value === pattern;
}
