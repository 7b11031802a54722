-- file_records becomes one partition per root (LIST on repository_id). A baseline import into a root
-- with no records can then build the root's table whole and attach it: its indexes are built once,
-- sorted, and the repository reference is checked once, instead of per row (a third of a bulk load's
-- cost each). Every statement still names file_records; only the storage moves.

-- The key of a path, unchanged, in a form PostgreSQL inlines: convert_to() is STABLE, so the old body ran as a
-- function call for every row written, a fifth of a bulk insert. In a UTF8 database a text's own bytes are its
-- UTF-8, which decode(…, 'escape') returns once every backslash is doubled. Other encodings keep convert_to().
DO $$
BEGIN
    IF (SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()) = 'UTF8' THEN
        CREATE OR REPLACE FUNCTION disktools_path_digest(path text) RETURNS bytea
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            RETURN sha256(decode(replace(path, E'\\', E'\\\\'), 'escape'));
    END IF;
END $$;

-- The name of a root's partition: one per repository, derived from its id.
CREATE FUNCTION disktools_records_partition(p_repository uuid) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN 'file_records_' || replace(p_repository::text, '-', '');

-- Gives a root its partition if it has none yet. Built on its own and attached, because CREATE TABLE …
-- PARTITION OF would wait for (and then block) every other root's work on file_records; ATTACH does
-- not. Runs with its owner's rights so that a user who may write records may also register a root.
CREATE FUNCTION disktools_ensure_records_partition(p_repository uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    partition text := disktools_records_partition(p_repository);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('disktools-records-partition:' || p_repository::text, 0));
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'file_records'::regclass AND c.relname = partition) THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE file_records INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS) WITH (fillfactor = 50)', partition);
    EXECUTE format('ALTER TABLE file_records ATTACH PARTITION %I FOR VALUES IN (%L)', partition, p_repository);
END $$;

ALTER TABLE file_records RENAME TO file_records_unpartitioned;
ALTER INDEX file_records_pkey RENAME TO file_records_unpartitioned_pkey;
ALTER INDEX file_records_repository_path_key RENAME TO file_records_unpartitioned_path_key;
ALTER INDEX file_records_hash_idx RENAME TO file_records_unpartitioned_hash_idx;
ALTER INDEX file_records_tier_state_idx RENAME TO file_records_unpartitioned_tier_state_idx;
ALTER SEQUENCE file_records_id_seq RENAME TO file_records_unpartitioned_id_seq;

CREATE TABLE file_records (
    LIKE file_records_unpartitioned INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING IDENTITY
) PARTITION BY LIST (repository_id);

-- A partitioned table's keys include the partition key; ids stay unique, drawn from one sequence.
ALTER TABLE file_records ADD CONSTRAINT file_records_pkey PRIMARY KEY (id, repository_id);
ALTER TABLE file_records ADD CONSTRAINT file_records_repository_path_key UNIQUE (repository_id, path_digest);
ALTER TABLE file_records ADD CONSTRAINT file_records_repository_id_fkey
    FOREIGN KEY (repository_id) REFERENCES repositories (id) ON DELETE CASCADE;
CREATE INDEX file_records_hash_idx ON file_records (content_hash) WHERE content_hash IS NOT NULL;
CREATE INDEX file_records_tier_state_idx ON file_records (repository_id, tier_state) WHERE tier_state <> 'none';

SELECT disktools_ensure_records_partition(id) FROM repositories;

DO $$
DECLARE
    columns text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
    WHERE attrelid = 'file_records_unpartitioned'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('INSERT INTO file_records (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM file_records_unpartitioned', columns, columns);
END $$;

SELECT setval(pg_get_serial_sequence('file_records', 'id'), s.last_value, s.is_called) FROM file_records_unpartitioned_id_seq s;

DROP TABLE file_records_unpartitioned;
