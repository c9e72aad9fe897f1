/**
 * URI checks for registry fields. WHATWG URL parsing does the work; these add the OAuth rules on top.
 */

/** An absolute http(s) URL with a host (launch, jwks, logo, policy, terms URLs). */
export function isHttpUrl(value: string): boolean {
  return parseHttp(value) !== undefined;
}

/**
 * A redirect URI: absolute, no fragment (RFC 6749 §3.1.2). http(s) with a host, or a private-use
 * scheme such as `com.example.app:/callback` for native apps (RFC 8252 §7.1).
 */
export function redirectUriProblem(value: string): string | undefined {
  if (value.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) return 'must be an absolute URI';
  if (/^https?:/i.test(value) && !parseHttp(value)) return 'must be an absolute http(s) URL with a host';
  // Script (javascript:, vbscript:), content carried in the URL or made by a page (data:, blob:), local files
  // (file:) and browser-internal pages (about:): none is an endpoint of the client, so none may receive its code.
  if (/^(javascript|vbscript|data|file|about|blob):/i.test(value)) return 'must not use this scheme';
  return undefined;
}

/**
 * Production's rule for a redirect URI over plain http: only to the loopback interface (RFC 8252 §7.3, §8.3);
 * https elsewhere, so that no code travels in clear over a network.
 */
export function plainHttpRedirectProblem(value: string): string | undefined {
  if (!/^http:/i.test(value)) return undefined;
  const host = parseHttp(value)?.hostname;
  return host !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(host) ? undefined : 'must use https (http is allowed only for loopback redirects)';
}

function parseHttp(value: string): URL | undefined {
  if (!/^https?:\/\/[^\s<>"{}|\\^`]+$/i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}
