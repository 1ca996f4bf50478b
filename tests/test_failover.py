"""Failover with a libpq multi-host DSN: the primary crashes, the standby is promoted, and a
running `session-svc serve` (a real process, never restarted) resumes writes on its own.

The DSN lists both servers with target_session_attrs=read-write, as a CloudNativePG `-rw` Service
or an RDS cluster endpoint would point at "whichever is primary now". Replication is synchronous
here, so the crash loses no acknowledged write and every 201 must be readable afterwards.
"""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg
import pytest
from support.replication import replicated_pair
from support.server import ServedApp

DB = "session_svc_failover"
pytestmark = pytest.mark.slow


def test_writes_resume_after_promotion_without_restart() -> None:
    with replicated_pair(synchronous=True) as pair:
        pair.create_database(DB)
        dsn = psycopg.conninfo.make_conninfo(
            host="127.0.0.1,127.0.0.1",
            port=f"{pair.primary.port},{pair.standby.port}",
            user="postgres",
            dbname=DB,
            target_session_attrs="read-write",
        )
        env = {"AGNO_PG_CONNECT_TIMEOUT": "1", "AGNO_POOL_MIN_SIZE": "1", "AGNO_REQUEST_TIMEOUT": "5"}
        with ServedApp(dsn, workers=1, env=env) as server, httpx.Client(base_url=server.url, timeout=10) as http:
            accepted: list[str] = []
            statuses: dict[int, int] = {}
            crashed_at = promoted_at = resumed_at = None
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                session_id = f"f-{uuid.uuid4().hex[:12]}"
                answer = http.post("/sessions", params={"type": "agent"}, json={"session_id": session_id})
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                assert answer.status_code in (201, 503), answer.text  # never a 500 during the switch
                if answer.status_code == 503:
                    assert answer.json()["detail"] == "Database 'default' is unavailable"
                if answer.status_code == 201:
                    accepted.append(session_id)
                    if promoted_at is not None:
                        resumed_at = time.monotonic()
                        break
                if crashed_at is None and len(accepted) >= 20:
                    pair.primary.stop("immediate")  # a crash, not a clean shutdown
                    crashed_at = time.monotonic()
                elif crashed_at is not None and promoted_at is None and time.monotonic() - crashed_at > 1.0:
                    pair.standby.promote()
                    promoted_at = time.monotonic()
                time.sleep(0.02)
            assert resumed_at is not None and promoted_at is not None, statuses
            print(f"writes resumed {resumed_at - promoted_at:.2f} s after the promotion; answers {statuses}")
            assert resumed_at - promoted_at < 10, resumed_at - promoted_at
            assert statuses.get(503, 0) >= 1  # the switch was seen, as 503s
            # Every accepted write is there, read through the same running service.
            for session_id in accepted:
                assert http.get(f"/sessions/{session_id}").status_code == 200, session_id
            assert http.get("/sessions", params={"limit": 1}).json()["meta"]["total_count"] >= len(accepted)
