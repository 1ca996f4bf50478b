-- get_session: one session row and all its runs, in one round trip.
-- Returns 0 or 1 row: the 14 session columns, `runs_text` (every run_data's text in agno's read
-- order: run_index, created_at, run_id; NULL run_index last; joined by RS, which jsonb text never
-- holds unescaped: session_svc/db/run_text.py splits and decodes it where the caller renders, off the
-- event loop for a big session, one run at a time for /runs, reduced to what it reads for the
-- detail) and `legacy_runs` (the agno 2.x `runs` column
-- where the table still has one, else NULL; merged in Python as agno/db/utils.py:
-- merge_runs_table_with_legacy_blob does).
-- The optional user filter is a scoped read (agno/os/middleware/user_scope.py: get_scoped_user_id); a primary-key lookup plans the same
-- either way, so one statement serves both.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
       s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
       s.created_at, s.updated_at,
       (SELECT string_agg(coalesce(r.run_data::text, 'null'), E'\x1e' ORDER BY r.run_index, r.created_at, r.run_id)
          FROM {runs} r WHERE r.session_id = s.session_id) AS runs_text,
       {legacy_runs} AS legacy_runs
  FROM {sessions} s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
