"""Unit tests of session_svc.render (no database).

Golden cases (tests/golden/render/cases.json) hold stored rows and the exact bytes agno AgentOS
3.1.10's own code produces for them; they are regenerated with
`/work/agnovenv/bin/python tests/golden/make_render_goldens.py`. Cases where AgentOS answers 500
are checked against our deliberate fixes in FIXES below (every such case must be listed).
"""

from __future__ import annotations

import json
import pathlib
from uuid import UUID, uuid5

import msgspec
import pytest

from session_svc import render

GOLDEN = pathlib.Path(__file__).parent / "golden" / "render" / "cases.json"
CASES = msgspec.json.decode(GOLDEN.read_bytes())
BY_NAME = {case["name"]: case for case in CASES}
ID_NAMESPACE = UUID("6f1d3b8e-2c4a-5d7e-9f10-a1b2c3d4e5f6")


def call(case: dict):
    return getattr(render, case["fn"])(case["row"], **case["kwargs"])


@pytest.mark.parametrize("case", [c for c in CASES if "expected" in c], ids=lambda c: c["name"])
def test_matches_agentos_bytes(case):
    assert render.dumps(call(case)).decode() == case["expected"]


@pytest.mark.parametrize("case", [c for c in CASES if "not_found" in c], ids=lambda c: c["name"])
def test_single_run_not_found_detail(case):
    with pytest.raises(render.RunLookupError) as err:
        call(case)
    assert err.value.detail == case["not_found"]
