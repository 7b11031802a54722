-- Gives a table that is to become a root's partition file_records' partial indexes, before its rows are
-- written. No row a baseline import writes has a content hash or a tier state other than none, so keeping
-- these indexes while the rows are copied costs one predicate test per row; built afterwards (by ATTACH)
-- each read the whole table. The definitions are file_records' own, read from the catalog, so an index
-- added to file_records later is made here too.
CREATE FUNCTION disktools_add_partial_record_indexes(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    definition text;
    on_table text;
BEGIN
    FOR definition IN
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = 'file_records'::regclass AND i.indpred IS NOT NULL
    LOOP
        -- "CREATE [UNIQUE] INDEX name ON ONLY file_records USING …" becomes the same index, named by the server, on p_table.
        on_table := regexp_replace(definition, '^(CREATE (UNIQUE )?INDEX) \S+ ON ONLY \S+ ', format('\1 ON %s ', p_table));
        IF on_table = definition THEN
            RAISE EXCEPTION 'cannot read the definition of an index of file_records: %', definition;
        END IF;
        EXECUTE on_table;
    END LOOP;
END $$;
