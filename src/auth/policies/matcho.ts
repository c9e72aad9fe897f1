/**
 * Aidbox's matcho pattern language, as a pure function:
 * - a string starting with `#` is a regular expression tested against the value (as text);
 *   `present?` / `nil?` test presence; any other string, number or boolean must equal the value;
 * - an object matches an object whose keys match recursively (extra keys in the value are fine);
 *   `{ $enum: [...] }` matches a value equal to one of the list, `{ $one-of: [...] }` a value matching
 *   any of the sub-patterns;
 * - an array matches an array in which every pattern element matches some element.
 */
export function matches(pattern: unknown, value: unknown): boolean {
  if (typeof pattern === 'string') return matchString(pattern, value);
  if (pattern === null) return value === null || value === undefined;
  if (typeof pattern === 'number' || typeof pattern === 'boolean') return value === pattern;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matches(p, v)));
  }
  if (typeof pattern === 'object') {
    for (const [key, sub] of Object.entries(pattern as Record<string, unknown>)) {
      if (key === '$enum') {
        if (!Array.isArray(sub) || !sub.some((option) => option === value)) return false;
      } else if (key === '$one-of') {
        if (!Array.isArray(sub) || !sub.some((option) => matches(option, value))) return false;
      } else {
        if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
        if (!matches(sub, (value as Record<string, unknown>)[key])) return false;
      }
    }
    return true;
  }
  return false;
}

function matchString(pattern: string, value: unknown): boolean {
  if (pattern === 'present?') return value !== undefined && value !== null;
  if (pattern === 'nil?') return value === undefined || value === null;
  if (pattern.startsWith('#')) {
    if (typeof value !== 'string' && typeof value !== 'number') return false;
    return compilePattern(pattern)?.test(String(value)) ?? false;
  }
  return value === pattern;
}

/** The RegExp of a `#…` pattern; undefined when it does not compile. */
export function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern.slice(1), 'u');
  } catch {
    return undefined;
  }
}
