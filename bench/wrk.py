"""wrk (the Debian package) driven by generated Lua scripts.

Every script ends with the same `done()` hook, which prints one `BENCH_RESULT {json}` line: request
count, duration, wrk's error counters and exact latency percentiles in microseconds. Scripts that
need per-status counts (overload) add a `response()` hook; the others avoid it, since a Lua call per
response costs client CPU on a 2-core machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DONE_HOOK = r"""
local bench_threads = {}
setup = function(thread)
  thread:set("tid", #bench_threads + 1)
  table.insert(bench_threads, thread)
end
done = function(summary, latency, requests)
  local e = summary.errors
  local statuses = {}
  for _, t in ipairs(bench_threads) do
    local counts = t:get("status_counts")
    if counts then
      for code, n in pairs(counts) do statuses[code] = (statuses[code] or 0) + n end
    end
  end
  local parts = {}
  for code, n in pairs(statuses) do table.insert(parts, string.format('"%s":%d', code, n)) end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(parts, ",")))
end
"""

COUNT_STATUSES = r"""
status_counts = {}
response = function(status, headers, body)
  status_counts[status] = (status_counts[status] or 0) + 1
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our ASCII ids


def cycle_script(method: str, paths: list[str], body: str | None = None, count_statuses: bool = False) -> str:
    """Requests cycling over `paths` (each thread starts at a different offset)."""
    items = ",\n".join(f"  {_lua_string(p)}" for p in paths)
    headers = '{["Content-Type"] = "application/json"}' if body is not None else "nil"
    body_lua = _lua_string(body) if body is not None else "nil"
    return f"""
local paths = {{
{items}
}}
local n = #paths
local i = 0
local started = false
request = function()
  if not started then i = (tid or 1) * 7919 % n; started = true end
  i = i % n + 1
  return wrk.format({_lua_string(method)}, paths[i], {headers}, {body_lua})
end
{COUNT_STATUSES if count_statuses else ""}
{DONE_HOOK}
"""


def body_script(method: str, paths: list[str], body_lua_expr: str, prelude: str = "") -> str:
    """Requests whose JSON body is built per request by the Lua expression `body_lua_expr`, which
    may use `k` (this thread's request counter), `tid` (thread number) and `path`."""
    items = ",\n".join(f"  {_lua_string(p)}" for p in paths)
    return f"""
{prelude}
local paths = {{
{items}
}}
local n = #paths
local k = 0
request = function()
  k = k + 1
  local path = paths[(k + (tid or 1) * 31) % n + 1]
  return wrk.format({_lua_string(method)}, path, {{["Content-Type"] = "application/json"}}, {body_lua_expr})
end
{DONE_HOOK}
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    statuses: dict[str, int]
    bytes_per_request: float = 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def run(
    url: str,
    script: Path,
    seconds: int,
    connections: int,
    threads: int,
    timeout_s: int = 10,
) -> WrkResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    threads = max(1, min(threads, connections))
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(script),
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)  # rc checked below
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result (rc {proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
    return parse(line)


def parse(line: str) -> WrkResult:
    d = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = d["duration_us"] / 1e6
    return WrkResult(
        requests=d["requests"],
        seconds=seconds,
        rps=d["requests"] / seconds if seconds else 0.0,
        p50_ms=d["p50"] / 1000,
        p90_ms=d["p90"] / 1000,
        p99_ms=d["p99"] / 1000,
        mean_ms=d["mean"] / 1000,
        max_ms=d["max"] / 1000,
        non2xx=d["status"],
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        statuses={str(k): v for k, v in d["statuses"].items()},
        bytes_per_request=d["bytes"] / d["requests"] if d["requests"] else 0.0,
    )
