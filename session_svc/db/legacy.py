"""Runs still held in agno 2.x's `runs` column of the sessions table: merged with the agno_runs rows
as agno merges them (agno/db/utils.py: merge_runs_table_with_legacy_blob)."""

from __future__ import annotations

from typing import Any

import msgspec

Row = dict[str, Any]


def merge_runs(row: Row) -> Row:
    """Attach `runs`: the agno_runs rows, merged with a legacy `runs` column (agno/db/utils.py:
    merge_runs_table_with_legacy_blob)."""
    runs = row.get("runs") or []
    legacy = row.pop("legacy_runs", None)
    if legacy:
        if isinstance(legacy, str):
            try:
                legacy = msgspec.json.decode(legacy)
            except msgspec.DecodeError:
                legacy = None
        if isinstance(legacy, list) and legacy:
            runs = _merge_legacy(runs, legacy)
    row["runs"] = runs
    return row


def _merge_legacy(table_runs: list[Any], legacy: list[Any]) -> list[Any]:
    by_id = {run.get("run_id"): run for run in table_runs if isinstance(run, dict)}
    merged: list[Any] = []
    seen: set[Any] = set()
    for item in legacy:
        if not isinstance(item, dict) or not item.get("run_id"):
            continue
        run_id = item["run_id"]
        merged.append(by_id.get(run_id, item))
        seen.add(run_id)
    merged.extend(run for run in table_runs if not (isinstance(run, dict) and run.get("run_id") in seen))
    return merged
