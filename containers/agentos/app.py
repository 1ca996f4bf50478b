"""An agno 3.1.10 AgentOS over the database agno-session serves: the other half of the cut-over
topology, for the Compose stack (containers/compose.yml), `just demo` (scripts/demo.py) and the
end-to-end ingress test (tests/deploy/test_ingress_e2e.py). In production this is your own AgentOS.

    AGNO_PG_DSN=postgresql://... uvicorn --app-dir containers/agentos app:app --port 7777

AGNO_PG_DSN     libpq URI or key=value DSN of agno's database (schema AGNO_DB_SCHEMA, default ai)
AGENTOS_MEDIA_DIR  optional: agno's LocalMediaStorage there, so the media routes
                   (agno/os/routers/media/media.py: get_session_media) and delete_media=true work
OS_SECURITY_KEY    optional: AgentOS's own bearer-key auth

The agents, teams and workflows carry the ids bench/seed.py writes, so seeded sessions name
components this AgentOS knows. Their model is never called by the /sessions routes.
"""

from __future__ import annotations

import os

from agno.agent import Agent
from agno.db.postgres import PostgresDb
from agno.models.openai import OpenAIChat
from agno.os import AgentOS
from agno.team import Team
from agno.workflow import Step, Workflow
from psycopg.conninfo import conninfo_to_dict

AGENTS = [
    ("bench-agent-0", "Travel Agent"),
    ("bench-agent-1", "Support Agent"),
    ("bench-agent-2", "Research Agent"),
    ("bench-agent-3", "Coder"),
]
MEMBERS = [("bench-member-0", "Researcher"), ("bench-member-1", "Writer")]
TEAMS = [("bench-team-0", "Research Team"), ("bench-team-1", "Ops Team")]
WORKFLOWS = [("bench-workflow-0", "Report Workflow"), ("bench-workflow-1", "Triage Workflow")]


def sqlalchemy_url(dsn: str) -> str:
    """agno's PostgresDb takes a SQLAlchemy URL; the service takes libpq DSNs. Same database."""
    from sqlalchemy.engine import URL

    info = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    host = info.get("host") or None
    query: dict[str, str] = {}
    if host and host.startswith("/"):  # a unix socket directory: SQLAlchemy takes it as a query parameter
        query, host = {"host": host}, None
    return URL.create(
        "postgresql+psycopg", username=info.get("user"), password=info.get("password") or None, host=host,
        port=int(info["port"]) if info.get("port") else None, database=info.get("dbname"), query=query,
    ).render_as_string(hide_password=False)  # fmt: skip


def build() -> AgentOS:
    db = PostgresDb(
        id="agno-db", db_url=sqlalchemy_url(os.environ["AGNO_PG_DSN"]), db_schema=os.environ.get("AGNO_DB_SCHEMA", "ai")
    )
    media_storage = None
    if os.environ.get("AGENTOS_MEDIA_DIR"):
        from agno.media.storage.local import LocalMediaStorage

        media_storage = LocalMediaStorage(base_path=os.environ["AGENTOS_MEDIA_DIR"])

    def model() -> OpenAIChat:
        return OpenAIChat(id="gpt-4o", api_key=os.environ.get("OPENAI_API_KEY", "sk-unused"))

    members: list[Agent | Team] = [Agent(id=i, name=n, model=model(), telemetry=False) for i, n in MEMBERS]
    step_agent = Agent(id="bench-step-agent", name="Step Agent", model=model(), telemetry=False)
    return AgentOS(
        id="agno-session-demo-os",
        agents=[
            Agent(id=i, name=n, model=model(), db=db, media_storage=media_storage, telemetry=False) for i, n in AGENTS
        ],
        teams=[Team(id=i, name=n, model=model(), members=members, db=db, telemetry=False) for i, n in TEAMS],
        workflows=[
            Workflow(id=i, name=n, db=db, steps=[Step(name="research", agent=step_agent)], telemetry=False)
            for i, n in WORKFLOWS
        ],
        db=db,
        media_storage=media_storage,
        telemetry=False,
    )


app = build().get_app()
