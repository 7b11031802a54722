-- The newest delete (FileDelete, or DirectoryDelete of a directory above) and the newest create or write
-- the audit trail reported for a record, whichever pass applied them. A delete and a create or write
-- are weighed by these times, so the outcome does not depend on which log was staged first or in which
-- round an event arrived: a write dated before a later delete never brings the record back.
ALTER TABLE file_records
    ADD COLUMN last_audit_delete_utc   timestamptz,
    ADD COLUMN last_audit_recreate_utc timestamptz;
