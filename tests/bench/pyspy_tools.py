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
    return shutil.which("py-spy") or (str(Path(sys.executable).parent / "py-spy") if (Path(sys.executable).parent / "py-spy").exists() else None)


def start(pid: int, out: Path, fmt: str, seconds: int, rate: int = 200) -> subprocess.Popen:
    exe = pyspy()
    if exe is None:
        raise SystemExit("py-spy not found: pip install py-spy (bench venv)")
    cmd = [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(rate), "--nonblocking",
           "--format", fmt, "--output", str(out), "--subprocesses"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _package(file: str) -> str:
    if "session_svc/" in file:
        return "session_svc." + Path(file).stem
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in file:
            rest = file.split(marker, 1)[1]
            return rest.split("/", 1)[0].removesuffix(".py")
    return Path(file).stem


def digest(collapsed: Path, top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        names = []
        for frame in frames:
            m = _FRAME.match(frame)
            if m:
                names.append((f"{m['func']} ({_package(m['file'])})", _package(m["file"])))
            else:
                names.append((frame, frame))
        for name in {n for n, _ in names}:
            inclusive[name] += count
        if names:
            self_time[names[-1][0]] += count
            packages[names[-1][1]] += count
    if not total:
        return "no samples\n"

    def table(counter: Counter[str]) -> str:
        return "\n".join(f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top))

    return (
        f"samples: {total}\n\nself time by package/module:\n{table(packages)}\n\n"
        f"inclusive time by function:\n{table(inclusive)}\n\nself time by function:\n{table(self_time)}\n"
    )
