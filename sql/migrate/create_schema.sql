-- migrate/create_schema: agno's first DDL step (agno/db/postgres/postgres.py: _create_table).
CREATE SCHEMA IF NOT EXISTS {schema}
