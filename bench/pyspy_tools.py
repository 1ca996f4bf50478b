"""py-spy around a wrk run, and a plain-text digest of where the sampled CPU went.

`record()` writes a flame graph (SVG) and collapsed stacks (py-spy's raw format) for the same
workload; `digest()` turns the collapsed stacks into inclusive and self shares per function and
self shares per package, which is what the notes quote.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")


def pyspy() -> str | None:
    return shutil.which("py-spy") or (
        str(Path(sys.executable).parent / "py-spy") if (Path(sys.executable).parent / "py-spy").exists() else None
    )


def start(pid: int, out: Path, fmt: str, seconds: int, rate: int = 200) -> subprocess.Popen:
    exe = pyspy()
    if exe is None:
        raise SystemExit("py-spy not found: pip install py-spy (bench venv)")
    cmd = [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(rate), "--nonblocking",
           "--format", fmt, "--output", str(out), "--subprocesses"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _package(file: str) -> str:
    """py-spy names files relative to sys.path ("psycopg/cursor.py"); the first part is the package."""
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    parts = file.split("/")
    if parts[0] == "session_svc":  # its subpackages (render/, db/ ...) hold same-named modules
        return ".".join(parts).removesuffix(".py").removesuffix(".__init__")
    return parts[0].removesuffix(".py") if len(parts) > 1 else Path(file).stem


# Phases of a request, matched from the innermost frame outwards: the first frame that matches
# names the phase that sample belongs to (so psycopg's jsonb decoding counts as "database").
PHASES = (
    ("render (session_svc.render*)", lambda f, fn: f.startswith("session_svc/render")),
    ("JSON encode (jsonenc/orjson)", lambda f, fn: f.startswith("session_svc/jsonenc")),
    (
        "socket write to the client",
        lambda f, fn: fn.startswith(("_SelectorSocketTransport.write", "UVTransport")),
    ),
    (
        "database (psycopg, pool, jsonb decode)",
        lambda f, fn: f.startswith(("psycopg/", "psycopg_pool/", "session_svc/db/")),
    ),
    (
        "validation (session_svc.validation/schemas)",
        lambda f, fn: f.startswith(("session_svc/validation", "session_svc/schemas")),
    ),
    (
        "middleware (session_svc.middleware/metrics/logging)",
        lambda f, fn: f.startswith(
            (
                "session_svc/middleware",
                "session_svc/metrics",
                "session_svc/logging",
                "prometheus_client/",
            )
        ),
    ),
    (
        "handler (session_svc.endpoints)",
        lambda f, fn: f.startswith("session_svc/endpoints"),
    ),
    (
        "starlette (routing, requests, responses)",
        lambda f, fn: f.startswith("starlette/"),
    ),
    (
        "HTTP server (hypercorn/h11/uvicorn/httptools)",
        lambda f, fn: f.startswith(("hypercorn/", "h11/", "uvicorn/", "httptools/", "granian/")),
    ),
    (
        "event loop (asyncio/uvloop)",
        lambda f, fn: f.startswith(("asyncio/", "uvloop/", "selectors")),
    ),
)


def _phase(frames: list[tuple[str, str]]) -> str:
    for fn, file in reversed(frames):
        for name, match in PHASES:
            if match(file, fn):
                return name
    return "other"


def digest(collapsed: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames: list[tuple[str, str]] = []
        for frame in stack.split(";")[1:]:  # the first entry names the process
            m = _FRAME.match(frame)
            frames.append((m["func"], m["file"]) if m else (frame, ""))
        phases[_phase(frames)] += count
        seen = set()
        for fn, file in frames:
            name = f"{fn} ({file})" if not file.startswith("session_svc/") else f"{fn} ({Path(file).stem})"
            if name in seen:
                continue
            seen.add(name)
            if file.startswith("session_svc/") and not file.startswith(
                ("session_svc/cli", "session_svc/middleware", "session_svc/app")
            ):
                own[name] += count
            inclusive[name] += count
        if frames:
            fn, file = frames[-1]
            self_time[f"{fn} ({file})"] += count
            packages[_package(file)] += count
    if not total:
        return "no samples\n"

    def table(counter: Counter[str], n: int = top) -> str:
        return "\n".join(f"  {100 * c / total:5.1f}%  {name}" for name, c in counter.most_common(n))

    return (
        f"samples: {total} (CPU samples of the server process while wrk ran)\n\n"
        f"phases (innermost matching frame):\n{table(phases)}\n\n"
        f"inclusive time, session_svc functions (handlers, db, render, validation):\n{table(own)}\n\n"
        f"self time by package:\n{table(packages, 15)}\n\n"
        f"self time by function:\n{table(self_time)}\n"
    )
