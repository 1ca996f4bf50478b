-- get_session_for_previews: one session and, of each of its runs, only what a run preview reads, for
-- GET /sessions/{id}/run-previews, in one round trip.
-- Returns 0 or 1 row: the session columns the previews read, `runs_text` (as get_session.sql: the
-- runs' texts in read order, joined by RS) and `legacy_runs`. Each run object keeps only the keys
-- session_svc/render/runs.py: iter_run_previews, its classification and filters read (ids,
-- status, created_at, content, input; key presence kept, as absent keys take the schemas'
-- defaults), and `messages`/`step_executor_runs` only when the run has no `input.input_content`,
-- the one case where its run_input comes from them (render/values.py: run_input). A run_data that
-- is not an object is passed as stored. A table run and its legacy copy are merged by run_id,
-- which the reduced object keeps.
-- Each reduced run is assembled as text, each run_data detoasted once: see get_session_detail.sql
-- for why (here 26 against 35 ms of PostgreSQL time for jsonb_each on bench/big.py's 1,000-run
-- session, 0.10 against 0.19 ms on a 4-run one).
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, {legacy_runs} AS legacy_runs,
       (SELECT string_agg(
                 CASE WHEN jsonb_typeof(d.run) <> 'object' THEN coalesce(r.run_data::text, 'null') ELSE
                   '{{' || concat_ws(',',
                      CASE WHEN d.run ? 'run_id' THEN '"run_id":' || (d.run -> 'run_id')::text END,
                      CASE WHEN d.run ? 'parent_run_id' THEN '"parent_run_id":' || (d.run -> 'parent_run_id')::text END,
                      CASE WHEN d.run ? 'agent_id' THEN '"agent_id":' || (d.run -> 'agent_id')::text END,
                      CASE WHEN d.run ? 'team_id' THEN '"team_id":' || (d.run -> 'team_id')::text END,
                      CASE WHEN d.run ? 'workflow_id' THEN '"workflow_id":' || (d.run -> 'workflow_id')::text END,
                      CASE WHEN d.run ? 'user_id' THEN '"user_id":' || (d.run -> 'user_id')::text END,
                      CASE WHEN d.run ? 'status' THEN '"status":' || (d.run -> 'status')::text END,
                      CASE WHEN d.run ? 'created_at' THEN '"created_at":' || (d.run -> 'created_at')::text END,
                      CASE WHEN d.run ? 'content' THEN '"content":' || (d.run -> 'content')::text END,
                      CASE WHEN d.run ? 'input' THEN '"input":' || (d.run -> 'input')::text END,
                      CASE WHEN d.run ? 'messages' AND l.no_input_content THEN '"messages":' || (d.run -> 'messages')::text END,
                      CASE WHEN d.run ? 'step_executor_runs' AND l.no_input_content THEN '"step_executor_runs":' || (d.run -> 'step_executor_runs')::text END)
                   || '}}'
                 END,
                 E'\x1e' ORDER BY r.run_index, r.created_at, r.run_id)
          FROM {runs} r
         CROSS JOIN LATERAL (SELECT r.run_data || jsonb_build_object() AS run OFFSET 0) d
         CROSS JOIN LATERAL (
           SELECT coalesce(jsonb_typeof(d.run -> 'input' -> 'input_content'), 'null') = 'null' AS no_input_content
         ) l
         WHERE r.session_id = s.session_id) AS runs_text
  FROM {sessions} s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
