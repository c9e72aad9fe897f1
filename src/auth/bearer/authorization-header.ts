/** What an `Authorization` header carries, before anything is verified. */
export type PresentedCredentials =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; header: string }
  | { kind: 'malformed'; problem: string };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Reads one Authorization header value (several headers arrive as an array: refused). */
export function presentedCredentials(header: string | string[] | undefined): PresentedCredentials {
  if (header === undefined) return { kind: 'none' };
  if (Array.isArray(header)) return { kind: 'malformed', problem: 'more than one Authorization header' };
  const value = header.trim();
  if (value === '') return { kind: 'malformed', problem: 'the Authorization header is empty' };
  const scheme = value.split(/\s+/, 1)[0]?.toLowerCase();
  if (scheme === 'basic') return { kind: 'basic', header: value };
  if (scheme !== 'bearer') return { kind: 'malformed', problem: `the ${scheme} authorization scheme is not supported; send a Bearer token` };
  const match = BEARER.exec(value);
  if (!match?.[1]) return { kind: 'malformed', problem: 'the Bearer credentials are malformed' };
  return { kind: 'bearer', token: match[1] };
}
