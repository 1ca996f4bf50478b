-- get_session_runs_page: one session and one page of its runs, for GET /sessions/{id}/runs and
-- /run-previews with `limit`/`page` (an extension: agno PR #8456), in one round trip.
-- Returns 0 or 1 row: the session columns the run renderers read, `total_count` (the runs the
-- bare array would hold) and `page_runs` (json array of that page's run_data, in the bare array's
-- order: run_index, created_at, run_id). The runs a page counts are those the renderers keep
-- (session_svc/render/runs.py: _classified_runs and the status filter): inside the inclusive
-- created_at window (a non-numeric created_at is kept), for a team session (the `type` parameter,
-- else the detected type, as agno/db/utils.py: detect_session_type) only runs with an agent_id or
-- team_id, and, with statuses, a string status among them (any case). Without filters no run_data
-- is read but the page's: the count is an index scan. (So a run_data that is not a JSON object,
-- which neither agno's upsert_run nor this service writes, is counted, though not rendered.)
-- A row whose legacy 2.x `runs` column holds runs gets instead `runs` (all of its run_data) and
-- `legacy_runs`: agno merges the two in Python (agno/db/utils.py: merge_runs_table_with_legacy_blob)
-- and so does session_svc/db/sessions.py, which then pages the merged list the same way.
SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.agent_data,
       CASE WHEN l.merge THEN l.legacy END AS legacy_runs,
       CASE WHEN l.merge THEN
         (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)
            FROM {runs} r WHERE r.session_id = s.session_id)
       END AS runs,
       pg.total_count, pg.page_runs
  FROM {sessions} s
  CROSS JOIN LATERAL (
    SELECT {legacy_runs} AS legacy, coalesce(({legacy_runs})::jsonb NOT IN ('null', '[]'), false) AS merge,
           coalesce(%(session_type)s::varchar,
                    CASE WHEN coalesce(s.session_type, '') <> '' THEN s.session_type
                         WHEN coalesce(s.agent_id, '') <> '' THEN 'agent'
                         WHEN coalesce(s.team_id, '') <> '' THEN 'team'
                         WHEN coalesce(s.workflow_id, '') <> '' THEN 'workflow'
                         ELSE 'agent' END) = 'team' AS team
  ) l
  LEFT JOIN LATERAL (
    SELECT count(*) AS total_count,
           json_agg(w.run_data ORDER BY w.position)
             FILTER (WHERE w.position > %(offset)s AND w.position - %(offset)s <= %(limit)s) AS page_runs
      FROM (SELECT r.run_data, row_number() OVER (ORDER BY r.run_index, r.created_at, r.run_id) AS position
              FROM {runs} r
             CROSS JOIN LATERAL (
               SELECT CASE jsonb_typeof(r.run_data -> 'created_at')
                        WHEN 'number' THEN (r.run_data -> 'created_at')::numeric
                        WHEN 'boolean' THEN (r.run_data -> 'created_at' = 'true')::int
                      END AS created
             ) c
             WHERE r.session_id = s.session_id
               AND (NOT l.team
                    OR coalesce(jsonb_typeof(r.run_data -> 'agent_id'), 'null') <> 'null'
                    OR coalesce(jsonb_typeof(r.run_data -> 'team_id'), 'null') <> 'null')
               AND ((%(created_after)s::numeric IS NULL AND %(created_before)s::numeric IS NULL)
                    OR c.created IS NULL
                    OR ((%(created_after)s::numeric IS NULL OR c.created >= %(created_after)s::numeric)
                        AND (%(created_before)s::numeric IS NULL OR c.created <= %(created_before)s::numeric)))
               AND (%(statuses)s::text[] IS NULL
                    OR (jsonb_typeof(r.run_data -> 'status') = 'string'
                        AND upper(r.run_data ->> 'status') = ANY(%(statuses)s::text[])))) w
  ) pg ON NOT l.merge
 WHERE s.session_id = %(session_id)s
   AND (%(user_id)s::varchar IS NULL OR s.user_id = %(user_id)s::varchar)
