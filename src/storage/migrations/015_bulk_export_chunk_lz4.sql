-- Export chunks compressed with LZ4 where the server has it: NDJSON shrinks about tenfold for a
-- few percent of CPU (unlike pglz, which 012 turned off), so the chunks' WAL and disk shrink with it.
-- Without LZ4 (PGlite; a server built without it; PostgreSQL before 14, which has no SET COMPRESSION)
-- they stay uncompressed, as 012 left them. EXECUTE: parsed when run, so inside the handler.
DO $$ BEGIN EXECUTE 'ALTER TABLE bulk_export_chunk ALTER COLUMN content SET STORAGE EXTENDED, ALTER COLUMN content SET COMPRESSION lz4'; EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL; END $$;
