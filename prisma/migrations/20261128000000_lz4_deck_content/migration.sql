-- Slide content and the operation log's operations are large JSON documents (a 39-slide AI batch is
-- ~210 KB, written twice: the slides and the log row). Postgres compresses such values with pglz by
-- default; lz4 does the same job several times faster, which is most of the write's cost here.
-- Only new values use it; a server built without lz4 keeps pglz (the migration still succeeds).
DO $$
BEGIN
  ALTER TABLE decks.slides ALTER COLUMN content SET COMPRESSION lz4;
  ALTER TABLE decks.operations ALTER COLUMN operations SET COMPRESSION lz4;
  ALTER TABLE decks.operations ALTER COLUMN inverse SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 compression is not available on this server; keeping pglz';
END $$;
