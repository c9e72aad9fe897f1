-- Resources whose search index rows must be recomputed, because what the indexer extracts changed:
-- a `code` now carries the code system of its binding, a token's display is stored accent- and
-- case-folded for :text, and UCUM quantities get a row in canonical units. SQL cannot run the indexer
-- (FHIRPath over the R4 definitions), so this queues every live resource and the server re-indexes
-- the queue at start, before it serves (src/storage/search-reindex.ts). A later change to the indexer
-- queues again with another migration of the same INSERT.
CREATE TABLE search_reindex (
  tenant text NOT NULL, resource_type text NOT NULL, id text NOT NULL,
  PRIMARY KEY (tenant, resource_type, id)
);
INSERT INTO search_reindex (tenant, resource_type, id) SELECT tenant, resource_type, id FROM resource WHERE NOT deleted;
