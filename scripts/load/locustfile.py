"""Load profile for the /sessions API: a UI-like mix of reads and a trickle of writes.

Each simulated user lists sessions (which feeds it ids that really exist), opens sessions, reads
their runs and run previews, and creates, renames, patches and deletes sessions of its own. Every
answer is checked for its status and a value from its body, so an error body served with 200, or a
wrong session, counts as a failure. URLs carrying ids are grouped under one name each
(`/sessions/[id]`), so the summary has one line per route.

Run it with scripts/load/run-load.sh (or `just load URL`). Environment:
  LOAD_AUTH_TOKEN  sent as `Authorization: Bearer <token>`
  LOAD_DB_ID       sent as ?db_id= on every request
"""

from __future__ import annotations

import json
import os
import random
import urllib.request
import uuid
from collections import deque
from urllib.parse import quote

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

AUTH_TOKEN = os.environ.get("LOAD_AUTH_TOKEN", "")
DB_ID = os.environ.get("LOAD_DB_ID", "")
# Sessions created by this load test carry this in their name, so a person can find and remove
# leftovers: GET /sessions?session_name=loadtest-
NAME_MARK = "loadtest-"
SESSION_TYPES = ("agent", "agent", "agent", "agent", "agent", "agent", "agent", "team", "team", "workflow")
LIST_VARIANTS = (
    "limit=20&page=1",
    "type=agent&limit=20",
    "type=team&limit=10",
    "limit=10&page=2",
    "sort_by=updated_at&sort_order=asc&limit=20",
    f"session_name={NAME_MARK}&limit=50",
)


# Every session this process created and has not seen deleted (id -> type). Users remove their own
# in on_stop; whatever a stopped user could not (locust can end a user with a request in flight),
# the test_stop hook below removes, so a run leaves the database as it found it.
_UNDELETED: dict[str, str] = {}


def _query(path: str, params: str = "") -> str:
    parts = [p for p in (params, f"db_id={quote(DB_ID)}" if DB_ID else "") if p]
    return f"{path}?{'&'.join(parts)}" if parts else path


class SessionApiUser(FastHttpUser):
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {AUTH_TOKEN}"} if AUTH_TOKEN else {}
        self.user_id = f"load-user-{uuid.uuid4().hex[:8]}"
        self.own: list[tuple[str, str]] = []  # (session_id, type) created by this user
        self.known: deque[str] = deque(maxlen=200)  # ids seen in list answers (may be others')
        self.runs: deque[tuple[str, str]] = deque(maxlen=50)  # (session_id, run_id) seen in /runs
        self.list_sessions()
        self.create_session()

    def on_stop(self) -> None:
        # Leave the database as found: remove what this user created, in one bulk call.
        if self.own:
            batch, self.own = self.own, []
            body = {"session_ids": [sid for sid, _ in batch], "session_types": [kind for _, kind in batch]}
            resp = self.client.request(
                "DELETE", _query("/sessions"), json=body, headers=self.headers, name="DELETE /sessions [bulk]"
            )
            if resp.status_code == 204:
                _forget(batch)

    # ---- reads ----

    @task(30)
    def list_sessions(self) -> None:
        params = random.choice(LIST_VARIANTS)
        with self.client.get(
            _query("/sessions", params), headers=self.headers, name="GET /sessions", catch_response=True
        ) as resp:
            if resp.status_code != 200:
                return resp.failure(f"status {resp.status_code}")
            body = resp.json()
            data, meta = body.get("data"), body.get("meta") or {}
            if not isinstance(data, list) or not isinstance(meta.get("total_count"), int):
                return resp.failure("no data list or meta.total_count")
            if len(data) > meta.get("limit", 0):
                return resp.failure(f"{len(data)} items for limit {meta.get('limit')}")
            for item in data:
                self.known.append(item["session_id"])

    def _pick_session(self) -> tuple[str, bool]:
        """A session id to read, and whether this user owns it (then a 404 is a real failure)."""
        if self.own and (not self.known or random.random() < 0.3):
            return random.choice(self.own)[0], True
        if self.known:
            return random.choice(self.known), False
        return "", False

    def _gone(self, session_id: str, owned: bool, resp) -> bool:
        """Another user may have deleted a session listed a moment ago: not a failure."""
        if resp.status_code == 404 and not owned:
            if session_id in self.known:
                self.known.remove(session_id)
            resp.success()
            return True
        return False

    @task(25)
    def get_session(self) -> None:
        session_id, owned = self._pick_session()
        if not session_id:
            return
        with self.client.get(
            _query(f"/sessions/{quote(session_id, safe='')}"),
            headers=self.headers,
            name="GET /sessions/[id]",
            catch_response=True,
        ) as resp:
            if self._gone(session_id, owned, resp):
                return
            if resp.status_code != 200:
                return resp.failure(f"status {resp.status_code}")
            if resp.json().get("session_id") != session_id:
                return resp.failure("answer is for another session")

    @task(10)
    def get_runs(self) -> None:
        session_id, owned = self._pick_session()
        if not session_id:
            return
        with self.client.get(
            _query(f"/sessions/{quote(session_id, safe='')}/runs"),
            headers=self.headers,
            name="GET /sessions/[id]/runs",
            catch_response=True,
        ) as resp:
            if self._gone(session_id, owned, resp):
                return
            if resp.status_code != 200:
                return resp.failure(f"status {resp.status_code}")
            runs = resp.json()
            if not isinstance(runs, list):
                return resp.failure("runs is not a list")
            for run in runs:
                if run.get("run_id"):
                    self.runs.append((session_id, run["run_id"]))

    @task(6)
    def get_run_previews(self) -> None:
        session_id, owned = self._pick_session()
        if not session_id:
            return
        with self.client.get(
            _query(f"/sessions/{quote(session_id, safe='')}/run-previews"),
            headers=self.headers,
            name="GET /sessions/[id]/run-previews",
            catch_response=True,
        ) as resp:
            if self._gone(session_id, owned, resp):
                return
            if resp.status_code != 200 or not isinstance(resp.json(), list):
                return resp.failure(f"status {resp.status_code} or not a list")

    @task(4)
    def get_run(self) -> None:
        if not self.runs:
            return
        session_id, run_id = random.choice(self.runs)
        path = f"/sessions/{quote(session_id, safe='')}/runs/{quote(run_id, safe='')}"
        with self.client.get(
            _query(path), headers=self.headers, name="GET /sessions/[id]/runs/[run_id]", catch_response=True
        ) as resp:
            if resp.status_code == 404:  # the session was deleted since its runs were read
                self.runs.remove((session_id, run_id))
                return resp.success()
            if resp.status_code != 200 or resp.json().get("run_id") != run_id:
                return resp.failure(f"status {resp.status_code} or another run")

    # ---- writes (only on this user's own sessions) ----

    @task(8)
    def create_session(self) -> None:
        kind = random.choice(SESSION_TYPES)
        session_id = f"{NAME_MARK}{uuid.uuid4()}"
        body = {
            "session_id": session_id,
            "session_name": f"{NAME_MARK}{kind} {session_id[-6:]}",
            "session_state": {"step": 0, "cart": ["a", "b"]},
            "metadata": {"source": "locust"},
            "user_id": self.user_id,
            f"{kind}_id": f"load-{kind}",
        }
        # Recorded before it is sent: if the request is cut short, the session may still exist.
        _UNDELETED[session_id] = kind
        with self.client.post(
            _query("/sessions", f"type={kind}"),
            json=body,
            headers=self.headers,
            name=f"POST /sessions?type={kind}",
            catch_response=True,
        ) as resp:
            if resp.status_code != 201:
                return resp.failure(f"status {resp.status_code}")
            if resp.json().get("session_id") != session_id:
                return resp.failure("created session has another id")
            self.own.append((session_id, kind))

    @task(5)
    def rename_session(self) -> None:
        if not self.own:
            return
        session_id, _ = random.choice(self.own)
        name = f"{NAME_MARK}renamed {uuid.uuid4().hex[:6]}"
        with self.client.post(
            _query(f"/sessions/{quote(session_id, safe='')}/rename"),
            json={"session_name": name},
            headers=self.headers,
            name="POST /sessions/[id]/rename",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200 or resp.json().get("session_name") != name:
                return resp.failure(f"status {resp.status_code} or name not applied")

    @task(5)
    def patch_session(self) -> None:
        if not self.own:
            return
        session_id, _ = random.choice(self.own)
        state = {"step": random.randint(1, 1000), "cart": ["a"]}
        with self.client.request(
            "PATCH",
            _query(f"/sessions/{quote(session_id, safe='')}"),
            json={"session_state": state, "metadata": {"source": "locust", "patched": True}},
            headers=self.headers,
            name="PATCH /sessions/[id]",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200 or resp.json().get("session_state") != state:
                return resp.failure(f"status {resp.status_code} or state not applied")

    @task(4)
    def delete_session(self) -> None:
        if len(self.own) < 2:  # keep one to read
            return
        session_id, _ = self.own.pop(0)
        with self.client.delete(
            _query(f"/sessions/{quote(session_id, safe='')}"),
            headers=self.headers,
            name="DELETE /sessions/[id]",
            catch_response=True,
        ) as resp:
            if resp.status_code != 204 or resp.content:
                return resp.failure(f"status {resp.status_code} or a body")
            _forget([(session_id, "")])

    @task(1)
    def bulk_delete(self) -> None:
        if len(self.own) < 3:
            return
        batch, self.own = self.own[:2], self.own[2:]
        body = {"session_ids": [sid for sid, _ in batch], "session_types": [kind for _, kind in batch]}
        with self.client.request(
            "DELETE",
            _query("/sessions"),
            json=body,
            headers=self.headers,
            name="DELETE /sessions [bulk]",
            catch_response=True,
        ) as resp:
            if resp.status_code != 204:
                return resp.failure(f"status {resp.status_code}")
            _forget(batch)


def _forget(deleted: list[tuple[str, str]]) -> None:
    for session_id, _ in deleted:
        _UNDELETED.pop(session_id, None)


@events.test_stop.add_listener
def _remove_leftovers(environment, **_kwargs) -> None:
    """After every user has stopped: delete what a user was stopped before deleting (one bulk call,
    outside locust's statistics)."""
    if not _UNDELETED or not environment.host:
        return
    body = {"session_ids": list(_UNDELETED), "session_types": list(_UNDELETED.values())}
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {AUTH_TOKEN}"} if AUTH_TOKEN else {})}
    request = urllib.request.Request(
        environment.host.rstrip("/") + _query("/sessions"),
        data=json.dumps(body).encode(),
        headers=headers,
        method="DELETE",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            status = resp.status
    except OSError as exc:  # urllib's HTTPError and URLError included
        print(f"load: could not remove {len(_UNDELETED)} session(s) left by stopped users: {exc}")
        return
    print(f"load: removed {len(_UNDELETED)} session(s) left by stopped users (status {status})")
    _UNDELETED.clear()


@events.quitting.add_listener
def _fail_on_no_traffic(environment, **_kwargs) -> None:
    """A run that sent nothing proves nothing: make it exit non-zero (locust already does so
    for failed requests)."""
    total = environment.stats.total
    if total.num_requests == 0:
        print("load: no request was sent")
        environment.process_exit_code = 1
