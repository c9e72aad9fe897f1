import { createAddressGuard } from '../../outbound/address-guard.ts';
import { createGuardedFetch, OutboundRequestError } from '../../outbound/guarded-fetch.ts';
import type { AddressClass } from './address-class.ts';
import { freshnessLifetime } from './cache-control.ts';
import { JwksFetchError, type JsonWebKeySet, type JwksFetcher } from './jwks-source.ts';

export interface HttpJwksFetcherOptions {
  /** Whole-request budget, milliseconds (connect + headers + body). */
  timeoutMs: number;
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Plain `http:` URLs (sandbox only); `https:` is always allowed. */
  allowHttp: boolean;
  /** Address classes reachable besides `public` (e.g. `loopback` in the sandbox). */
  allowedAddresses: ReadonlySet<AddressClass>;
  /** Host name resolution; tests replace it. Defaults to the system resolver (one address). */
  resolve?: (hostname: string) => Promise<string>;
}

const MAX_KEYS = 100;

/**
 * Fetches a client's JWKS through the guarded fetch (resolve once and connect to that very address, so DNS rebinding
 * cannot swap it; special-use addresses refused before connecting and again on the connected socket; no redirects; a
 * time budget and a size cap; no content encodings), and takes only a 200 JSON answer.
 */
export function createHttpJwksFetcher(options: HttpJwksFetcherOptions): JwksFetcher {
  const fetch = createGuardedFetch({ guard: createAddressGuard(options), allowHttp: options.allowHttp, timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
  return async (rawUrl) => {
    let response: Response;
    try {
      response = await fetch(rawUrl, { headers: { accept: 'application/jwk-set+json, application/json' } });
    } catch (error) {
      throw new JwksFetchError(`jwks_uri ${error instanceof OutboundRequestError ? error.message : 'could not be fetched'}`);
    }
    const problem = responseProblem(response);
    if (problem) throw new JwksFetchError(problem);
    const jwks = parseJwks(await response.text());
    const header = (name: string) => response.headers.get(name) ?? undefined;
    const maxAgeSeconds = freshnessLifetime({ 'cache-control': header('cache-control'), age: header('age'), expires: header('expires'), date: header('date') });
    return maxAgeSeconds === undefined ? { jwks } : { jwks, maxAgeSeconds };
  };
}

function responseProblem(response: Response): string | undefined {
  const { status } = response;
  if (status >= 300 && status < 400) return `jwks_uri answered with a redirect (${status}); redirects are not followed`;
  if (status !== 200) return `jwks_uri answered with HTTP ${status}`;
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) return 'jwks_uri did not answer with JSON';
  return undefined;
}

function parseJwks(text: string): JsonWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JwksFetchError('jwks_uri did not return valid JSON');
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k))) {
    throw new JwksFetchError('jwks_uri did not return a JWK Set ({"keys": [...]})');
  }
  if (keys.length > MAX_KEYS) throw new JwksFetchError(`jwks_uri returned more than ${MAX_KEYS} keys`);
  return { keys: keys as Record<string, unknown>[] };
}
