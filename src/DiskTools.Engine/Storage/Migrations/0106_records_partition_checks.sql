-- Whether a root has its partition of file_records, and the lock that keeps the answer true, each defined
-- once: disktools_ensure_records_partition and a baseline import (which builds a root's partition whole)
-- both use these, so they can never disagree about the partition's name, the lock's key or how to look.

-- Until the caller's transaction ends, nobody else gives the root a partition or writes a record into it.
CREATE FUNCTION disktools_lock_records_partition(p_repository uuid) RETURNS void
    LANGUAGE sql VOLATILE STRICT
    AS $$ SELECT pg_advisory_xact_lock(hashtextextended('disktools-records-partition:' || p_repository::text, 0)) $$;

CREATE FUNCTION disktools_records_partition_exists(p_repository uuid) RETURNS boolean
    LANGUAGE sql STABLE STRICT
    RETURN EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                   WHERE i.inhparent = 'file_records'::regclass AND c.relname = disktools_records_partition(p_repository));

CREATE OR REPLACE FUNCTION disktools_ensure_records_partition(p_repository uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    partition text := disktools_records_partition(p_repository);
BEGIN
    PERFORM disktools_lock_records_partition(p_repository);
    IF disktools_records_partition_exists(p_repository) THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE file_records INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS) WITH (fillfactor = 50)', partition);
    EXECUTE format('ALTER TABLE file_records ATTACH PARTITION %I FOR VALUES IN (%L)', partition, p_repository);
END $$;
