-- list_sessions: one page of the session list and the filtered total, in one round trip.
-- Returns at least one row: `total_count`, then the page's columns (all NULL when the page is
-- empty). Only the columns a list item needs are read; no run payload is transferred.
-- {filters} is one of a fixed set of WHERE fragments, {order_by} one of the whitelisted sort
-- keys followed by session_id as tie-breaker, so pages never repeat or skip rows.
-- Keyset pages (`cursor=`, session_svc/db/listing.py: _keyset_after) add {after} (the rows after
-- the previous page's last (key, session_id)) and {cursor_column}/{cursor_output} (each row's
-- sort key as text, for the next cursor); for offset pages all three are empty.
--
-- A session without a stored session_name is named from its runs (agno/os/utils.py:
-- get_session_name, as agno/os/schema.py: SessionSchema.from_dict calls it on the raw row).
-- `name_run` is the one run that rule stops at, reduced to the keys it reads, in the runs'
-- read order (run_index, created_at, as agno's list read orders them):
--   workflow: the first run, as {"input": <its input when a string or object>} or {};
--   agent/team: the first object run (for a team, without a truthy agent_id) that has a user
--     message with truthy content -> {"messages": [{"role": "user", "content": ...}]}, or else a
--     non-null input -> {"input": ...};
--   NULL when no run qualifies. session_svc/db/listing.py hands it to the same Python rule
--   (render/names.py: list_session_name) as a one-run list, so the name's text is formatted
--   in one place.
-- Runs are tested in order only until one qualifies: the first run alone (an index scan that
-- stops after it), then, only if it does not qualify, the rest (UNION ALL runs its branches in
-- turn); the OFFSET 0 fence keeps the test from being evaluated twice per run.
-- A row whose legacy 2.x `runs` column ({legacy_runs}) holds runs instead gets `runs` (all of
-- its agno_runs run_data) and `legacy_runs`, merged in Python exactly as agno merges them
-- (agno/db/utils.py: merge_runs_table_with_legacy_blob); such rows only exist in tables agno has
-- not finished migrating.
SELECT t.total_count,
       p.session_id, p.session_type, p.agent_id, p.team_id, p.workflow_id, p.user_id,
       p.session_data, p.agent_data, p.workflow_data, p.metadata, p.summary,
       p.created_at, p.updated_at{cursor_output},
       CASE WHEN f.unnamed AND f.merge THEN
         (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at)
            FROM {runs} r WHERE r.session_id = p.session_id)
       END AS runs,
       CASE WHEN f.unnamed AND f.merge THEN p.legacy_runs END AS legacy_runs,
       CASE WHEN NOT f.unnamed OR f.merge THEN NULL
            WHEN p.session_type = 'workflow' THEN
         (SELECT CASE WHEN jsonb_typeof(r.run_data -> 'input') IN ('string', 'object')
                      THEN jsonb_build_object('input', r.run_data -> 'input')
                      ELSE '{{}}'::jsonb END
            FROM {runs} r WHERE r.session_id = p.session_id
           ORDER BY r.run_index, r.created_at
           LIMIT 1)
       ELSE
         (SELECT n.name_run
            FROM ((SELECT r.run_data AS d FROM {runs} r
                    WHERE r.session_id = p.session_id
                    ORDER BY r.run_index, r.created_at
                    LIMIT 1)
                  UNION ALL
                  (SELECT r.run_data AS d FROM {runs} r
                    WHERE r.session_id = p.session_id
                    ORDER BY r.run_index, r.created_at
                   OFFSET 1)) o
            CROSS JOIN LATERAL (
              SELECT CASE
                WHEN jsonb_typeof(o.d) <> 'object' THEN NULL
                WHEN p.session_type = 'team'
                     AND o.d -> 'agent_id' NOT IN ('null', 'false', '0', '""', '[]', '{{}}') THEN NULL
                ELSE coalesce(
                  (SELECT jsonb_build_object('messages', jsonb_build_array(
                            jsonb_build_object('role', 'user', 'content', m.message -> 'content')))
                     FROM jsonb_array_elements(
                            CASE WHEN jsonb_typeof(o.d -> 'messages') = 'array' THEN o.d -> 'messages' END
                          ) WITH ORDINALITY AS m(message, position)
                    WHERE m.message ->> 'role' = 'user'
                      AND m.message -> 'content' NOT IN ('null', 'false', '0', '""', '[]', '{{}}')
                    ORDER BY m.position
                    LIMIT 1),
                  CASE WHEN jsonb_typeof(o.d -> 'input') <> 'null'
                       THEN jsonb_build_object('input', o.d -> 'input') END)
              END AS name_run
              OFFSET 0) n
           WHERE n.name_run IS NOT NULL
           LIMIT 1)
       END AS name_run
  FROM (SELECT count(*) AS total_count FROM {sessions} s WHERE {filters}) t
  LEFT JOIN LATERAL (
    SELECT s.session_id, s.session_type, s.agent_id, s.team_id, s.workflow_id, s.user_id,
           s.session_data, s.agent_data, s.workflow_data, s.metadata, s.summary,
           s.created_at, s.updated_at, {legacy_runs} AS legacy_runs{cursor_column}
      FROM {sessions} s
     WHERE {filters}{after}
     ORDER BY {order_by}
     LIMIT %(limit)s OFFSET %(offset)s
  ) p ON true
  -- Computed for the page's rows only: whether a name must be derived, and whether this row's
  -- legacy column holds anything to merge (never, when the table has no such column).
  CROSS JOIN LATERAL (
    SELECT p.session_data ->> 'session_name' IS NULL AS unnamed,
           coalesce(p.legacy_runs::jsonb NOT IN ('null', '[]'), false) AS merge
  ) f
