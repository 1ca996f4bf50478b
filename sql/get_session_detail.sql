-- get_session_detail: one session and, of each of its runs, only what the detail schemas read, for
-- GET /sessions/{id}, in one round trip.
-- Returns 0 or 1 row: as get_session.sql (the 14 session columns, `runs_json` as text, and
-- `legacy_runs`), but each run object keeps only the keys session_svc/render/sessions.py's detail builders
-- read (run_id, agent_id, team_id, agent_name, team_name, parent_run_id, created_at, input,
-- messages; key presence kept, for agno's agent_id/team_id run dispatch), and in `messages` a
-- message chat_history skips anyway (role system or tool, or from_history true) becomes JSON null,
-- so the positions that stable message ids are made of stay. User messages are always kept: the
-- session_name rule reads them, from history or not. A run_data that is not an object is passed
-- as stored. A table run and its legacy copy are merged by run_id, which the reduced object keeps.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
       s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
       s.created_at, s.updated_at, {legacy_runs} AS legacy_runs,
       (SELECT json_agg(
                 CASE WHEN jsonb_typeof(r.run_data) <> 'object' THEN r.run_data ELSE
                   (SELECT jsonb_object_agg(
                             e.key,
                             CASE WHEN e.key = 'messages' AND jsonb_typeof(e.value) = 'array' THEN
                               (SELECT coalesce(jsonb_agg(
                                         CASE WHEN m.message ->> 'role' IS DISTINCT FROM 'user'
                                                   AND (m.message ->> 'role' IN ('system', 'tool')
                                                        OR m.message -> 'from_history' = 'true')
                                              THEN 'null'::jsonb ELSE m.message END
                                         ORDER BY m.position), '[]')
                                  FROM jsonb_array_elements(e.value) WITH ORDINALITY AS m(message, position))
                             ELSE e.value END)
                      FROM jsonb_each(r.run_data) e
                     WHERE e.key IN ('run_id', 'agent_id', 'team_id', 'agent_name', 'team_name', 'parent_run_id',
                                     'created_at', 'input', 'messages'))
                 END
                 ORDER BY r.run_index, r.created_at, r.run_id)
          FROM {runs} r WHERE r.session_id = s.session_id)::text AS runs_json
  FROM {sessions} s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
