-- The current version's content is kept once, in resource. Its resource_version row holds the
-- version's metadata with content NULL; the content moves there when a newer version replaces it.
-- Rows written before this migration keep their copy (equal to the current one): nothing to rewrite.
ALTER TABLE resource_version ALTER COLUMN content DROP NOT NULL;

-- Every version with its content, wherever it is kept. Readers of versions (vread, history) use this.
CREATE VIEW resource_version_content AS
  SELECT v.seq, v.tenant, v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.method,
         COALESCE(v.content, (SELECT r.content FROM resource r
                               WHERE r.tenant = v.tenant AND r.resource_type = v.resource_type
                                 AND r.id = v.id AND r.version_id = v.version_id)) AS content
    FROM resource_version v;
