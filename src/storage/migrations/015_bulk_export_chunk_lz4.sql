-- Export chunks compressed with LZ4 where the server has it: NDJSON shrinks about tenfold for a
-- few percent of CPU (unlike pglz, which 012 turned off), so the chunks' WAL and disk shrink with it.
-- Without LZ4 (PGlite; a server built without it) they stay uncompressed, as 012 left them.
DO $$ BEGIN ALTER TABLE bulk_export_chunk ALTER COLUMN content SET STORAGE EXTENDED, ALTER COLUMN content SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
