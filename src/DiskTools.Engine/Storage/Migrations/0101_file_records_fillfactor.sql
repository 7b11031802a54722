-- An audit pass can raise last_accessed on most of an inventory at once. With full pages every such
-- update writes the row to a new page and adds entries to every index on file_records; with room left
-- on each page PostgreSQL keeps the new version beside the old one and touches no index (a HOT update),
-- which made applying a million events several times faster. Pages written from now on keep that room;
-- an existing inventory gets it after VACUUM FULL file_records (or a fresh import).
ALTER TABLE file_records SET (fillfactor = 50);
