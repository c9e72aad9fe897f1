import type { FhirRequest, FhirRequestHeaders, FhirSettings } from '../interaction.ts';
import { badRequest, FhirError, issue } from '../outcome.ts';
import { parseEntryUrl } from './entry-url.ts';

export type BatchKind = 'batch' | 'transaction';

/** One entry of a batch/transaction Bundle, turned into the request it asks for. */
export interface BatchEntry {
  /** Position in Bundle.entry: the response keeps the original order. */
  index: number;
  fullUrl?: string;
  /** `POST Observation`, for diagnostics. */
  label: string;
  request: FhirRequest;
}

const METHODS = new Set<FhirRequest['method']>(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown, expression: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${expression} must be a string`, expression);
  return v;
};

/**
 * Checks the shape of a batch/transaction Bundle (FHIR R4 http.html#transaction) and turns each
 * entry into a FhirRequest: method and url from entry.request, headers from its ifMatch,
 * ifNoneExist, ifNoneMatch and ifModifiedSince, body from entry.resource.
 */
export function parseBatchBundle(
  body: unknown,
  settings: FhirSettings,
  prefer: string | undefined,
): { kind: BatchKind; entries: BatchEntry[] } {
  if (!isObject(body) || body.resourceType !== 'Bundle') {
    throw badRequest('POST to the FHIR base takes a Bundle of type batch or transaction');
  }
  const kind = body.type;
  if (kind !== 'batch' && kind !== 'transaction') {
    throw badRequest(`Bundle.type must be 'batch' or 'transaction', not ${JSON.stringify(kind)}`, 'Bundle.type');
  }
  const raw = body.entry ?? [];
  if (!Array.isArray(raw)) throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  // Refused whole, before any entry is read or written: 413 Content Too Large (RFC 9110 §15.5.14), as
  // for a body over MAX_BODY_BYTES; its cost grows with every entry, and it runs in one request.
  if (raw.length > settings.maxBundleEntries) {
    throw new FhirError(413, issue('too-costly', `A ${kind} may hold at most ${settings.maxBundleEntries} entries; this one holds ${raw.length}`, 'Bundle.entry'));
  }
  /** fullUrl → the entry that first claimed it. */
  const fullUrls = new Map<string, number>();
  const entries = raw.map((entry: unknown, index): BatchEntry => {
    const at = `Bundle.entry[${index}]`;
    if (!isObject(entry)) throw badRequest(`${at} must be an object`, at);
    const request = entry.request;
    if (!isObject(request)) throw badRequest(`${at}.request is required in a ${kind}`, `${at}.request`);
    const method = request.method;
    if (typeof method !== 'string' || !METHODS.has(method as FhirRequest['method'])) {
      throw badRequest(`${at}.request.method must be one of ${[...METHODS].join(', ')}`, `${at}.request.method`);
    }
    const url = request.url;
    if (typeof url !== 'string' || url.trim() === '') throw badRequest(`${at}.request.url is required`, `${at}.request.url`);
    const { path, query } = parseEntryUrl(url, settings.baseUrl, `${at}.request.url`);
    if (path === '' && method === 'POST') {
      throw badRequest(`${at} is a nested batch/transaction, which this server does not process`, `${at}.request`);
    }
    const resource = entry.resource;
    if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !isObject(resource)) {
      throw badRequest(`${at}.resource is required for ${method}`, `${at}.resource`);
    }
    const fullUrl = optionalString(entry.fullUrl, `${at}.fullUrl`);
    if (fullUrl !== undefined && method !== 'GET' && method !== 'HEAD') {
      // Two entries claiming one identity is ambiguous (FHIR R4 bundle.html#bundle-unique).
      const first = fullUrls.get(fullUrl);
      if (first !== undefined) {
        throw badRequest(`Bundle.entry[${first}] and ${at} have the same fullUrl '${fullUrl}'`, `${at}.fullUrl`);
      }
      fullUrls.set(fullUrl, index);
    }
    const headers: FhirRequestHeaders = {};
    const header = (key: keyof FhirRequestHeaders, value: unknown, name: string) => {
      const v = optionalString(value, `${at}.request.${name}`);
      if (v !== undefined) headers[key] = v;
    };
    header('ifMatch', request.ifMatch, 'ifMatch');
    header('ifNoneMatch', request.ifNoneMatch, 'ifNoneMatch');
    header('ifNoneExist', request.ifNoneExist, 'ifNoneExist');
    header('ifModifiedSince', request.ifModifiedSince, 'ifModifiedSince');
    if (prefer !== undefined) headers.prefer = prefer;
    // An entry's resource is FHIR JSON: a PATCH's is a Binary holding a JSON Patch or a Parameters (FHIRPath Patch).
    if (method === 'PATCH') headers.contentType = 'application/fhir+json';
    return {
      index,
      ...(fullUrl !== undefined ? { fullUrl } : {}),
      label: `${method} ${url}`,
      request: {
        method: method as FhirRequest['method'],
        path,
        query,
        ...(resource !== undefined && method !== 'GET' && method !== 'HEAD' && method !== 'DELETE' ? { body: resource } : {}),
        headers,
      },
    };
  });
  return { kind, entries };
}
