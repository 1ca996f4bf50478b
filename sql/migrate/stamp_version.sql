-- migrate/stamp_version: stamp a table this service created with agno's version, exactly as agno
-- does after creating it (naive local ISO timestamps), so a later agno neither rejects nor migrates it.
INSERT INTO {versions} (table_name, version, created_at, updated_at)
VALUES (%(table_name)s, %(version)s, %(now)s, %(now)s)
ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
