"""The configured databases and agno's rules for choosing one per request (agno/os/utils.py: get_db)."""

from __future__ import annotations

import asyncio

from ..errors import HTTPError
from ..settings import Settings
from .database import Database


class Registry:
    def __init__(self, settings: Settings) -> None:
        self.databases: dict[str, Database] = {
            config.db_id: Database(config, settings) for config in settings.databases
        }
        self.default = self.databases[settings.default_db_id]

    async def open(self) -> None:
        await asyncio.gather(*(db.open() for db in self.databases.values()))

    async def close(self) -> None:
        await asyncio.gather(*(db.close() for db in self.databases.values()))

    async def resolve(self, db_id: str | None, table: str | None) -> Database:
        """The database a request names, with AgentOS's 400/404 answers, its table facts loaded
        (Database.ensure_facts: read once, so every statement of it can be composed).

        Deliberate difference: with several databases and no `db_id`, AgentOS answers 400; this
        service answers from the default database (AGNO_DEFAULT_DB_ID), (docs/contract.md, Choosing the database).
        """
        if table is not None and db_id is None:
            raise HTTPError(400, "The db_id query parameter is required when passing a table")
        if db_id is None:
            await self.default.ensure_facts()
            return self.default
        db = self.databases.get(db_id)
        if db is None:
            raise HTTPError(404, f"No database found with id '{db_id}'")
        if table is not None and not await db.has_table(table):
            raise HTTPError(404, f"No database with id '{db_id}' has table '{table}'")
        await db.ensure_facts()
        return db
