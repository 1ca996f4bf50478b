-- migrate/create_runs: agno 3.1.10's runs table, one row per run, cascading with its session.
CREATE TABLE IF NOT EXISTS {runs} (
    run_id VARCHAR NOT NULL,
    session_id VARCHAR NOT NULL,
    run_type VARCHAR NOT NULL,
    agent_id VARCHAR,
    team_id VARCHAR,
    workflow_id VARCHAR,
    user_id VARCHAR,
    parent_run_id VARCHAR,
    status VARCHAR,
    run_index BIGINT,
    run_data JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (run_id),
    FOREIGN KEY (session_id) REFERENCES {sessions} (session_id) ON DELETE CASCADE
)
