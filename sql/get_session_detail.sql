-- get_session_detail: one session and, of each of its runs, only what the detail schemas read, for
-- GET /sessions/{id}, in one round trip.
-- Returns 0 or 1 row: as get_session.sql (the 14 session columns, `runs_text`, `legacy_runs`), but
-- each run object keeps only the keys session_svc/render/sessions.py's detail builders read
-- (run_id, agent_id, team_id, agent_name, team_name, parent_run_id, created_at, input, messages; key
-- presence kept, for agno's agent_id/team_id run dispatch), and in `messages` a message
-- chat_history skips anyway (role system or tool, or from_history true) becomes JSON null, so the
-- positions that stable message ids are made of stay. User messages are always kept: the
-- session_name rule reads them, from history or not. A run_data that is not an object is passed
-- as stored. A table run and its legacy copy are merged by run_id, which the reduced object keeps.
--
-- Why it is written this way (measured on bench/big.py's 1,000-run session, EXPLAIN ANALYZE
-- SERIALIZE): each reduced run is assembled as TEXT from the values' own jsonb text, ~47 ms, as
-- cheap as writing out the whole 6.2 MB, for 2.4 MB; rebuilding the runs as jsonb (jsonb_each,
-- jsonb_object_agg, jsonb_agg) cost ~75 ms. `run_data || jsonb_build_object()` behind OFFSET 0 detoasts each
-- run_data once (jsonb's concatenation with an empty object returns the object itself, detoasted):
-- without it every `->` below would decompress the whole value again (~170 ms). For a run_data that
-- is not an object that concatenation is an array, and the stored value is passed instead.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
       s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
       s.created_at, s.updated_at, {legacy_runs} AS legacy_runs,
       (SELECT string_agg(
                 CASE WHEN jsonb_typeof(d.run) <> 'object' THEN coalesce(r.run_data::text, 'null') ELSE
                   '{{' || concat_ws(',',
                      CASE WHEN d.run ? 'run_id' THEN '"run_id":' || (d.run -> 'run_id')::text END,
                      CASE WHEN d.run ? 'agent_id' THEN '"agent_id":' || (d.run -> 'agent_id')::text END,
                      CASE WHEN d.run ? 'team_id' THEN '"team_id":' || (d.run -> 'team_id')::text END,
                      CASE WHEN d.run ? 'agent_name' THEN '"agent_name":' || (d.run -> 'agent_name')::text END,
                      CASE WHEN d.run ? 'team_name' THEN '"team_name":' || (d.run -> 'team_name')::text END,
                      CASE WHEN d.run ? 'parent_run_id' THEN '"parent_run_id":' || (d.run -> 'parent_run_id')::text END,
                      CASE WHEN d.run ? 'created_at' THEN '"created_at":' || (d.run -> 'created_at')::text END,
                      CASE WHEN d.run ? 'input' THEN '"input":' || (d.run -> 'input')::text END,
                      CASE WHEN jsonb_typeof(d.run -> 'messages') = 'array' THEN
                        '"messages":[' || coalesce(
                          (SELECT string_agg(
                                    CASE WHEN m.message ->> 'role' IS DISTINCT FROM 'user'
                                              AND (m.message ->> 'role' IN ('system', 'tool')
                                                   OR m.message -> 'from_history' = 'true')
                                         THEN 'null' ELSE m.message::text END,
                                    ',' ORDER BY m.position)
                             FROM jsonb_array_elements(d.run -> 'messages') WITH ORDINALITY AS m(message, position)),
                          '') || ']'
                      WHEN d.run ? 'messages' THEN '"messages":' || (d.run -> 'messages')::text END)
                   || '}}'
                 END,
                 E'\x1e' ORDER BY r.run_index, r.created_at, r.run_id)
          FROM {runs} r
         CROSS JOIN LATERAL (SELECT r.run_data || jsonb_build_object() AS run OFFSET 0) d
         WHERE r.session_id = s.session_id) AS runs_text
  FROM {sessions} s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
