-- file_records' unique key leads with the path digest. Within a root's partition the root id is the same in
-- every row, so as the first column it only added a comparison to every step of building, searching and
-- inserting into the key: building it for a million-record baseline took twice as long. Lookups name both
-- columns and ON CONFLICT (repository_id, path_digest) infers the key from its columns, whatever their order,
-- so no statement changes. The name stays: it is the key of a path within a root.
ALTER TABLE file_records ADD CONSTRAINT file_records_path_digest_key UNIQUE (path_digest, repository_id);
ALTER TABLE file_records DROP CONSTRAINT file_records_repository_path_key;
ALTER TABLE file_records RENAME CONSTRAINT file_records_path_digest_key TO file_records_repository_path_key;
