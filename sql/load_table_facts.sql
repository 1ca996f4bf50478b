-- load_table_facts: the sessions table's columns and which optional side tables exist, read once per
-- database at start-up: a legacy agno 2.x `runs` column is merged into reads (agno/db/utils.py: merge_runs_table_with_legacy_blob), and
-- delete also clears agno's transcripts and compactions where those tables exist (agno/db/postgres/postgres.py: delete_sessions).
SELECT
  EXISTS (SELECT 1 FROM information_schema.columns
           WHERE table_schema = %(schema)s AND table_name = %(session_table)s AND column_name = 'runs')
    AS has_legacy_runs,
  EXISTS (SELECT 1 FROM information_schema.tables
           WHERE table_schema = %(schema)s AND table_name = %(session_table)s) AS has_sessions,
  EXISTS (SELECT 1 FROM information_schema.columns
           WHERE table_schema = %(schema)s AND table_name = 'agno_transcripts'
             AND column_name = 'agno_session_id') AS has_transcripts,
  EXISTS (SELECT 1 FROM information_schema.columns
           WHERE table_schema = %(schema)s AND table_name = 'agno_compactions'
             AND column_name = 'session_id') AS has_compactions
