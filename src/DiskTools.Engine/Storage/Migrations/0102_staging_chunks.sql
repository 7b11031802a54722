-- Staging rows age by the chunk they were staged in, not one by one. A timestamp on every row and its
-- index cost about a third of the staging COPY; one row per staged chunk (tens of thousands of events)
-- costs nothing, and retention deletes a chunk's rows by primary-key range.
CREATE TABLE lucid_audit_staged_chunks (
    cursor_id   bigint NOT NULL REFERENCES lucid_audit_cursor (id) ON DELETE CASCADE,
    first_line  bigint NOT NULL,
    last_line   bigint NOT NULL,
    staged_utc  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cursor_id, first_line),
    CHECK (last_line >= first_line)
);

-- What is already staged keeps its age: one chunk per log, as old as its newest row.
INSERT INTO lucid_audit_staged_chunks (cursor_id, first_line, last_line, staged_utc)
SELECT cursor_id, min(line_number), max(line_number), max(staged_utc)
FROM staging_lucid_audit
WHERE cursor_id IN (SELECT id FROM lucid_audit_cursor)
GROUP BY cursor_id;

DROP INDEX staging_lucid_audit_staged_idx;
ALTER TABLE staging_lucid_audit DROP COLUMN staged_utc;
