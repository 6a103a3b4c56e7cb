-- The batch's objects: each local file with the ledger's id and URI for it.
-- Input:  $paths, $uris, $ids, $sizes, $mtimes: one list entry per object, in the same order.
-- Output: lapse_batch_objects (temp table): file, uri, object_id, size, mtime_ms.
CREATE OR REPLACE TEMP TABLE lapse_batch_objects AS
SELECT unnest($paths) AS file, unnest($uris) AS uri, unnest($ids) AS object_id, unnest($sizes)::BIGINT AS size,
       unnest($mtimes)::BIGINT AS mtime_ms
