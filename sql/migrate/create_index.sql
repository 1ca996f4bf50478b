-- migrate/create_index: one of agno's indexes, named as agno names them (idx_<table>_<cols>).
-- {concurrently} is empty for agno's own indexes and CONCURRENTLY for the opt-in extra indexes,
-- which are built on live tables without blocking writes.
CREATE INDEX {concurrently} IF NOT EXISTS {index} ON {table} ({columns})
