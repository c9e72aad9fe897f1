/**
 * Loopback hosts whose redirect URIs may name any port (RFC 8252 §7.3). `localhost` is one of them, matched
 * only as itself: RFC 8252 §8.3 advises apps to prefer the IP literals, but RFC 9700 §2.1 makes the same port
 * exception for "localhost redirection URIs of native apps", registration already accepts `http://localhost`
 * as loopback, and a `localhost` URI registered with its port is accepted anyway; a fixed port is what such
 * apps cannot promise. PKCE (required of public clients) is what protects the code on a shared machine.
 */
const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

/**
 * Whether a requested redirect_uri matches a registered one: the same string (RFC 9700 §2.1; RFC 3986 §6.2.1
 * simple string comparison), or, for an `http` loopback URI registered without a port, that same string with a
 * port added (RFC 8252 §7.3: a native app listens on whatever port the system gives it). Scheme, host, path and
 * query still compare exactly, and a URI registered with a port matches only that port.
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (requested === registered) return true;
  const loopback = portlessLoopback(registered);
  if (loopback === undefined) return false;
  const prefix = `http://${loopback.host}:`;
  if (!requested.startsWith(prefix)) return false;
  const port = /^[1-9][0-9]{0,4}/.exec(requested.slice(prefix.length))?.[0];
  return port !== undefined && Number(port) <= 65535 && requested.slice(prefix.length + port.length) === loopback.rest;
}

/** A registered `http` loopback URI without a port: its host and what follows it (path and query). */
function portlessLoopback(uri: string): { host: string; rest: string } | undefined {
  for (const host of LOOPBACK_HOSTS) {
    const prefix = `http://${host}`;
    if (!uri.startsWith(prefix)) continue;
    const rest = uri.slice(prefix.length);
    // Anything but a path or a query here is a port, a longer host name (127.0.0.1.example) or userinfo.
    if (rest === '' || rest.startsWith('/') || rest.startsWith('?')) return { host, rest };
  }
  return undefined;
}

/**
 * Where a redirect URI sends the browser, as the consent page names it: the host (and port) of an http(s) URI
 * (an internationalized name in its punycode form, so look-alike letters show), or the scheme of a native app's
 * private-use URI (RFC 8252 §7.1), which names the app rather than a host.
 */
export function redirectHostOf(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : url.protocol;
}
