-- sessions_page: one page of the session list and the filtered total, in one round trip.
-- Returns at least one row: `total_count`, then the page's columns (all NULL when the page is
-- empty). Only the columns a list item needs are read; runs are fetched only for sessions whose
-- name must be derived from them (no stored session_name), as the list's session_name rule needs.
-- {filters} is one of a fixed set of WHERE fragments, {order_by} one of the whitelisted sort
-- keys followed by session_id as tie-breaker, so pages never repeat or skip rows.
SELECT t.total_count, p.*
  FROM (SELECT count(*) AS total_count FROM {sessions} s WHERE {filters}) t
  LEFT JOIN LATERAL (
    SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
           s.session_data, s.agent_data, s.workflow_data, s.metadata, s.summary,
           s.created_at, s.updated_at,
           CASE WHEN s.session_data ->> 'session_name' IS NULL THEN
             (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at)
                FROM {runs} r WHERE r.session_id = s.session_id)
           END AS runs,
           {legacy_runs} AS legacy_runs
      FROM {sessions} s
     WHERE {filters}
     ORDER BY {order_by}
     LIMIT %(limit)s OFFSET %(offset)s
  ) p ON true
