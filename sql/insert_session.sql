-- insert_session: create a session and its preset runs atomically, in one statement.
-- Returns the inserted row (14 columns) or no row when the session_id is taken: the route then
-- answers 409, so exactly one of many concurrent creates of one id wins and nothing is overwritten.
-- Columns follow agno's upsert (agno/db/postgres/postgres.py: upsert_session): the component id/data of the session's own type,
-- JSON null (not SQL NULL) for absent jsonb values, updated_at = created_at.
-- Preset runs (an extension beyond AgentOS) are stored in agno_runs in list order, with the
-- denormalised columns agno's build_single_run_row derives from each run dict.
WITH inserted AS (
    INSERT INTO {sessions} AS s
           (session_id, session_type, agent_id, team_id, workflow_id, user_id,
            session_data, agent_data, team_data, workflow_data, metadata, summary,
            created_at, updated_at)
    VALUES (%(session_id)s, %(session_type)s, %(agent_id)s, %(team_id)s, %(workflow_id)s, %(user_id)s,
            %(session_data)s, %(agent_data)s, %(team_data)s, %(workflow_data)s, %(metadata)s, %(summary)s,
            %(now)s, %(now)s)
    ON CONFLICT (session_id) DO NOTHING
    RETURNING s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
              s.session_data, s.agent_data, s.team_data, s.workflow_data, s.metadata, s.summary,
              s.created_at, s.updated_at
), preset_runs AS (
    INSERT INTO {runs}
           (run_id, session_id, run_type, agent_id, team_id, workflow_id, user_id, parent_run_id,
            status, run_index, run_data, created_at, updated_at)
    SELECT r.run_data ->> 'run_id', i.session_id,
           CASE WHEN coalesce(r.run_data ->> 'agent_id', '') <> ''
                  OR coalesce(r.run_data ->> 'agent_name', '') <> '' THEN 'agent'
                WHEN coalesce(r.run_data ->> 'team_id', '') <> ''
                  OR coalesce(r.run_data ->> 'team_name', '') <> '' THEN 'team'
                ELSE 'workflow' END,
           r.run_data ->> 'agent_id', r.run_data ->> 'team_id', r.run_data ->> 'workflow_id',
           i.user_id, r.run_data ->> 'parent_run_id', r.run_data ->> 'status',
           r.position - 1, r.run_data,
           coalesce((r.run_data ->> 'created_at')::bigint, %(now)s), %(now)s
      FROM inserted i,
           jsonb_array_elements(%(runs)s::jsonb) WITH ORDINALITY AS r(run_data, position)
    RETURNING 1
)
SELECT i.*, (SELECT count(*) FROM preset_runs) AS preset_run_count FROM inserted i
