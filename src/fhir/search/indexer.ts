import type { FhirDefinitions } from '../definitions.ts';
import type { Resource } from '../resource.ts';
import { emptyIndexRows, type SearchIndexRows } from './index-rows.ts';

/** Builds the function that extracts a resource's search index. (Placeholder: indexes nothing.) */
export function createIndexer(_definitions: FhirDefinitions): (resource: Resource) => SearchIndexRows {
  return () => emptyIndexRows();
}
