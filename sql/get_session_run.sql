-- get_session_run: one session and one of its runs, for GET /sessions/{id}/runs/{run_id}, in one round
-- trip, reading only that run's run_data. Returns 0 or 1 row: the session columns the run schemas
-- read, `has_runs`, and `run`: the first run in read order (run_index, created_at, run_id) whose
-- run_data `run_id` is the requested one, as agno's lookup (agno/os/routers/session/session.py:
-- get_session_run) walks the session's runs. agno_runs' primary key finds it at once: agno's
-- upsert_run keys each row by its run's own run_id, so no other row holds that run_id (unless
-- written by hand). Only when that row does not hold it are the session's runs read, in order.
-- A row whose legacy 2.x `runs` column holds runs gets instead `runs` (all of its run_data) and
-- `legacy_runs`, merged in Python as agno merges them (agno/db/utils.py:
-- merge_runs_table_with_legacy_blob), where the lookup then runs.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.agent_data,
       CASE WHEN l.merge THEN l.legacy END AS legacy_runs,
       CASE WHEN l.merge THEN
         (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)
            FROM {runs} r WHERE r.session_id = s.session_id)
       END AS runs,
       CASE WHEN NOT l.merge THEN
         EXISTS (SELECT 1 FROM {runs} r WHERE r.session_id = s.session_id)
       END AS has_runs,
       CASE WHEN NOT l.merge THEN
         coalesce(
           (SELECT r.run_data FROM {runs} r
             WHERE r.run_id = %(run_id)s AND r.session_id = s.session_id
               AND r.run_data -> 'run_id' = to_jsonb(%(run_id)s::text)),
           (SELECT r.run_data FROM {runs} r
             WHERE r.session_id = s.session_id AND r.run_data -> 'run_id' = to_jsonb(%(run_id)s::text)
             ORDER BY r.run_index, r.created_at, r.run_id
             LIMIT 1))
       END AS run
  FROM {sessions} s
  CROSS JOIN LATERAL (
    SELECT {legacy_runs} AS legacy, coalesce(({legacy_runs})::jsonb NOT IN ('null', '[]'), false) AS merge
  ) l
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
