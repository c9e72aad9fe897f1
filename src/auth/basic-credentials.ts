/** HTTP Basic credentials (RFC 7617 §2), as sent: no form-decoding (callers that need RFC 6749 §2.3.1 decoding do it). */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** Parses an `Authorization: Basic …` header value; undefined when absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
