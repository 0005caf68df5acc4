"""Operator settings (environment / .env), built once in __main__ and passed down."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    discord_token: str | None = Field(default=None, min_length=1)
    database_path: Path = Path("./kindling.db")
    # another backend: postgresql://user:password@host:5432/db (or sqlite:///path, which is
    # DATABASE_PATH); unset, DATABASE_PATH's SQLite file
    database_url: str | None = None
    log_level: str = "INFO"
    dev_guild_id: int | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    flush_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    flush_max_batch: int = Field(default=5000, ge=1, le=1_000_000)
    # a guild's rule state leaves memory this long after its last event (once written; its
    # next event reloads it), 0 = never; messages remembered for replies and reactions, all
    # guilds together, in MB (older ones are looked up in the database)
    guild_idle_seconds: float = Field(default=600.0, ge=0, le=7 * 86400)
    message_cache_mb: float = Field(default=32.0, ge=0.001, le=65536)
    # the rule states in memory, all guilds together, in MB (estimated from their entries):
    # beyond it the least recently used are evicted before they are idle, 0 = no bound
    guild_state_mb: float = Field(default=24.0, ge=0, le=65536)
    # a guild with more stored members than this is loaded member by member as its events
    # need them, instead of all at once (its first event after a restart then waits only
    # for its own members, and its state holds only the members its events touched); 0:
    # every guild
    lazy_load_members: int = Field(default=0, ge=0, le=100_000_000)

    @property
    def guild_state_bytes(self) -> int | None:
        """GUILD_STATE_MB in bytes; None: no bound."""
        return int(self.guild_state_mb * 1024 * 1024) or None
    retention_days: int = Field(default=90, ge=1, le=3650)
    badge_announce_seconds: float = Field(default=60.0, ge=0, le=3600)
    # a backfill that failed (a locked database, Discord errors) is tried again after this
    backfill_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # the longest wait between gateway reconnect attempts (discord.py's own is up to 1,024 s)
    reconnect_max_seconds: float = Field(default=15.0, ge=1, le=600)
    # daily online backups (03:17 UTC): BACKUP_KEEP newest dated copies in BACKUP_DIR
    # (default: a "backups" folder beside the database); BACKUP_KEEP=0 turns them off
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=0, le=365)
    # history import pace (SPEC §8): messages per history request, pause between requests
    history_page_size: int = Field(default=100, ge=1, le=100)
    history_pause_seconds: float = Field(default=1.0, ge=0, le=60)
    # the public web boards (issue #11): off unless the operator turns them on
    web_enabled: bool = False
    web_host: str = Field(default="127.0.0.1", min_length=1)
    web_port: int = Field(default=8081, ge=0, le=65535)  # 0: any free port
    web_public_url: str | None = None  # the address members use; default http://host:port
    # sharding (issue #13): SHARD_COUNT shards in all, this process runs SHARD_IDS of them
    # ("0-1", "0,2,4"; default all); unset, one plain gateway connection as before
    shard_count: int | None = Field(default=None, ge=1, le=4096)
    shard_ids: str | None = None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
            raise ValueError("must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        return level

    @field_validator("discord_api_base", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str | None, info: object) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0]
        if scheme not in ("http", "https", "ws", "wss") or "://" not in value:
            raise ValueError("must be a URL such as http://127.0.0.1:8080/api/v10")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://", "sqlite:///")):
            raise ValueError("must be postgresql://user:password@host/db or sqlite:///path")
        return value

    @model_validator(mode="after")
    def _sqlite_url(self) -> Settings:
        # DATABASE_URL=sqlite:///path is DATABASE_PATH said the other way
        if self.database_url is not None and self.database_url.startswith("sqlite:///"):
            self.database_path = Path(self.database_url.removeprefix("sqlite:///"))
            self.database_url = None
        return self

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL server's URL when DATABASE_URL names one, else None (SQLite)."""
        return self.database_url

    @property
    def database_target(self) -> str | Path:
        """What `bot.storage.backends.open_database` opens: the URL or the SQLite file."""
        return self.database_url or self.database_path

    @property
    def backup_folder(self) -> Path:
        return self.backup_dir or self.database_path.parent / "backups"

    @field_validator("web_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.split("://", 1)[0] not in ("http", "https") or "://" not in value:
            raise ValueError("must be a URL such as https://boards.example.org")
        return value.rstrip("/")

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return ",".join(str(i) for i in parse_shard_ids(value))

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT (the number of shards in all)")
            over = [i for i in self.shard_id_list or () if i >= self.shard_count]
            if over:
                raise ValueError(f"SHARD_IDS {over} must be below SHARD_COUNT ({self.shard_count})")
        return self

    @property
    def shard_id_list(self) -> tuple[int, ...] | None:
        """The shards this process runs, or None for all of them."""
        if self.shard_ids is None:
            return None
        return tuple(int(i) for i in self.shard_ids.split(","))

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


MAX_SHARD_ID = 4095
"""SHARD_COUNT is at most 4,096; a bigger shard number is refused before a range of it is
expanded (`0-99999999999` would otherwise fill the memory before any check)."""


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """'0-1', '0,2,4' or '0-2,5' → the shard ids, ascending, each once."""
    out: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError("must be shard numbers such as 0-1 or 0,2,4")
        if len(low) > 6 or len(high) > 6:  # checked before any range is expanded
            raise ValueError(f"shard numbers go up to {MAX_SHARD_ID}")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"the range {part} runs backwards")
        if last > MAX_SHARD_ID:
            raise ValueError(f"shard numbers go up to {MAX_SHARD_ID}")
        out.update(range(first, last + 1))
    if not out:
        raise ValueError("must be shard numbers such as 0-1 or 0,2,4")
    return tuple(sorted(out))


class SettingsError(Exception):
    """A missing or invalid setting; the message names it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        msg = first["msg"].removeprefix("Value error, ")
        if not name:  # a rule across settings: the message names them
            raise SettingsError(f"invalid settings: {msg}") from None
        raise SettingsError(f"invalid setting {name}: {msg}") from None
