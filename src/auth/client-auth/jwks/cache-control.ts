/**
 * Seconds a response may be cached per its Cache-Control (RFC 9111 §5.2.2): `no-store`/`no-cache` → 0,
 * `max-age=N` → N, undefined when it says neither.
 */
export function parseMaxAge(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  const directives = value.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  for (const d of directives) {
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}
