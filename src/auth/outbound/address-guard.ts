import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, type AddressClass } from '../client-auth/jwks/address-class.ts';

export interface AddressGuardOptions {
  /** Address classes reachable besides `public` (e.g. `loopback` in the sandbox). */
  allowedAddresses: ReadonlySet<AddressClass>;
  /** Host name resolution; tests replace it. Defaults to the system resolver (one address). */
  resolve?: (hostname: string) => Promise<string>;
}

/**
 * Where Portico's outbound requests (clients' JWKS, identity providers) may connect, against SSRF: a host is resolved
 * once and the connection made to that very address (a `lookup` hook, so DNS rebinding cannot swap it); special-use
 * addresses are refused before connecting, and callers check the connected socket again.
 */
export interface AddressGuard {
  allowed(address: string | undefined): boolean;
  /** For `http.request({ lookup })`; failures are made by `failure` (what the caller reports). */
  lookup(failure: (message: string) => Error): LookupFunction;
  /** Why an IP literal in a URL may not be reached, or undefined (a literal skips the lookup hook). */
  literalProblem(url: URL): string | undefined;
}

export function createAddressGuard(options: AddressGuardOptions): AddressGuard {
  const resolve = options.resolve ?? (async (host: string) => (await dnsLookup(host, { verbatim: true })).address);
  const allowed = (address: string | undefined) => {
    if (!address) return false;
    const kind = classifyAddress(address);
    return kind === 'public' || options.allowedAddresses.has(kind);
  };
  return {
    allowed,
    lookup: (failure) => (hostname, lookupOptions, callback) => {
      resolve(hostname).then(
        (address) => {
          const family = isIP(address);
          if (!family) return callback(failure('host did not resolve to an IP address'), '', 0);
          if (!allowed(address)) return callback(failure(`host resolves to a ${classifyAddress(address)} address, which is not allowed`), '', 0);
          if (lookupOptions.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
          else callback(null, address, family);
        },
        () => callback(failure('host could not be resolved'), '', 0),
      );
    },
    literalProblem(url) {
      // URL parsing already normalised 0x7f.1 and friends.
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      return isIP(literal) && !allowed(literal) ? `points at a ${classifyAddress(literal)} address, which is not allowed` : undefined;
    },
  };
}
