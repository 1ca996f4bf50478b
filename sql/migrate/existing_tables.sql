-- migrate/existing_tables: which of agno's tables already exist (so only the missing ones are created and
-- stamped, and an existing table is never altered). Returns one row per existing table name.
SELECT table_name FROM information_schema.tables
 WHERE table_schema = %(schema)s AND table_name = ANY(%(tables)s::text[])
