-- prune/count: what `session-svc prune --dry-run` would delete: the sessions matching
-- prune/delete_batch.sql's filter and their runs. Reads only.
WITH doomed AS (
    SELECT s.session_id FROM {sessions} AS s
     WHERE coalesce(s.updated_at, s.created_at) < %(cutoff)s::bigint
       AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
       AND (%(session_type)s::varchar IS NULL OR s.session_type = %(session_type)s::varchar)
)
SELECT (SELECT count(*) FROM doomed) AS sessions,
       (SELECT count(*) FROM {runs} AS r WHERE r.session_id IN (SELECT session_id FROM doomed)) AS runs
