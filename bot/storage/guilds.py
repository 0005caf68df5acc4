"""Guild settings and per-guild configuration."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from bot.domain.guild_settings import GuildSettings, settings_from_dict
from bot.storage.database import to_us
from bot.storage.sql import SqlDatabase

_CHUNK = 1000

# a guild's settings and configuration, stored as JSON text (NULL: the guild is not stored)
SETTINGS_AND_CONFIG = "SELECT settings, config FROM guilds WHERE guild_id = ?"


def parse_settings(text: str) -> GuildSettings:
    return settings_from_dict(json.loads(text))


def parse_config(text: str) -> dict[str, Any]:
    return dict(json.loads(text))


class GuildRepository:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    async def get_settings(self, guild_id: int) -> GuildSettings | None:
        row = await self.db.fetchone(SETTINGS_AND_CONFIG, (guild_id,))
        return parse_settings(row[0]) if row else None

    async def save_settings(self, guild_id: int, settings: GuildSettings) -> None:
        await self.db.execute(
            "INSERT INTO guilds (guild_id, settings) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET settings = excluded.settings",
            (guild_id, json.dumps(settings.to_json_dict(), sort_keys=True)),
        )

    async def ensure(self, guild_id: int) -> None:
        await self.db.execute(
            "INSERT INTO guilds (guild_id, settings) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, json.dumps(GuildSettings().to_json_dict(), sort_keys=True)),
        )

    async def guild_ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT guild_id FROM guilds ORDER BY guild_id")
        return [int(r[0]) for r in rows]

    async def all_configs(self) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        """(guild, settings dict, config dict) of every guild, for the scheduled slots."""
        rows = await self.db.fetchall("SELECT guild_id, settings, config FROM guilds")
        out: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for start in range(0, len(rows), _CHUNK):
            if start:
                await asyncio.sleep(0)  # parsing many guilds must not stall the event loop
            out.extend(
                (int(r[0]), dict(json.loads(r[1])), dict(json.loads(r[2])))
                for r in rows[start : start + _CHUNK]
            )
        return out

    async def save_configs(self, configs: list[tuple[int, dict[str, Any]]]) -> None:
        for start in range(0, len(configs), _CHUNK):
            rows = [(json.dumps(c, sort_keys=True), g) for g, c in configs[start : start + _CHUNK]]
            await self.db.executemany("UPDATE guilds SET config = ? WHERE guild_id = ?", rows)

    async def get_config(self, guild_id: int) -> dict[str, Any]:
        row = await self.db.fetchone(SETTINGS_AND_CONFIG, (guild_id,))
        return parse_config(row[1]) if row else {}

    async def save_config(self, guild_id: int, config: dict[str, Any]) -> None:
        await self.ensure(guild_id)
        await self.db.execute(
            "UPDATE guilds SET config = ? WHERE guild_id = ?",
            (json.dumps(config, sort_keys=True), guild_id),
        )

    async def welcome_posted(self, guild_id: int) -> bool:
        """Was the first-run welcome posted (or deliberately skipped) in this guild?"""
        row = await self.db.fetchone(
            "SELECT welcome_posted_at FROM guild_jobs WHERE guild_id = ?", (guild_id,)
        )
        return row is not None and row[0] is not None

    async def mark_welcome(self, guild_id: int, at: datetime | None) -> None:
        """Record the welcome as posted at `at`; None forgets it (the post failed)."""
        await self.db.execute(
            "INSERT INTO guild_jobs (guild_id, welcome_posted_at) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET welcome_posted_at = excluded.welcome_posted_at",
            (guild_id, to_us(at) if at is not None else None),
        )
