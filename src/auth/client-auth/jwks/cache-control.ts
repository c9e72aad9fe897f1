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

/** The response headers freshness depends on (node's IncomingHttpHeaders fits). */
export interface FreshnessHeaders {
  'cache-control'?: string | string[] | undefined;
  age?: string | undefined;
  expires?: string | undefined;
  date?: string | undefined;
}

/**
 * Seconds a response stays fresh from now (RFC 9111 §4.2): `max-age` (or `no-store`/`no-cache` → 0), else
 * `Expires` − `Date`; minus the `Age` it already has. Undefined when the response says nothing, so the
 * caller's default applies. Anything unreadable counts as already stale (§5.3), never as longer.
 */
export function freshnessLifetime(headers: FreshnessHeaders): number | undefined {
  let lifetime = parseMaxAge(headers['cache-control']);
  if (lifetime === undefined && headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    const date = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
    // Without the origin's Date we cannot compare its Expires with our clock safely: do not cache.
    lifetime = Number.isNaN(expires) || Number.isNaN(date) ? 0 : Math.max(0, Math.floor((expires - date) / 1000));
  }
  if (lifetime === undefined) return undefined;
  const age = headers.age === undefined ? 0 : /^\d+$/.test(headers.age.trim()) ? Number(headers.age.trim()) : lifetime;
  return Math.max(0, lifetime - age);
}
