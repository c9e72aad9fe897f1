import type { FhirResponse } from './interaction.ts';
import type { ResourceRecord } from './resource.ts';

/** ETag (weak, FHIR style) and Last-Modified of a stored version. */
export function versionHeaders(record: ResourceRecord): Record<string, string> {
  return {
    ETag: `W/"${record.versionId}"`,
    'Last-Modified': new Date(record.lastUpdated).toUTCString(),
  };
}

/** Reads a version id from an ETag / If-Match value: `W/"3"`, `"3"` or `3`. */
export function parseETagVersion(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?([^"]*)"?\s*$/.exec(value);
  return m?.[1];
}

export function withHeaders(response: FhirResponse, headers: Record<string, string>): FhirResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}
