"""AgentOS 3.1.10 as it ships, over the bench database: `python agentos_app.py PORT`.

`AgentOS.serve()` runs uvicorn with one worker and no access log. `pip install agno[os]` brings plain
uvicorn (h11 and the asyncio loop); the bench venv also holds uvloop and httptools for our server
comparison, so the loop and parser are pinned to what agno's extra installs (BENCH_AGENTOS_STANDARD=1
lets uvicorn pick uvloop/httptools instead, as `uvicorn[standard]` would).
"""

from __future__ import annotations

import os
import sys

from agno.agent import Agent
from agno.db.postgres import PostgresDb
from agno.models.openai import OpenAIChat
from agno.os import AgentOS
from agno.team import Team
from agno.workflow import Step, Workflow

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))  # `contract`
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # `bench`
from contract.dsn import sqlalchemy_url

from bench.seed import AGENTS, MEMBERS, TEAMS, WORKFLOWS


def _model() -> OpenAIChat:
    return OpenAIChat(id="gpt-4o", api_key="sk-bench")  # never called: the bench only reads and writes sessions


def build() -> AgentOS:
    db = PostgresDb(id="bench-db", db_url=sqlalchemy_url(os.environ["AGNO_PG_DSN"]), db_schema="ai")
    agents = [Agent(id=agent_id, name=name, model=_model(), db=db, telemetry=False) for agent_id, name in AGENTS]
    members = [Agent(id=agent_id, name=name, model=_model(), telemetry=False) for agent_id, name in MEMBERS]
    teams = [
        Team(
            id=team_id,
            name=name,
            model=_model(),
            members=members,
            db=db,
            telemetry=False,
        )
        for team_id, name in TEAMS
    ]
    step_agent = Agent(id="bench-step-agent", name="Step Agent", model=_model(), telemetry=False)
    workflows = [
        Workflow(
            id=wf_id,
            name=name,
            db=db,
            steps=[Step(name="research", agent=step_agent)],
            telemetry=False,
        )
        for wf_id, name in WORKFLOWS
    ]
    # AGENTOS_MEDIA_DIR: agno's LocalMediaStorage there, so the media routes answer (tests/test_cutover.py).
    media_dir = os.environ.get("AGENTOS_MEDIA_DIR")
    media_storage = None
    if media_dir:
        from agno.media.storage.local import LocalMediaStorage

        media_storage = LocalMediaStorage(base_path=media_dir)
    return AgentOS(
        id="bench-os",
        media_storage=media_storage,
        agents=agents,
        teams=teams,
        workflows=workflows,
        db=db,
        telemetry=False,
    )


agent_os = build()
app = agent_os.get_app()

if __name__ == "__main__":
    extra = {} if os.environ.get("BENCH_AGENTOS_STANDARD") == "1" else {"loop": "asyncio", "http": "h11"}
    agent_os.serve(app=app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", **extra)
