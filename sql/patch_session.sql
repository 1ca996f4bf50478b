-- patch_session: PATCH /sessions/{id} as one atomic UPDATE that changes only the given fields.
-- Returns the updated row with its runs (as get_session.sql), or no row when the session is missing or
-- not the caller's. AgentOS reads the row, edits it in Python and upserts the whole row back, so two
-- concurrent PATCHes of different fields lose one of them; here each field is merged in SQL:
--   %(session_data_patch)s  jsonb object holding only the given session_name / session_state keys
--                           (NULL when neither is given), merged into the stored object;
--   %(set_metadata)s / %(metadata)s, %(set_summary)s / %(summary)s  replace when set;
--   %(owner)s               the scoped caller's id, forced as owner (session.py: update_session), else NULL.
-- updated_at is bumped even for an empty PATCH, as AgentOS does.
UPDATE {sessions} AS s
   SET session_data = CASE
           WHEN %(session_data_patch)s::jsonb IS NULL THEN s.session_data
           WHEN jsonb_typeof(s.session_data) = 'object' THEN s.session_data || %(session_data_patch)s::jsonb
           ELSE %(session_data_patch)s::jsonb END,
       metadata = CASE WHEN %(set_metadata)s THEN %(metadata)s::jsonb ELSE s.metadata END,
       summary = CASE WHEN %(set_summary)s THEN %(summary)s::jsonb ELSE s.summary END,
       user_id = coalesce(%(owner)s::varchar, s.user_id),
       updated_at = %(now)s
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
RETURNING s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
          s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
          s.created_at, s.updated_at,
          (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)
             FROM {runs} r WHERE r.session_id = s.session_id) AS runs,
          {legacy_runs} AS legacy_runs
