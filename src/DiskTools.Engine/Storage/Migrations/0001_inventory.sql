-- The file inventory: one repository per watched root, one record per regular file under it, and one
-- row per reconciliation pass or per minute of real-time changes.

CREATE TABLE repositories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Absolute root path, compared byte-exactly (never case-folded or normalised).
    root_path   text COLLATE "C" NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The key of a path. convert_to() is only STABLE in general, but a database's encoding never changes,
-- so for this use the digest is a pure function of the text.
CREATE FUNCTION disktools_path_digest(path text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sha256(convert_to(path, 'UTF8'));

CREATE TABLE file_records (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id    uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- Relative to the root, '/'-separated, exactly the bytes the file system returned.
    file_path        text COLLATE "C" NOT NULL,
    -- B-tree entries cannot exceed ~2.7 kB, but a relative path can be far longer than that; the unique
    -- key is therefore the path's SHA-256, which every upsert's ON CONFLICT targets.
    path_digest      bytea GENERATED ALWAYS AS (disktools_path_digest(file_path)) STORED,
    file_size        bigint NOT NULL,
    mod_time         timestamptz NOT NULL,
    -- Change detection compares these four for inequality: nanosecond mtime, ctime, inode and device.
    mtime_ns         bigint NOT NULL,
    ctime_ns         bigint NOT NULL,
    inode            bigint NOT NULL,
    dev              bigint NOT NULL,
    -- Lower-case hex SHA-256 of the content, NULL when the file was recorded without hashing.
    content_hash     text CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    -- When this record's content was last examined (written): the database clock.
    last_scanned     timestamptz NOT NULL DEFAULT now(),
    -- The sync operation that last wrote this record.
    scan_generation  bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT file_records_repository_path_key UNIQUE (repository_id, path_digest)
);

CREATE INDEX file_records_hash_idx ON file_records (content_hash) WHERE content_hash IS NOT NULL;

CREATE TABLE sync_operations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id   uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    operation_type  text NOT NULL CHECK (operation_type IN ('realtime', 'reconciliation', 'startup', 'manual')),
    files_scanned   integer NOT NULL DEFAULT 0,
    files_added     integer NOT NULL DEFAULT 0,
    files_updated   integer NOT NULL DEFAULT 0,
    files_removed   integer NOT NULL DEFAULT 0,
    -- Files that changed while being hashed (or too recently to trust the hash); retried next time.
    files_deferred  integer NOT NULL DEFAULT 0,
    start_time      timestamptz NOT NULL DEFAULT now(),
    end_time        timestamptz,
    duration_ms     bigint,
    status          text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sync_operations_repository_idx ON sync_operations (repository_id, start_time DESC);

-- One row per running watcher, refreshed periodically; a stale heartbeat means nothing is watching.
CREATE TABLE repository_watchers (
    repository_id        uuid PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    host_name            text NOT NULL,
    process_id           integer NOT NULL,
    started_at           timestamptz NOT NULL DEFAULT now(),
    heartbeat_at         timestamptz NOT NULL DEFAULT now(),
    stale_after          interval NOT NULL,
    next_reconciliation  timestamptz
);
