-- migrate/create_versions: agno's schema-version table; a table without a row counts as 2.0.0.
CREATE TABLE IF NOT EXISTS {versions} (
    table_name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR,
    PRIMARY KEY (table_name)
)
