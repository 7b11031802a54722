-- What a reconciliation pass needs to keep what a rescan cannot rebuild. Constant (NULL or literal)
-- defaults only: PostgreSQL adds these columns without rewriting the tables.

-- What the root was when it was last reconciled: its file system (statfs f_type and f_fsid) and its own
-- inode. A pass whose root is on another file system, or is another directory, stops before changing
-- anything (device numbers are not part of it: they change when the same file system is mounted again).
ALTER TABLE repositories
    ADD COLUMN root_fs_type      bigint,
    ADD COLUMN root_fs_id        text,
    ADD COLUMN root_inode        bigint,
    ADD COLUMN root_identity_utc timestamptz;

ALTER TABLE file_records
    -- Since when the file has been missing from its root while its record is kept because it holds
    -- tiering or access history. NULL while the file is there; cleared when it comes back.
    ADD COLUMN absent_since        timestamptz,
    -- When a pass adopted an imported baseline record (inode unknown) whose size and mtime matched the
    -- file, without reading the file. Such a record is hashed when the file next changes, not before.
    ADD COLUMN baseline_adopted_at timestamptz;

-- Files a pass found under a new path with the same inode, size and mtime: their records moved with them.
ALTER TABLE sync_operations ADD COLUMN files_moved integer NOT NULL DEFAULT 0;
