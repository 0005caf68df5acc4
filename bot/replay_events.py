"""Replay lines (SPEC §9) as pydantic models: one model per line ``type``, a discriminated
union over them, and `parse_lines`, which turns a JSONL file into the event records the
tracking pipeline consumes.

Every problem with a line becomes a `ReplayError` whose message names the line and, in one
short sentence, the field ("line 3: field 'author' must be an integer"). The models are
strict: no bool or float for an integer, no number for a string, timestamps only as ISO 8601
strings with an offset or ``Z``. Field order inside each model is the order in which problems
are reported (the first one wins), so keep it when adding fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.domain.challenges import GOALS, MAX_MULTIPLIER, MIN_MULTIPLIER, Challenge
from bot.domain.errors import InvalidSetting
from bot.domain.guild_settings import GuildSettings
from bot.domain.interactions import KudosRecord, MemberRecord, MessageRecord, ReactionRecord

__all__ = [
    "Event",
    "JoinEvent",
    "ReplayError",
    "SettingsEvent",
    "event_guild",
    "event_time",
    "iter_events",
    "parse_event",
    "parse_lines",
    "parse_time",
]


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


def event_guild(event: Event) -> int:
    return event.guild


def event_time(event: Event) -> datetime | None:
    """The time of an event that must be in time order; None for declarations."""
    if isinstance(event, MessageRecord | ReactionRecord | KudosRecord | JoinEvent):
        return event.ts
    return None


# --------------------------------------------------------------------------- field types

_CLIP = 60  # characters of a value echoed in a message
_MAX_MESSAGE = 300  # characters of a whole message (a settings error may echo a deep value)
# Instants within days of datetime.min / datetime.max overflow when they are converted to a
# guild's zone or when the tracking code steps a few days around their local day; a year of
# margin on each side keeps every such step representable.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def _clip(value: str, limit: int = _CLIP) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _timestamp_problem(value: Any) -> tuple[datetime | None, str]:
    """(the aware datetime, "") or (None, what is wrong, phrased after "field 'x' ")."""
    if not isinstance(value, str):
        return None, "must be an ISO 8601 timestamp string"
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None, f"is not a valid ISO 8601 timestamp: {_clip(value)!r}"
    if ts.tzinfo is None or ts.utcoffset() is None:
        return None, f"needs a UTC offset or Z: {_clip(value)!r}"
    try:
        instant = ts.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        return None, f"is out of range (0002-01-01 to 9998-12-31 UTC): {_clip(value)!r}"
    return ts, ""


def parse_time(value: Any, field: str) -> datetime:
    """An aware datetime from an ISO 8601 string; ValueError naming `field` otherwise."""
    ts, problem = _timestamp_problem(value)
    if ts is None:
        raise ValueError(f"field {field!r} {problem}")
    return ts


def _timestamp(value: Any) -> datetime:
    ts, problem = _timestamp_problem(value)
    if ts is None:
        raise ValueError(problem)
    return ts


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unicode(value: str) -> str:
    if _has_lone_surrogate(value):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
    return value


def _unicode_id(value: int | str | None) -> int | str | None:
    return _unicode(value) if isinstance(value, str) else value


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _known_goal(value: str) -> str:
    if value not in GOALS:
        raise ValueError(f"must be one of {', '.join(GOALS)}")
    return value


def _multiplier(value: float | None) -> float | None:
    if value is not None and not MIN_MULTIPLIER <= value <= MAX_MULTIPLIER:
        raise ValueError("must be between 1.0 and 5.0")
    return value


@dataclass(frozen=True, slots=True)
class TypeErrorText:
    """Field metadata: the sentence (after "field 'x' ") for any wrong-type error inside it."""

    text: str


Id = Annotated[int, Field(ge=-(2**63), lt=2**63)]
"""A Discord-style id: a JSON integer (never a bool, float or string) in the 64-bit range."""
Text = Annotated[str, AfterValidator(_unicode)]
Timestamp = Annotated[datetime, PlainValidator(_timestamp)]
"""ISO 8601 with an offset or Z (naive rejected), in a range every zone can convert."""


# --------------------------------------------------------------------------- line models


class _LineModel(BaseModel):
    # Unknown keys are ignored, as they always were; nothing is coerced.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    def to_event(self) -> Event:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


class SettingsLine(_LineModel):
    """Every key besides ``type`` and ``guild`` is a setting change (§9 names)."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    type: Literal["settings"]
    guild: Id

    @property
    def changes(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _valid_changes(self) -> SettingsLine:
        changes = self.changes
        if _holds_lone_surrogate(changes):
            raise ValueError("settings must be valid Unicode text (a lone surrogate was found)")
        try:
            GuildSettings().apply_changes(changes)
        except InvalidSetting as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_event(self) -> SettingsEvent:
        return SettingsEvent(self.guild, self.changes)


class MemberLine(_LineModel):
    type: Literal["member"]
    guild: Id
    user: Id
    bot: bool | None = None
    joined_at: Timestamp | None = None

    def to_event(self) -> MemberRecord:
        return MemberRecord(self.guild, self.user, bool(self.bot), self.joined_at)


class MessageLine(_LineModel):
    # (mentions and content come first: the order problems were always reported in)
    type: Literal["message"]
    guild: Id
    mentions: Annotated[list[Id] | None, TypeErrorText("must be a list of user ids")] = None
    content: Text
    channel: Id
    id: Id
    ts: Timestamp
    author: Id
    reply_to: Id | None = None

    def to_event(self) -> MessageRecord:
        return MessageRecord(
            guild=self.guild,
            channel=self.channel,
            id=self.id,
            ts=self.ts,
            author=self.author,
            content=self.content,
            reply_to=self.reply_to,
            mentions=tuple(self.mentions or ()),
        )


class ReactionLine(_LineModel):
    type: Literal["reaction"]
    guild: Id
    emoji: Text
    channel: Id
    message: Id
    user: Id
    ts: Timestamp

    def to_event(self) -> ReactionRecord:
        return ReactionRecord(
            guild=self.guild,
            channel=self.channel,
            message=self.message,
            user=self.user,
            emoji=self.emoji,
            ts=self.ts,
        )


class KudosLine(_LineModel):
    type: Literal["kudos"]
    guild: Id
    # an id of any size or a string: it only names the kudos (its key is "kudos-id:{id}")
    id: Annotated[
        int | str | None,
        AfterValidator(_unicode_id),
        TypeErrorText("must be an integer or a string"),
    ] = None
    reason: Text | None = None
    giver: Id = Field(alias="from")
    receiver: Id = Field(alias="to")
    ts: Timestamp

    def to_event(self) -> KudosRecord:
        return KudosRecord(
            guild=self.guild,
            giver=self.giver,
            receiver=self.receiver,
            ts=self.ts,
            reason=self.reason,
            source=None if self.id is None else f"kudos-id:{self.id}",
        )


class ChallengeLine(_LineModel):
    type: Literal["challenge"]
    guild: Id
    name: Text
    goal: Annotated[Text, AfterValidator(_known_goal)]
    target: Annotated[Id, AfterValidator(_positive)]
    starts: Timestamp
    ends: Timestamp
    multiplier: Annotated[
        float | None, AfterValidator(_multiplier), TypeErrorText("must be a number")
    ] = None
    id: Id
    join_required: bool | None = None
    description: Text | None = None
    cancelled: bool | None = None

    @field_validator("ends")
    @classmethod
    def _after_starts(cls, ends: datetime, info: ValidationInfo) -> datetime:
        starts = info.data.get("starts")
        if starts is not None and ends <= starts:
            raise ValueError("must be after 'starts'")
        return ends

    def to_event(self) -> Challenge:
        return Challenge(
            guild=self.guild,
            id=self.id,
            name=self.name,
            goal=self.goal,
            target=self.target,
            starts=self.starts,
            ends=self.ends,
            multiplier=1.0 if self.multiplier is None else float(self.multiplier),
            join_required=True if self.join_required is None else self.join_required,
            description=self.description or "",
            cancelled=bool(self.cancelled),
        )


class JoinLine(_LineModel):
    type: Literal["join"]
    guild: Id
    challenge: Id
    user: Id
    ts: Timestamp

    def to_event(self) -> JoinEvent:
        return JoinEvent(self.guild, self.challenge, self.user, self.ts)


Line = Annotated[
    SettingsLine | MemberLine | MessageLine | ReactionLine | KudosLine | ChallengeLine | JoinLine,
    Field(discriminator="type"),
]
LINE: TypeAdapter[Line] = TypeAdapter(Line)

LINE_MODELS: dict[str, type[BaseModel]] = {
    "settings": SettingsLine,
    "member": MemberLine,
    "message": MessageLine,
    "reaction": ReactionLine,
    "kudos": KudosLine,
    "challenge": ChallengeLine,
    "join": JoinLine,
}


class _Envelope(BaseModel):
    """What every line has; checked to explain a line whose ``type`` is missing or unknown."""

    model_config = ConfigDict(strict=True, extra="ignore")

    type: str | None  # null: "unknown type None", as it always said
    guild: Id


def _holds_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# --------------------------------------------------------------------------- messages

_TYPE_TEXT = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "greater_than_equal": "is out of range (64-bit integers)",
    "less_than": "is out of range (64-bit integers)",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "list_type": "must be a list",
}


def _sentence(error: ErrorDetails, model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """One short sentence for one pydantic error at `loc` (relative to `model`)."""
    kind, message = error["type"], error["msg"]
    field = loc[0] if loc else None
    if kind == "value_error":
        text = message.removeprefix("Value error, ")
        return text if field is None else f"field {field!r} {text}"
    if field is None:
        return message
    if kind == "missing" and len(loc) == 1:
        return f"missing field {field!r}"
    info = model.model_fields.get(str(field))
    if info is None:  # an alias: look the field up by it
        info = next((f for f in model.model_fields.values() if f.alias == field), None)
    override = next(
        (m.text for m in (info.metadata if info else []) if isinstance(m, TypeErrorText)), None
    )
    if override is not None:
        return f"field {field!r} {override}"
    return f"field {field!r} {_TYPE_TEXT.get(kind, message[:1].lower() + message[1:])}"


def describe(error: ValidationError, data: dict[str, Any]) -> str:
    """The first problem of a line's ValidationError, as a sentence."""
    first = error.errors(include_url=False)[0]
    if first["type"] in ("union_tag_not_found", "union_tag_invalid"):
        try:
            envelope = _Envelope.model_validate(data)
        except ValidationError as exc:
            inner = exc.errors(include_url=False)[0]
            return _sentence(inner, _Envelope, inner["loc"])
        kind = envelope.type
        return f"unknown type {kind if kind is None else _clip(kind)!r}"
    tag, *rest = first["loc"]
    return _sentence(first, LINE_MODELS[str(tag)], tuple(rest))


def parse_event(data: Any) -> Event:
    """One decoded JSON line as an event; ValueError with a short sentence if malformed."""
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    try:
        line = LINE.validate_python(data)
    except ValidationError as exc:
        raise ValueError(describe(exc, data)) from None
    return line.to_event()


def _decode(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError:  # int() refuses numbers over sys.get_int_max_str_digits() digits
        raise ValueError("invalid JSON: a number has too many digits") from None


def iter_events(lines: Iterable[str | bytes], now: datetime) -> Iterator[Event]:
    """Parse and validate line by line, yielding each event; raise ReplayError naming the
    first bad line. Lines may be bytes (a file opened in binary): each is decoded as UTF-8
    on its own, so an undecodable line is named too. Nothing is kept between lines but the
    previous timestamp, so a file of any size streams in constant memory."""
    previous: datetime | None = None
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ReplayError(
                    f"line {number}: not UTF-8 text ({exc.reason} at byte {exc.start + 1})"
                ) from None
        else:
            text = raw
        if not text.strip():
            continue
        try:
            event = parse_event(_decode(text))
        except ValueError as exc:
            raise ReplayError(f"line {number}: {_clip(str(exc), _MAX_MESSAGE)}") from None
        except RecursionError:
            raise ReplayError(f"line {number}: nested too deeply") from None
        ts = event_time(event)
        if ts is not None:
            if previous is not None and ts < previous:
                raise ReplayError(f"line {number}: timestamp is earlier than the previous event's")
            if ts > now:
                raise ReplayError(f"line {number}: timestamp is later than --now")
            previous = ts
        yield event


def parse_lines(lines: Iterable[str | bytes], now: datetime) -> list[Event]:
    """Parse and validate every line; raise ReplayError naming the first bad line."""
    return list(iter_events(lines, now))
