-- migrate/create_sessions: agno 3.1.10's sessions table, column for column (agno/db/postgres/schemas.py: SESSION_TABLE_SCHEMA).
CREATE TABLE IF NOT EXISTS {sessions} (
    session_id VARCHAR NOT NULL,
    session_type VARCHAR NOT NULL,
    agent_id VARCHAR,
    team_id VARCHAR,
    workflow_id VARCHAR,
    user_id VARCHAR,
    session_data JSONB,
    agent_data JSONB,
    team_data JSONB,
    workflow_data JSONB,
    metadata JSONB,
    summary JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (session_id)
)
