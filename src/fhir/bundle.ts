import type { FhirSettings } from './interaction.ts';
import type { Resource, ResourceRecord } from './resource.ts';

export interface BundleLink {
  relation: string;
  url: string;
}

export interface BundleEntry {
  fullUrl?: string;
  resource?: Resource;
  search?: { mode: 'match' | 'include' | 'outcome' };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: Resource };
}

export interface Bundle extends Resource {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry[];
}

export const fullUrl = (settings: FhirSettings, record: Pick<ResourceRecord, 'resourceType' | 'id'>) =>
  `${settings.baseUrl}/${record.resourceType}/${record.id}`;

/** A query string from pairs, encoded as FHIR paging links carry them. */
export function queryString(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
