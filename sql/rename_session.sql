-- rename_session: POST /sessions/{id}/rename as one UPDATE ... RETURNING (agno/db/postgres/postgres.py: rename_session).
-- Returns the row with its runs (as get_session.sql), or no row when missing, of another type (when
-- `type` is given) or not the caller's. updated_at is left alone, as AgentOS does.
-- Deliberate fix: AgentOS's jsonb_set fails on JSON `null` session_data (500) and silently stores
-- nothing on SQL NULL; any non-object session_data is treated as an empty object instead.
UPDATE {sessions} AS s
   SET session_data = jsonb_set(
           CASE WHEN jsonb_typeof(s.session_data) = 'object' THEN s.session_data
                ELSE jsonb_build_object() END,
           ARRAY['session_name'], to_jsonb(%(session_name)s::text))
 WHERE s.session_id = %(session_id)s
   AND (%(session_type)s::varchar IS NULL OR s.session_type = %(session_type)s::varchar)
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
RETURNING s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
          s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
          s.created_at, s.updated_at,
          (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)
             FROM {runs} r WHERE r.session_id = s.session_id) AS runs,
          {legacy_runs} AS legacy_runs
