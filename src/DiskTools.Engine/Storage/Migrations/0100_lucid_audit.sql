-- Access tracking from LucidLink audit trails (Watch-LucidAudit) and baseline imports
-- (Import-FileInventory). Numbered from 100 so the inventory's own migrations (1, 2, …) never collide.

CREATE TYPE file_access_source AS ENUM ('initial_scan', 'lucidlink_audit', 'incremental_scan', 'manual');
CREATE TYPE file_tier_state AS ENUM ('none', 'planned', 'stubbed', 'rehydrated', 'deleted');

-- Constant defaults: PostgreSQL adds these columns without rewriting the table.
ALTER TABLE file_records
    -- When the file's content was last used, and which source said so.
    ADD COLUMN last_accessed         timestamptz,
    ADD COLUMN last_accessed_source  file_access_source,
    -- When access tracking last changed this record (last_accessed, tier state, path after a move).
    ADD COLUMN updated_utc           timestamptz,
    -- Tiering lifecycle. A deleted file keeps its record ('deleted'), it is never dropped by ingest.
    ADD COLUMN tier_state            file_tier_state NOT NULL DEFAULT 'none',
    -- Trending: accesses seen in audit trails and the newest of them (last_accessed may come from a scan).
    ADD COLUMN access_count          bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_audit_access_utc timestamptz;

CREATE INDEX file_records_tier_state_idx ON file_records (repository_id, tier_state) WHERE tier_state <> 'none';

-- A filespace's audit trail belongs to exactly one tenant, so two tenants can never both apply it.
CREATE TABLE lucid_audit_volumes (
    volume_id      uuid PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    tenant_id      text NOT NULL,
    registered_utc timestamptz NOT NULL DEFAULT now()
);

-- How far each audit log has been read. The identity is node + begin stem, never the file name: the
-- client renames <begin>.log.active to <begin>.log on rotation. staged_* is how far lines were copied
-- into staging_lucid_audit; last_position/last_event_id how far they were applied. Both only ever stop
-- just past a line break, and the fingerprint (SHA-256 of the first fingerprint_length consumed bytes)
-- proves a later read is still the same log.
CREATE TABLE lucid_audit_cursor (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id           text NOT NULL,
    volume_id           uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    node_id             text COLLATE "C" NOT NULL,
    begin_stem          text COLLATE "C" NOT NULL,
    audit_file          text COLLATE "C" NOT NULL,
    last_position       bigint NOT NULL DEFAULT 0,
    -- The line number of the last applied line (events have no id of their own; node + stem + line is one).
    last_event_id       bigint NOT NULL DEFAULT 0,
    staged_position     bigint NOT NULL DEFAULT 0,
    staged_line         bigint NOT NULL DEFAULT 0,
    fingerprint         bytea NOT NULL DEFAULT '',
    fingerprint_length  integer NOT NULL DEFAULT 0,
    last_processed_utc  timestamptz,
    CONSTRAINT lucid_audit_cursor_key UNIQUE (tenant_id, volume_id, node_id, begin_stem),
    CONSTRAINT lucid_audit_cursor_order CHECK (staged_position >= last_position AND staged_line >= last_event_id)
);

-- Only what the updates need. A row is pending while its line is past its cursor's last_event_id; it is
-- applied when the cursor moves, in the same transaction, so no per-row "applied" flag is ever written.
-- No foreign key on cursor_id: a per-row check would slow the COPY, and rows are only ever written
-- together with their cursor in one transaction. entry_digest is disktools_path_digest(entry_path),
-- computed by the client, so matching against file_records needs no function call per event.
CREATE TABLE staging_lucid_audit (
    cursor_id    bigint NOT NULL,
    line_number  bigint NOT NULL,
    event_utc    timestamptz NOT NULL,
    action       smallint NOT NULL,
    entry_path   text COLLATE "C" NOT NULL,
    entry_digest bytea NOT NULL,
    target_path  text COLLATE "C",
    user_name    text,
    staged_utc   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cursor_id, line_number)
);

CREATE INDEX staging_lucid_audit_staged_idx ON staging_lucid_audit (staged_utc);

-- Events naming paths the inventory does not hold (files created since the baseline, moves of unknown
-- sources), kept for investigation and the next scan.
CREATE TABLE lucid_audit_unmatched (
    cursor_id    bigint NOT NULL REFERENCES lucid_audit_cursor (id) ON DELETE CASCADE,
    line_number  bigint NOT NULL,
    tenant_id    text NOT NULL,
    volume_id    uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    event_utc    timestamptz NOT NULL,
    action       smallint NOT NULL,
    entry_path   text COLLATE "C" NOT NULL,
    target_path  text COLLATE "C",
    user_name    text,
    queued_utc   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cursor_id, line_number)
);

CREATE INDEX lucid_audit_unmatched_volume_idx ON lucid_audit_unmatched (tenant_id, volume_id, queued_utc);

-- The action numbers as LucidLink names them, for people querying the tables.
CREATE TABLE lucid_audit_actions (
    action  smallint PRIMARY KEY,
    name    text NOT NULL UNIQUE
);

INSERT INTO lucid_audit_actions VALUES
    (1, 'FileRead'), (2, 'FileWritten'), (3, 'FileCreate'), (4, 'FileDelete'), (5, 'DirectoryCreate'),
    (6, 'DirectoryDelete'), (7, 'Move'), (8, 'SymlinkCreate'), (9, 'ExtendedAttributeSet'),
    (10, 'ExtendedAttributeDelete'), (11, 'Pin'), (12, 'Unpin'), (13, 'PreHydrate');

CREATE VIEW lucid_audit_unmatched_events AS
SELECT u.tenant_id, r.root_path, c.node_id, c.audit_file, u.line_number, u.event_utc, a.name AS action,
       u.entry_path, u.target_path, u.user_name, u.queued_utc
FROM lucid_audit_unmatched u
JOIN lucid_audit_cursor c ON c.id = u.cursor_id
JOIN repositories r ON r.id = u.volume_id
JOIN lucid_audit_actions a ON a.action = u.action;

-- A move of a file, or of a directory with everything beneath it. A record already at the destination
-- was replaced by the move and is removed (two records cannot share a path). Returns records moved.
CREATE FUNCTION lucid_audit_move(p_volume uuid, p_from text, p_to text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    IF p_from = p_to THEN
        RETURN 0;
    END IF;

    IF EXISTS (SELECT 1 FROM file_records WHERE repository_id = p_volume AND path_digest = disktools_path_digest(p_from)) THEN
        DELETE FROM file_records WHERE repository_id = p_volume AND path_digest = disktools_path_digest(p_to);
        UPDATE file_records SET file_path = p_to, updated_utc = now()
        WHERE repository_id = p_volume AND path_digest = disktools_path_digest(p_from);
        GET DIAGNOSTICS moved = ROW_COUNT;
        RETURN moved;
    END IF;

    -- A directory: every record beneath it follows.
    DELETE FROM file_records d
    USING file_records s
    WHERE s.repository_id = p_volume AND starts_with(s.file_path, p_from || '/')
      AND d.repository_id = p_volume
      AND d.path_digest = disktools_path_digest(p_to || substr(s.file_path, length(p_from) + 1));
    UPDATE file_records SET file_path = p_to || substr(file_path, length(p_from) + 1), updated_utc = now()
    WHERE repository_id = p_volume AND starts_with(file_path, p_from || '/');
    GET DIAGNOSTICS moved = ROW_COUNT;
    RETURN moved;
END
$$;
