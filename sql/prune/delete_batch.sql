-- prune/delete_batch: one bounded batch of `session-svc prune`: delete up to %(batch_size)s sessions
-- whose last update (agno's updated_at, epoch seconds; created_at where it is NULL) is before
-- %(cutoff)s, with their runs and side rows, exactly as delete_sessions.sql clears them
-- (deleted_runs and {side_deletes} are the same CTEs). One statement, so one transaction: an
-- interrupted prune leaves whole sessions, never a session without its runs.
-- FOR UPDATE SKIP LOCKED: a session being written right now is left for the next run, and the
-- row is re-checked under the lock, so a session updated meanwhile is kept.
-- Returns the numbers of sessions and runs deleted (0 sessions: nothing older is left).
WITH doomed AS (
    SELECT s.session_id FROM {sessions} AS s
     WHERE coalesce(s.updated_at, s.created_at) < %(cutoff)s::bigint
       AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
       AND (%(session_type)s::varchar IS NULL OR s.session_type = %(session_type)s::varchar)
     LIMIT %(batch_size)s
       FOR UPDATE SKIP LOCKED
), deleted AS (
    DELETE FROM {sessions} AS s USING doomed d
     WHERE s.session_id = d.session_id
    RETURNING s.session_id
), deleted_runs AS (
    DELETE FROM {runs} AS r WHERE r.session_id IN (SELECT session_id FROM deleted)
    RETURNING 1
){side_deletes}
SELECT (SELECT count(*) FROM deleted) AS sessions, (SELECT count(*) FROM deleted_runs) AS runs
