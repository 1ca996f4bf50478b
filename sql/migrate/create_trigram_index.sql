-- migrate/create_trigram_index: `session-svc migrate --trigram`: a GIN trigram index on exactly
-- the expression the list's session_name search filters on (session_svc/db/listing.py:
-- _page_slots, `coalesce(s.session_data ->> 'session_name', '') ILIKE '%...%'`), so PostgreSQL can
-- answer an unanchored ILIKE from the index instead of reading every row. {opclass} is pg_trgm's
-- gin_trgm_ops, qualified with the schema the extension lives in. Built CONCURRENTLY: a live
-- table keeps taking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table}
    USING gin ((coalesce(session_data ->> 'session_name', '')) {opclass})
