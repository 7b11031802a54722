-- An audit log that no longer matches its cursor (it shrank, or another log took its name) is reported
-- once and then no longer read, so none of its events is applied twice: when that was found, and why.
-- NULL while the log is read normally.
ALTER TABLE lucid_audit_cursor
    ADD COLUMN set_aside_utc    timestamptz,
    ADD COLUMN set_aside_reason text;
