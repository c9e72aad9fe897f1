import type { Resource, ResourceRecord } from '../fhir/resource.ts';

/** A row of resource/resource_version_content as the stores select it. */
export interface ResourceRow {
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  content: string;
  method?: string;
  seq?: string;
}

export const RECORD_COLUMNS = 'resource_type, id, version_id, deleted, content::text AS content';

export function toRecord(row: ResourceRow): ResourceRecord {
  // JSONB stores keys in its own order; put resourceType, id and meta first, as FHIR JSON is read by people too.
  const { resourceType, id, meta, ...rest } = JSON.parse(row.content) as Resource;
  const resource: Resource = { resourceType, id, meta, ...rest };
  const record: ResourceRecord = {
    resourceType: row.resource_type,
    id: row.id,
    versionId: String(row.version_id),
    lastUpdated: resource.meta?.lastUpdated ?? '',
    deleted: row.deleted,
    resource,
  };
  if (row.method) record.method = row.method as ResourceRecord['method'];
  return record;
}

