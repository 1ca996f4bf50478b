-- migrate/create_schema: agno's first DDL step (contract §5.2).
CREATE SCHEMA IF NOT EXISTS {schema}
