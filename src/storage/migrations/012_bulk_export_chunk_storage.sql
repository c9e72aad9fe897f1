-- Export chunks are written once and read back once, within hours: compressing them (TOAST's
-- default) costs more CPU on both sides than the disk it saves. EXTERNAL keeps them out of line,
-- uncompressed.
ALTER TABLE bulk_export_chunk ALTER COLUMN content SET STORAGE EXTERNAL;
