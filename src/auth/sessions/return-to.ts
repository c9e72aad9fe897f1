/**
 * Where to send the browser after sign-in: only a path on this server (RFC 9700 §4.11.2, open redirectors).
 * `//host`, `/\host` (browsers read a backslash as a slash), schemes and control characters fall back to
 * `fallback` (`/` unless told).
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) return fallback;
  if (!value.startsWith('/')) return fallback;
  const second = value[1];
  if (second === '/' || second === '\\') return fallback;
  // Control characters and whitespace can be stripped by browsers, turning `/\t/evil` into `//evil`.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s\\]/.test(value)) return fallback;
  try {
    // Resolved against a placeholder origin: anything that leaves it is not a same-origin path.
    const resolved = new URL(value, 'http://portico.invalid');
    if (resolved.origin !== 'http://portico.invalid') return fallback;
  } catch {
    return fallback;
  }
  return value;
}
