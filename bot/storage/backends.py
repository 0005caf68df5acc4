"""Which backend a database setting names: `postgresql://…` (or `postgres://…`) is the
PostgreSQL server, `sqlite:///path` or a plain path an SQLite file (the embedded default)."""

from __future__ import annotations

from pathlib import Path

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase
from bot.storage.sql import SqlDatabase

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def sqlite_path(target: str | Path) -> Path:
    """The file an SQLite setting names: `sqlite:///relative.db`, `sqlite:////abs.db` (as
    SQLAlchemy spells them) or a plain path."""
    text = str(target)
    if text.startswith(SQLITE_SCHEME):
        text = text[len(SQLITE_SCHEME) :]
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(
            f"unknown database scheme {scheme!r}: use sqlite:///path or postgresql://…"
        )
    return Path(text)


async def open_database(target: str | Path) -> SqlDatabase:
    """Open (creating and migrating) the database `target` names."""
    if is_postgres(target):
        return await PostgresDatabase.open(str(target))
    return await Database.open(sqlite_path(target))
