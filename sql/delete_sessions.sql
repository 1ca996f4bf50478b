-- delete_sessions: delete sessions and everything agno keeps for them, as one statement (so one
-- transaction): the session rows (scoped to the caller's user when one applies), then their runs
-- (agno repeats the FK cascade explicitly, so do we) and, where those tables exist, transcripts and
-- compactions ({side_deletes}, fixed per database at start-up).
-- %(session_ids)s is a text[] array parameter: one bind parameter whatever the number of ids, so a
-- bulk delete of 100,000 ids stays one statement. Single and bulk delete share this file.
-- Returns the number of session rows deleted.
WITH deleted AS (
    DELETE FROM {sessions} AS s
     WHERE s.session_id = ANY(%(session_ids)s::varchar[])
       AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
    RETURNING s.session_id
), deleted_runs AS (
    DELETE FROM {runs} AS r WHERE r.session_id IN (SELECT session_id FROM deleted)
    RETURNING 1
){side_deletes}
SELECT count(*) AS deleted FROM deleted
