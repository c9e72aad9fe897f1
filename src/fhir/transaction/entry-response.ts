import type { BundleEntry } from '../bundle.ts';
import type { FhirResponse, FhirSettings } from '../interaction.ts';
import type { OperationOutcome } from '../outcome.ts';
import type { Resource } from '../resource.ts';

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** Bundle.entry.response.status: the status code, optionally followed by its reason phrase. */
export const statusLine = (status: number) => (REASONS[status] ? `${status} ${REASONS[status]}` : String(status));

/**
 * The batch-/transaction-response entry for one entry's outcome (FHIR R4 bundle.html, Bundle.entry.response):
 * status, location relative to the base, etag, lastModified, and the resource or OperationOutcome.
 */
export function responseEntry(response: FhirResponse, settings: FhirSettings, head = false): BundleEntry {
  const headers = response.headers ?? {};
  const location = relativeLocation(headers.Location ?? headers['Content-Location'], settings.baseUrl);
  const body = head ? undefined : response.body;
  const resource = body && body.resourceType !== 'OperationOutcome' ? (body as Resource) : undefined;
  const outcome = body?.resourceType === 'OperationOutcome' ? (body as OperationOutcome) : undefined;
  const lastUpdated = resource?.meta?.lastUpdated;
  const lastModified = lastUpdated ?? (headers['Last-Modified'] ? new Date(headers['Last-Modified']).toISOString() : undefined);
  const identity = location?.replace(/\/_history\/[^/]+$/, '') ?? (resource?.id ? `${resource.resourceType}/${resource.id}` : undefined);
  return {
    ...(identity ? { fullUrl: `${settings.baseUrl}/${identity}` } : {}),
    ...(resource ? { resource } : {}),
    response: {
      status: statusLine(response.status),
      ...(location ? { location } : {}),
      ...(headers.ETag ? { etag: headers.ETag } : {}),
      ...(lastModified ? { lastModified } : {}),
      ...(outcome ? { outcome: { ...outcome } } : {}),
    },
  };
}

/** A failed entry of a batch: its status and OperationOutcome. */
export function failedEntry(status: number, outcome: OperationOutcome): BundleEntry {
  return { response: { status: statusLine(status), outcome: { ...outcome } } };
}

function relativeLocation(location: string | undefined, baseUrl: string): string | undefined {
  if (!location) return undefined;
  return location.startsWith(`${baseUrl}/`) ? location.slice(baseUrl.length + 1) : location;
}
