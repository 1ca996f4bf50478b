-- get_session_for_previews: one session and, of each of its runs, only what a run preview reads, for
-- GET /sessions/{id}/run-previews, in one round trip.
-- Returns 0 or 1 row: the session columns the previews read, `runs_json` (as get_session.sql: the
-- runs in read order, as json text) and `legacy_runs`. Each run object keeps only the keys
-- session_svc/render/runs.py: iter_run_previews, its classification and filters read (ids,
-- status, created_at, content, input), and `messages`/`step_executor_runs` only when the run has
-- no `input.input_content`, the one case where its run_input comes from them
-- (render/values.py: run_input). A run_data that is not an object is passed as stored.
-- A table run and its legacy copy are merged by run_id, which the reduced object keeps.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, {legacy_runs} AS legacy_runs,
       (SELECT json_agg(
                 CASE WHEN jsonb_typeof(r.run_data) <> 'object' THEN r.run_data ELSE
                   (SELECT jsonb_object_agg(e.key, e.value)
                      FROM jsonb_each(r.run_data) e
                     WHERE e.key IN ('run_id', 'parent_run_id', 'agent_id', 'team_id', 'workflow_id', 'user_id',
                                     'status', 'created_at', 'content', 'input')
                        OR (e.key IN ('messages', 'step_executor_runs')
                            AND coalesce(jsonb_typeof(r.run_data -> 'input' -> 'input_content'), 'null') = 'null'))
                 END
                 ORDER BY r.run_index, r.created_at, r.run_id)
          FROM {runs} r WHERE r.session_id = s.session_id)::text AS runs_json
  FROM {sessions} s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
