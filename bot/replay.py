"""`python -m bot replay`: JSONL events → the tracking pipeline → state as JSON (SPEC §9).

The whole file is parsed and validated before anything is applied, so a malformed line
leaves the database untouched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.domain.challenges import GOALS, MAX_MULTIPLIER, MIN_MULTIPLIER, Challenge
from bot.domain.errors import InvalidSetting
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import KudosRecord, MemberRecord, MessageRecord, ReactionRecord
from bot.domain.streaks import local_day, view_at
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline

log = logging.getLogger(__name__)


class ReplayError(Exception):
    """A malformed replay line; the message names the line number."""


@dataclass(frozen=True, slots=True)
class SettingsEvent:
    guild: int
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class JoinEvent:
    guild: int
    challenge: int
    user: int
    ts: datetime


Event = (
    SettingsEvent
    | MemberRecord
    | MessageRecord
    | ReactionRecord
    | KudosRecord
    | Challenge
    | JoinEvent
)


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"field {field!r} must be an ISO 8601 timestamp string")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"field {field!r} is not a valid ISO 8601 timestamp: {value!r}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"field {field!r} needs a UTC offset or Z: {value!r}")
    return ts


class _Line:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def _get(self, field: str, optional: bool) -> Any:
        if field not in self.data or (optional and self.data[field] is None):
            if optional:
                return None
            raise ValueError(f"missing field {field!r}")
        return self.data[field]

    def opt_int(self, field: str, optional: bool = False) -> int | None:
        value = self._get(field, optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"field {field!r} must be an integer")
        if not -(2**63) <= value < 2**63:
            raise ValueError(f"field {field!r} is out of range (64-bit integers)")
        return value

    def req_int(self, field: str) -> int:
        value = self.opt_int(field)
        assert value is not None  # noqa: S101 - int() raises for a missing required field
        return value

    def opt_str(self, field: str, optional: bool = False) -> str | None:
        value = self._get(field, optional)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field {field!r} must be a string")
        return value

    def flag(self, field: str, default: bool) -> bool:
        value = self._get(field, True)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ValueError(f"field {field!r} must be true or false")
        return value

    def opt_time(self, field: str, optional: bool = False) -> datetime | None:
        value = self._get(field, optional)
        return None if value is None else parse_time(value, field)

    def req_time(self, field: str) -> datetime:
        value = self.opt_time(field)
        assert value is not None  # noqa: S101
        return value


def _parse_event(data: Any) -> Event:
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    line = _Line(data)
    kind = line.opt_str("type")
    guild = line.req_int("guild")
    if kind == "settings":
        changes = {k: v for k, v in data.items() if k not in ("type", "guild")}
        GuildSettings().apply_changes(changes)  # validates names and values
        return SettingsEvent(guild, changes)
    if kind == "member":
        return MemberRecord(
            guild, line.req_int("user"), line.flag("bot", False), line.opt_time("joined_at", True)
        )
    if kind == "message":
        mentions = data.get("mentions", [])
        if mentions is None:
            mentions = []
        if not isinstance(mentions, list) or any(
            isinstance(m, bool) or not isinstance(m, int) or not -(2**63) <= m < 2**63
            for m in mentions
        ):
            raise ValueError("field 'mentions' must be a list of user ids")
        content = line.opt_str("content")
        assert content is not None  # noqa: S101
        return MessageRecord(
            guild=guild,
            channel=line.req_int("channel"),
            id=line.req_int("id"),
            ts=line.req_time("ts"),
            author=line.req_int("author"),
            content=content,
            reply_to=line.opt_int("reply_to", True),
            mentions=tuple(mentions),
        )
    if kind == "reaction":
        emoji = line.opt_str("emoji")
        assert emoji is not None  # noqa: S101
        return ReactionRecord(
            guild=guild,
            channel=line.req_int("channel"),
            message=line.req_int("message"),
            user=line.req_int("user"),
            emoji=emoji,
            ts=line.req_time("ts"),
        )
    if kind == "kudos":
        raw_id = data.get("id")
        if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, int | str)):
            raise ValueError("field 'id' must be an integer or a string")
        line.opt_str("reason", True)
        return KudosRecord(
            guild=guild,
            giver=line.req_int("from"),
            receiver=line.req_int("to"),
            ts=line.req_time("ts"),
            reason=data.get("reason"),
            source=None if raw_id is None else f"kudos-id:{raw_id}",
        )
    if kind == "challenge":
        name = line.opt_str("name")
        goal = line.opt_str("goal")
        assert name is not None and goal is not None  # noqa: S101
        if goal not in GOALS:
            raise ValueError(f"field 'goal' must be one of {', '.join(GOALS)}")
        target = line.req_int("target")
        if target <= 0:
            raise ValueError("field 'target' must be greater than 0")
        starts, ends = line.req_time("starts"), line.req_time("ends")
        if ends <= starts:
            raise ValueError("field 'ends' must be after 'starts'")
        multiplier = data.get("multiplier", 1.0)
        if multiplier is None:
            multiplier = 1.0
        if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
            raise ValueError("field 'multiplier' must be a number")
        if not MIN_MULTIPLIER <= float(multiplier) <= MAX_MULTIPLIER:
            raise ValueError("field 'multiplier' must be between 1.0 and 5.0")
        return Challenge(
            guild=guild,
            id=line.req_int("id"),
            name=name,
            goal=goal,
            target=target,
            starts=starts,
            ends=ends,
            multiplier=float(multiplier),
            join_required=line.flag("join_required", True),
            description=line.opt_str("description", True) or "",
            cancelled=line.flag("cancelled", False),
        )
    if kind == "join":
        return JoinEvent(
            guild, line.req_int("challenge"), line.req_int("user"), line.req_time("ts")
        )
    raise ValueError(f"unknown type {kind!r}")


def _event_time(event: Event) -> datetime | None:
    if isinstance(event, MessageRecord | ReactionRecord | KudosRecord | JoinEvent):
        return event.ts
    return None


def event_guild(event: Event) -> int:
    return event.guild


def parse_lines(lines: Iterable[str], now: datetime) -> list[Event]:
    """Parse and validate every line; raise ReplayError naming the first bad line."""
    events: list[Event] = []
    previous: datetime | None = None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"line {number}: invalid JSON: {exc.msg}") from None
        try:
            event = _parse_event(data)
        except (ValueError, InvalidSetting) as exc:
            raise ReplayError(f"line {number}: {exc}") from None
        ts = _event_time(event)
        if ts is not None:
            if previous is not None and ts < previous:
                raise ReplayError(f"line {number}: timestamp is earlier than the previous event's")
            if ts > now:
                raise ReplayError(f"line {number}: timestamp is later than --now")
            previous = ts
        events.append(event)
    return events


async def apply_events(pipeline: TrackingPipeline, events: list[Event]) -> None:
    for event in events:
        if isinstance(event, MessageRecord):
            await pipeline.submit_message(event)
        elif isinstance(event, ReactionRecord):
            await pipeline.submit_reaction(event)
        elif isinstance(event, KudosRecord):
            await pipeline.submit_kudos(event)
        elif isinstance(event, MemberRecord):
            await pipeline.submit_member(event)
        elif isinstance(event, SettingsEvent):
            await pipeline.update_settings(event.guild, event.changes)
        elif isinstance(event, Challenge):
            await pipeline.save_challenge(event)
        elif isinstance(event, JoinEvent):
            await pipeline.join_challenge(event.guild, event.challenge, event.user, event.ts)
        else:  # pragma: no cover - the union is exhaustive
            raise TypeError(f"unexpected event {event!r}")
    await pipeline.flush()


async def state_json(
    pipeline: TrackingPipeline, guilds: Iterable[int], now: datetime
) -> dict[str, Any]:
    """The §9 output for the given guilds at `now`."""
    out = []
    for guild in sorted(set(guilds)):
        st = await pipeline.state(guild)
        today = local_day(now, st.settings.zone)
        pairs = []
        for row in await pipeline.store.all_pair_streaks(guild):
            view = view_at(row.run, today)
            pairs.append(
                {
                    "members": [row.a, row.b],
                    "current": view.current,
                    "best": view.best,
                    "freezes": view.freezes,
                    "last_day": view.last_day.isoformat() if view.last_day else None,
                    "at_risk": view.at_risk,
                }
            )
        badges = await pipeline.store.badges_of_guild(guild)
        members = [
            {"user": user, "reputation": rep, "badges": sorted(badges.get(user, []))}
            for user, rep in await pipeline.store.active_members(guild)
        ]
        entry: dict[str, Any] = {"guild": guild, "pairs": pairs, "members": members}
        challenges = []
        for ch in sorted(st.challenges.values(), key=lambda c: c.id):
            progress = await pipeline.progress(ch, now)
            challenges.append(
                {
                    "id": ch.id,
                    "state": ch.state_at(now),
                    "completed": progress.completed,
                }
            )
        if challenges:
            entry["challenges"] = challenges
        out.append(entry)
    return {"guilds": out}


async def run_replay(path: Path, now: datetime, db_path: str) -> dict[str, Any]:
    """Parse, apply and describe. Raises ReplayError before touching the database."""
    with path.open(encoding="utf-8") as handle:
        events = parse_lines(handle, now)
    db = await Database.open(db_path)
    try:
        pipeline = TrackingPipeline(db)
        try:
            await apply_events(pipeline, events)
            guilds = set(await pipeline.guild_repo.guild_ids())
            guilds |= {event_guild(e) for e in events}
            for guild in sorted(guilds):
                st = await pipeline.state(guild)
                for ch in list(st.challenges.values()):
                    await pipeline.close_challenge(ch, now)
            return await state_json(pipeline, guilds, now)
        finally:
            await pipeline.close()
    finally:
        await db.close()
