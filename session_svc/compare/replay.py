"""`session-svc compare BASE_A BASE_B (--requests FILE | --access-log FILE)`: the staging check.

Replays recorded GET requests under /sessions against two deployments, BASE_A the reference
(AgentOS) and BASE_B the candidate (this service), and compares each pair of answers with the live
comparator's rules (compare/rules.py). A difference is asked of BASE_A once more: if the reference
disagrees with itself it is noise. Prints per-route counts and the first differences; exit status 1
on any mismatch or unanswered request, 0 otherwise.

Input lines: `--requests` holds paths (`/sessions?type=agent`, or `GET /sessions/...`); `--access-log`
holds our JSON access-log lines (method, path, query) or uvicorn/AgentOS access-log lines
(`... "GET /sessions?limit=5 HTTP/1.1" 200 OK`). Only GETs to the /sessions routes this service
serves are replayed (the others AgentOS answers in any case).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote, unquote

from .answer import Answer, Asked
from .verdict import Verdict, compare, cut

if TYPE_CHECKING:
    from starlette.routing import Route

_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_LOG_REQUEST = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[0-9.]+"')
PROGRESS_EVERY_SECONDS = 2.0


def requests_from_paths(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        method, _, target = text.partition(" ") if " " in text else ("GET", "", text)
        if method.upper() == "GET":
            yield target.strip()


def requests_from_access_log(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("method") == "GET" and isinstance(record.get("path"), str):
                query = record.get("query") or ""
                # The log holds the decoded path (the query as sent): quote it back for the request line.
                yield quote(record["path"], safe=_PATH_SAFE) + (f"?{query}" if query else "")
            continue
        found = _LOG_REQUEST.search(text)
        if found and found.group("method") == "GET":
            yield found.group("target")


def route_of(path: str) -> str | None:
    """Our route template for a GET path under /sessions, or None (not a route we serve)."""
    from starlette.routing import Match

    probe = {"type": "http", "path": path.rstrip("/") or "/", "method": "GET", "root_path": ""}
    for route in _session_routes():
        if route.matches(probe)[0] is Match.FULL:
            return route.path
    return None


@functools.cache
def _session_routes() -> list[Route]:
    from ..routes import starlette_routes

    return [route for route in starlette_routes(docs_enabled=False) if route.path.startswith("/sessions")]


class Replay:
    def __init__(self, base_a: str, base_b: str, headers: dict[str, str], timeout: float, show: int, out: TextIO):
        import httpx

        from ..upstream.client import KEEPALIVE_EXPIRY

        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers=headers,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
        )
        self.base_a, self.base_b = base_a.rstrip("/"), base_b.rstrip("/")
        self.show = show
        self.out = out
        self.counts: dict[str, Counter[str]] = {}
        self.differences: list[str] = []

    def get(self, base: str, target: str) -> Answer | None:
        import httpx

        for attempt in range(2):
            try:
                response = self.client.get(base + target)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                if attempt == 0:
                    continue  # a GET may be sent again: the kept-alive connection was closed under it
                return None
            except (httpx.HTTPError, httpx.InvalidURL):
                return None
            return Answer(response.status_code, response.headers.get("content-type"), response.content)
        return None

    def one(self, target: str) -> bool:
        """Replay one GET; False if it is no route this service serves (AgentOS answers those)."""
        path, _, query = target.partition("?")
        route = route_of(unquote(path))
        if route is None:
            return False
        counts = self.counts.setdefault(route, Counter())
        a, b = self.get(self.base_a, target), self.get(self.base_b, target)
        if a is None or b is None:
            counts["error"] += 1
            self._note(f"GET {target}: {'BASE_A' if a is None else 'BASE_B'} did not answer")
            return True
        asked = Asked(route, unquote(path), query)
        verdict = compare(asked, a, b)
        if verdict.matched:
            counts["match"] += 1
            return True
        again = self.get(self.base_a, target)
        if again is not None and not compare(asked, a, again, rules=()).matched:
            counts["noise"] += 1
            return True
        counts["mismatch"] += 1
        self._note(_describe(target, verdict))
        return True

    def _note(self, line: str) -> None:
        if len(self.differences) < self.show:
            self.differences.append(line)

    def report(self) -> bool:
        """Print the summary; True if there was no mismatch and no error."""
        outcomes = ("match", "mismatch", "noise", "error")
        width = max([len(route) for route in self.counts] + [5])
        print(f"{'route':<{width}}  " + "  ".join(f"{o:>8}" for o in outcomes), file=self.out)
        for route in sorted(self.counts):
            print(f"{route:<{width}}  " + "  ".join(f"{self.counts[route][o]:>8}" for o in outcomes), file=self.out)
        total = sum(self.counts.values(), Counter())
        print(f"{'total':<{width}}  " + "  ".join(f"{total[o]:>8}" for o in outcomes), file=self.out)
        if self.differences:
            print("\nfirst differences (BASE_A vs BASE_B):", file=self.out)
            for line in self.differences:
                print(f"  {line}", file=self.out)
        return total["mismatch"] == 0 and total["error"] == 0


def _describe(target: str, verdict: Verdict) -> str:
    return f"GET {target}: {verdict.path}: BASE_A {cut(verdict.agentos)}, BASE_B {cut(verdict.ours)}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base_a", metavar="BASE_A", help="the reference deployment (AgentOS), e.g. http://agentos:7777")
    parser.add_argument("base_b", metavar="BASE_B", help="the candidate (this service), e.g. http://sessions:8080")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--requests", metavar="FILE", help="one path (or 'GET path') per line")
    source.add_argument("--access-log", metavar="FILE", help="our JSON access log, or uvicorn/AgentOS access-log lines")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="sent on every request (e.g. Authorization)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--show", type=int, default=20, help="how many differences to print (default 20)")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, progress: TextIO = sys.stderr) -> int:
    headers = {}
    for header in args.header:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            print(f"session-svc compare: --header must be 'NAME: VALUE', got {header!r}", file=progress)
            return 2
        headers[name.strip()] = value.strip()
    name = args.requests or args.access_log
    try:
        source = open(name, encoding="utf-8", errors="replace")  # noqa: SIM115 (closed below)
    except OSError as exc:
        print(f"session-svc compare: cannot read {name}: {exc.strerror}", file=progress)
        return 2
    replay = Replay(args.base_a, args.base_b, headers, args.timeout, args.show, out)
    parse = requests_from_paths if args.requests else requests_from_access_log
    done, last = 0, time.monotonic()
    with source:
        for target in parse(source):
            if not target.startswith("/sessions") or not replay.one(target):
                continue
            done += 1
            if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                last = time.monotonic()
                print(f"compare: {done} requests replayed", file=progress, flush=True)
    if done == 0:
        print(f"session-svc compare: no GET requests to /sessions routes in {name}", file=progress)
        return 2
    return 0 if replay.report() else 1
