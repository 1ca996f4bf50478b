"""Loads the `.sql` files (`sql/` and `sql/migrate/`) once and fills their identifier slots for one database.

The files live in the repository's top-level `sql/` folder and ship inside the wheel as
`session_svc/sql` (see pyproject.toml), so both a checkout and an installed package find them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from psycopg import sql

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def sql_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "sql", _PACKAGE_DIR.parent / "sql"):
        if (candidate / "get_session.sql").is_file():
            return candidate
    raise FileNotFoundError("the sql/ folder is missing from this installation")


@functools.cache
def load(name: str) -> str:
    """The statement in `sql/<name>.sql` (`name` may be `migrate/...`), without its header comment lines."""
    text = (sql_dir() / f"{name}.sql").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip()


def compose(name: str, **slots: sql.Composable) -> sql.Composed:
    """`sql/<name>.sql` with its `{slot}`s filled (identifiers or fixed fragments)."""
    return sql.SQL(load(name)).format(**slots)
