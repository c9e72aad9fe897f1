-- A file's NDJSON content lives either in bulk_export_chunk (content_path NULL) or in a file under the
-- export directory (BULK_EXPORT_FILES=directory), at this path relative to it. Each attempt at a job
-- writes new names, so a stalled worker of an earlier attempt can never append to this attempt's files.
ALTER TABLE bulk_export_file ADD COLUMN content_path text;
