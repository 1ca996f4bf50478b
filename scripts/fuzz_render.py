"""Differential fuzz of session_svc.render against agno AgentOS 3.1.10's own code.

Mutates the golden fixture rows of tests/capture/capture_render_goldens.py at random (replaces, deletes and inserts
values at random paths, using keys agno reads), renders each mutant with both implementations and
reports every difference where agno does NOT fail (where agno answers 500 our output is a
deliberate fix, checked by tests/test_render.py). UUIDs are masked before comparing, since agno
gives media/messages without an id a fresh uuid4 and we give a stable uuid5.

Run (needs agno, e.g. /work/agnovenv; a few seconds per 10k cases on one core):

    /work/agnovenv/bin/python scripts/fuzz_render.py [cases=20000] [seed=1]

Exit status 1 when a difference is found; the first ones are printed with the differing region.
"""

from __future__ import annotations

import copy
import logging
import pathlib
import random
import re
import sys
import warnings

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "capture"))  # capture_render_goldens: the rows and agno's renderers
sys.path.insert(0, str(REPO))
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

import capture_render_goldens as golden  # noqa: E402  (found through the sys.path entries above)

from session_svc import render  # noqa: E402
from session_svc.jsonenc import dumps  # noqa: E402

KEYS = [
    "id", "created_at", "content", "role", "from_history", "input", "agent_id", "team_id", "parent_run_id",
    "workflow_id", "images", "audio", "files", "videos", "metrics", "summary", "session_name", "session_metrics",
    "total_tokens", "content_type", "status", "metadata", "sdk", "framework", "name", "step_executor_runs",
    "messages", "input_content", "agent_name", "team_name", "updated_at", "topics", "session_state",
    "tool_call_error", "stop_after_tool_call", "references", "audio_output", "url", "mime_type", "media_reference",
    "storage_key", "checkpoint_created_at", "forked_from_message_index", "paused_step_index", "events", "tools",
    "run_id", "user_id", "duration", "sample_rate", "provider_metrics", "input_tokens", "cost",
]  # fmt: skip
VALUES = [
    None, "", 0, 1, 2.0, 1.5, True, False, "text", "COMPLETED", [], {}, ["a"], [{"type": "text", "text": "t"}],
    {"k": 1}, "2025-01-01T00:00:00Z", "2025-01-01", -5, 2**70, 1795545569, "user", "assistant", "system",
    {"input_content": "x"}, {"summary": "s"}, [{"role": "user", "content": "u"}], {"url": "x"}, [{"url": "x"}],
    [{"content": "aGk=", "mime_type": "text/plain"}],
]  # fmt: skip
FUNCTIONS = ["list_item", "session_detail", "session_runs", "run_previews", "single_run"]
TYPES = [None, None, "agent", "team", "workflow"]
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def mutate(row: dict, rng: random.Random) -> dict:
    row = copy.deepcopy(row)
    paths = [p for p in _paths(row) if p and p != ("session_id",)]
    for _ in range(rng.randint(1, 6)):
        path = rng.choice(paths)
        try:  # earlier mutations may have replaced a container on this path
            parent = row
            for key in path[:-1]:
                parent = parent[key]
            target = parent[path[-1]]
            roll = rng.random()
            if roll < 0.4 and isinstance(target, dict):
                target[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))
            elif roll < 0.5 and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
        except (KeyError, IndexError, TypeError):
            continue
    return row


def _arguments(fn: str, row: dict, rng: random.Random) -> dict:
    if fn == "session_detail":
        return {"session_type": rng.choice(TYPES), "keep_nulls": rng.random() < 0.5}
    if fn in ("session_runs", "run_previews"):
        return {"session_type": rng.choice(TYPES)}
    if fn == "single_run":
        ids = [run.get("run_id") for run in row["runs"] if isinstance(run, dict)]
        return {"run_id": rng.choice(ids) if ids and rng.random() < 0.9 else "missing"}
    return {}


def _ours(fn: str, row: dict, kwargs: dict):
    try:
        return dumps(getattr(render, fn)(row, **kwargs))
    except render.RunLookupError as exc:
        return {"not_found": exc.detail}


def _where(expected, got) -> str:
    e, g = str(expected), str(got)
    i = next((i for i, (a, b) in enumerate(zip(e, g, strict=False)) if a != b), min(len(e), len(g)))
    return f"  agno: {e[max(0, i - 160) : i + 120]}\n  ours: {g[max(0, i - 160) : i + 120]}"


def main(cases: int, seed: int) -> int:
    rng = random.Random(seed)
    bases = [golden.agent_row(), golden.sdk_agent_row(), golden.team_row(), golden.workflow_row(), golden.media_row()]
    bases += golden.edge_rows()
    compared = differences = 0
    for _ in range(cases):
        row = mutate(rng.choice(bases), rng)
        if not isinstance(row.get("runs"), list):
            continue
        fn = rng.choice(FUNCTIONS)
        kwargs = _arguments(fn, row, rng)
        try:
            expected = golden.AGENTOS[fn](golden.fill_stable_ids(row) if fn == "session_detail" else row, **kwargs)
        except Exception:  # noqa: BLE001, S112 - agno's 500: our answer there is a deliberate fix
            continue
        compared += 1
        got = _ours(fn, row, kwargs)
        if isinstance(expected, bytes) and isinstance(got, bytes):
            same = UUID.sub(b"U", expected) == UUID.sub(b"U", got)
        else:
            same = expected == got
        if not same:
            differences += 1
            if differences <= 5:
                print(f"DIFF {fn} {row['session_id']} {kwargs}\n{_where(expected, got)}")
    print(f"{compared} cases compared, {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, int(sys.argv[2]) if len(sys.argv) > 2 else 1))
