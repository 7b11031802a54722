-- Gives a table that is to become a root's partition file_records' partial indexes, before its rows are
-- written. No row a baseline import writes has a content hash or a tier state other than none, so keeping
-- these indexes while the rows are copied costs one predicate test per row; built afterwards (by ATTACH)
-- each read the whole table. The definitions are file_records' own, read from the catalog, so an index
-- added to file_records later is made here too.
CREATE FUNCTION disktools_add_partial_record_indexes(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    definition text;
BEGIN
    FOR definition IN
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = 'file_records'::regclass AND i.indpred IS NOT NULL
    LOOP
        EXECUTE regexp_replace(definition, '^CREATE INDEX \S+ ON ONLY \S+', format('CREATE INDEX ON %s', p_table));
    END LOOP;
END $$;
