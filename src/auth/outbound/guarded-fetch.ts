import http from 'node:http';
import https from 'node:https';
import type { AddressGuard } from './address-guard.ts';

export interface GuardedFetchOptions {
  guard: AddressGuard;
  /** Plain `http:` URLs (sandbox only); `https:` is always allowed. */
  allowHttp: boolean;
  /** Whole-request budget, milliseconds (connect + headers + body). */
  timeoutMs: number;
  /** Largest body accepted, bytes. */
  maxBytes: number;
}

/**
 * What a guarded request refused (the address, the scheme, the size, the time): told apart from the server's own
 * answers. The message says what of the URL (its caller names which URL: `jwks_uri must use https`).
 */
export class OutboundRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRequestError';
  }
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string | URLSearchParams | Uint8Array | ArrayBuffer | null | ReadableStream;
  signal?: AbortSignal;
}

/**
 * A Fetch API-shaped function for Portico's outbound calls (clients' JWKS, identity providers' discovery, JWKS, token
 * and userinfo endpoints), with SSRF defences: the address guard's resolution and checks (again on the connected
 * socket), no redirects followed (a 3xx is answered as it is, for the caller to refuse), a time budget, a size cap, no
 * content encodings.
 */
export function createGuardedFetch(options: GuardedFetchOptions): (url: string, init?: FetchInit) => Promise<Response> {
  const { guard } = options;
  const lookup = guard.lookup((message) => new OutboundRequestError(message));
  return (rawUrl, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return reject(new OutboundRequestError('is not a valid URL'));
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) return reject(new OutboundRequestError('must use https'));
      if (url.username || url.password) return reject(new OutboundRequestError('must not carry credentials'));
      const literalProblem = guard.literalProblem(url);
      if (literalProblem) return reject(new OutboundRequestError(literalProblem));
      let body: Buffer | undefined;
      try {
        body = bodyBytes(init.body);
      } catch (error) {
        return reject(error);
      }
      const headers: Record<string, string> = init.headers instanceof Headers ? Object.fromEntries(init.headers.entries()) : { ...(init.headers ?? {}) };
      headers['accept-encoding'] = 'identity';
      if (body) headers['content-length'] = String(body.length);
      const client = url.protocol === 'https:' ? https : http;
      const request = client.request(url, { method: init.method ?? 'GET', headers, lookup, agent: false });
      const fail = (error: unknown) => {
        clearTimeout(timer);
        request.destroy();
        reject(error instanceof OutboundRequestError ? error : new OutboundRequestError('could not be fetched'));
      };
      const timer = setTimeout(() => fail(new OutboundRequestError(`did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      init.signal?.addEventListener('abort', () => fail(new OutboundRequestError('was abandoned')), { once: true });
      request.on('socket', (socket) => {
        socket.once('connect', () => {
          if (!guard.allowed(socket.remoteAddress)) fail(new OutboundRequestError('connected to an address that is not allowed'));
        });
      });
      request.on('error', fail);
      request.on('response', (response) => {
        if (!guard.allowed(response.socket.remoteAddress)) return fail(new OutboundRequestError('connected to an address that is not allowed'));
        const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
        if (encoding !== 'identity') return fail(new OutboundRequestError('answered with a content encoding, which is not accepted'));
        if (Number(response.headers['content-length'] ?? 0) > options.maxBytes) return fail(new OutboundRequestError(`response exceeds ${options.maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) return fail(new OutboundRequestError(`response exceeds ${options.maxBytes} bytes`));
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          if (size > options.maxBytes) return;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
          }
          const status = response.statusCode ?? 502;
          // A Response cannot carry a body with these statuses.
          const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(content, { status, headers: responseHeaders }));
        });
      });
      request.end(body);
    });
}

function bodyBytes(body: FetchInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new OutboundRequestError('streamed request bodies are not sent');
}
