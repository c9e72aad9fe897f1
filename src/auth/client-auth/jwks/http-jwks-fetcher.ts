import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createAddressGuard } from '../../outbound/address-guard.ts';
import type { AddressClass } from './address-class.ts';
import { freshnessLifetime } from './cache-control.ts';
import { JwksFetchError, type FetchedJwks, type JsonWebKeySet, type JwksFetcher } from './jwks-source.ts';

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
 * Fetches a client's JWKS with SSRF defences: resolve once and connect to that very address (a `lookup`
 * hook, so DNS rebinding cannot swap it), refuse special-use addresses before connecting and again on
 * the connected socket, no redirects, a time budget and a size cap, JSON only, no content encodings.
 */
export function createHttpJwksFetcher(options: HttpJwksFetcherOptions): JwksFetcher {
  const guard = createAddressGuard(options);
  const { allowed } = guard;
  const lookup = guard.lookup((message) => new JwksFetchError(`jwks_uri ${message}`));

  return (rawUrl) =>
    new Promise<FetchedJwks>((resolvePromise, reject) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return reject(new JwksFetchError('jwks_uri is not a valid URL'));
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
        return reject(new JwksFetchError('jwks_uri must use https'));
      }
      if (url.username || url.password) return reject(new JwksFetchError('jwks_uri must not carry credentials'));
      // An IP literal skips the lookup hook: judge it here.
      const literalProblem = guard.literalProblem(url);
      if (literalProblem) return reject(new JwksFetchError(`jwks_uri ${literalProblem}`));
      const fail = (error: Error) => {
        clearTimeout(timer);
        request.destroy();
        reject(error instanceof JwksFetchError ? error : new JwksFetchError('jwks_uri could not be fetched'));
      };
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(url, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json', 'accept-encoding': 'identity' },
        lookup,
        agent: false,
      });
      const timer = setTimeout(() => fail(new JwksFetchError(`jwks_uri did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      request.on('socket', (socket) => {
        // The post-connect check: whatever resolution happened, the peer we actually reached must be allowed.
        socket.once('connect', () => {
          if (!allowed(socket.remoteAddress)) fail(new JwksFetchError('jwks_uri connected to an address that is not allowed'));
        });
      });
      request.on('error', fail);
      request.on('response', (response) => {
        const problem = responseProblem(response, options.maxBytes, allowed(response.socket.remoteAddress));
        if (problem) return fail(new JwksFetchError(problem));
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) return fail(new JwksFetchError(`jwks_uri response exceeds ${options.maxBytes} bytes`));
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          if (size > options.maxBytes) return;
          try {
            const jwks = parseJwks(Buffer.concat(chunks).toString('utf8'));
            const maxAgeSeconds = freshnessLifetime(response.headers);
            resolvePromise(maxAgeSeconds === undefined ? { jwks } : { jwks, maxAgeSeconds });
          } catch (error) {
            reject(error instanceof JwksFetchError ? error : new JwksFetchError('jwks_uri did not return a JWK Set'));
          }
        });
      });
      request.end();
    });
}

function responseProblem(response: IncomingMessage, maxBytes: number, peerAllowed: boolean): string | undefined {
  const status = response.statusCode ?? 0;
  if (!peerAllowed) return 'jwks_uri connected to an address that is not allowed';
  if (status >= 300 && status < 400) return `jwks_uri answered with a redirect (${status}); redirects are not followed`;
  if (status !== 200) return `jwks_uri answered with HTTP ${status}`;
  const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) return 'jwks_uri did not answer with JSON';
  const encoding = (response.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return 'jwks_uri answered with a content encoding, which is not accepted';
  const length = Number(response.headers['content-length'] ?? 0);
  if (length > maxBytes) return `jwks_uri response exceeds ${maxBytes} bytes`;
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
