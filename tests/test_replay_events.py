"""Replay lines as pydantic models (bot.replay_events, SPEC §9).

Valid lines parse into the records the pipeline consumes; any mutation of a valid line is
either still a valid event or a ReplayError naming its line, never another exception.
"""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.challenges import GOALS, Challenge
from bot.domain.interactions import KudosRecord, MemberRecord, MessageRecord, ReactionRecord
from bot.replay_events import (
    LINE_MODELS,
    JoinEvent,
    Line,
    ReplayError,
    SettingsEvent,
    parse_event,
    parse_lines,
    parse_time,
)

NOW = datetime(2026, 4, 1, tzinfo=UTC)
SETTINGS = '{"type":"settings","guild":1,"timezone":"UTC"}'


def parse_one(line: str, now: datetime = NOW) -> Any:
    """Parse `line` as line 2 of a file (after a settings line); return its event."""
    return parse_lines([SETTINGS, line], now)[1]


def error_of(line: str, now: datetime = NOW) -> str:
    with pytest.raises(ReplayError) as info:
        parse_lines([SETTINGS, line], now)
    message = str(info.value)
    assert message.startswith("line 2: "), message
    return message.removeprefix("line 2: ")


def test_every_union_member_has_its_tag() -> None:
    union = typing.get_args(typing.get_args(Line)[0])
    by_tag = {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in union}
    assert by_tag == LINE_MODELS


# --------------------------------------------------------------------------- examples


def test_each_type_gives_its_record() -> None:
    lines = [
        '{"type":"settings","guild":1,"timezone":"Europe/Amsterdam","points":{"reply":4}}',
        '{"type":"member","guild":1,"user":10,"bot":false,"joined_at":"2026-01-01T00:00:00Z"}',
        '{"type":"message","guild":1,"channel":100,"id":1000,"ts":"2026-03-01T10:00:00Z",'
        '"author":10,"content":"hi <@11>","reply_to":999,"mentions":[11]}',
        '{"type":"reaction","guild":1,"channel":100,"message":1000,"user":11,"emoji":"👍",'
        '"ts":"2026-03-01T10:01:00Z"}',
        '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:02:00Z",'
        '"reason":"thanks!","id":42}',
        '{"type":"challenge","guild":1,"id":7,"name":"Spring","goal":"distinct_partners",'
        '"target":3,"starts":"2026-03-01T00:00:00Z","ends":"2026-03-08T00:00:00+01:00",'
        '"multiplier":2,"join_required":false}',
        '{"type":"join","guild":1,"challenge":7,"user":10,"ts":"2026-03-01T10:03:00Z"}',
    ]
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    events = parse_lines(lines, NOW)
    assert events == [
        SettingsEvent(1, {"timezone": "Europe/Amsterdam", "points": {"reply": 4}}),
        MemberRecord(1, 10, False, datetime(2026, 1, 1, tzinfo=UTC)),
        MessageRecord(
            guild=1,
            channel=100,
            id=1000,
            ts=at,
            author=10,
            content="hi <@11>",
            reply_to=999,
            mentions=(11,),
        ),
        ReactionRecord(
            guild=1, channel=100, message=1000, user=11, emoji="👍", ts=at + timedelta(minutes=1)
        ),
        KudosRecord(
            guild=1,
            giver=10,
            receiver=11,
            ts=at + timedelta(minutes=2),
            reason="thanks!",
            source="kudos-id:42",
        ),
        Challenge(
            guild=1,
            id=7,
            name="Spring",
            goal="distinct_partners",
            target=3,
            starts=datetime(2026, 3, 1, tzinfo=UTC),
            ends=datetime(2026, 3, 8, tzinfo=timezone(timedelta(hours=1))),
            multiplier=2.0,
            join_required=False,
        ),
        JoinEvent(1, 7, 10, at + timedelta(minutes=3)),
    ]
    challenge = events[5]
    assert isinstance(challenge, Challenge) and type(challenge.multiplier) is float


def test_optional_fields_and_nulls() -> None:
    msg = parse_one(
        '{"type":"message","guild":1,"channel":5,"id":1,"ts":"2026-03-01T10:00:00Z",'
        '"author":10,"content":"hello","reply_to":null,"mentions":null}'
    )
    assert msg.reply_to is None and msg.mentions == ()
    assert parse_one(
        '{"type":"member","guild":1,"user":10,"bot":null,"joined_at":null}'
    ) == MemberRecord(1, 10, False, None)
    assert parse_one('{"type":"member","guild":1,"user":10}') == MemberRecord(1, 10, False, None)
    kudos = parse_one(
        '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:00:00Z",'
        '"id":null,"reason":null}'
    )
    assert kudos.source is None and kudos.reason is None
    assert (
        parse_one(
            '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:00:00Z","id":"a-1"}'
        ).source
        == "kudos-id:a-1"
    )
    ch = parse_one(
        '{"type":"challenge","guild":1,"id":7,"name":"S","goal":"points","target":1,'
        '"starts":"2026-03-01T00:00:00Z","ends":"2026-03-02T00:00:00Z","multiplier":null,'
        '"join_required":null,"description":null,"cancelled":null}'
    )
    assert (ch.multiplier, ch.join_required, ch.description, ch.cancelled) == (
        1.0,
        True,
        "",
        False,
    )
    # unknown keys are ignored
    assert parse_one(
        '{"type":"join","guild":1,"challenge":7,"user":10,"ts":"2026-03-01T10:00:00Z","note":[1,2]}'
    ) == JoinEvent(1, 7, 10, datetime(2026, 3, 1, 10, tzinfo=UTC))


MESSAGE = (
    '{"type":"message","guild":1,"channel":5,"id":%s,"ts":%s,"author":10,"content":%s,'
    '"mentions":%s}'
)


def message(
    id_: str = "1",
    ts: str = '"2026-03-01T10:00:00Z"',
    content: str = '"hello"',
    mentions: str = "[]",
) -> str:
    return MESSAGE % (id_, ts, content, mentions)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('{"type":"message",', "invalid JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "a line must be a JSON object"),
        ('{"type":"typing","guild":1}', "unknown type 'typing'"),
        ('{"type":"typing"}', "missing field 'guild'"),
        ('{"guild":1}', "missing field 'type'"),
        ('{"type":5,"guild":1}', "field 'type' must be a string"),
        ('{"type":null,"guild":1}', "unknown type None"),
        (
            '{"type":"message","guild":1,"channel":5,"id":2,"ts":"2026-03-01T10:01:00Z",'
            '"content":"x","mentions":[]}',
            "missing field 'author'",
        ),
        (message(id_='"2"'), "field 'id' must be an integer"),
        (message(id_="true"), "field 'id' must be an integer"),
        (message(id_="2.0"), "field 'id' must be an integer"),
        (message(id_="null"), "field 'id' must be an integer"),
        (message(id_=str(2**63)), "field 'id' is out of range (64-bit integers)"),
        (message(id_=str(-(2**63) - 1)), "field 'id' is out of range (64-bit integers)"),
        (message(content="5"), "field 'content' must be a string"),
        (message(mentions='"11"'), "field 'mentions' must be a list of user ids"),
        (message(mentions="[true]"), "field 'mentions' must be a list of user ids"),
        (message(mentions=f"[{2**64}]"), "field 'mentions' must be a list of user ids"),
        (message(ts='"yesterday"'), "field 'ts' is not a valid ISO 8601 timestamp: 'yesterday'"),
        (
            message(ts='"2026-03-01T10:05:00"'),
            "field 'ts' needs a UTC offset or Z: '2026-03-01T10:05:00'",
        ),
        (message(ts="1772359200"), "field 'ts' must be an ISO 8601 timestamp string"),
        ('{"type":"member","guild":1,"user":10,"bot":1}', "field 'bot' must be true or false"),
        (
            '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:00:00Z","id":true}',
            "field 'id' must be an integer or a string",
        ),
        (
            '{"type":"kudos","guild":1,"from":"10","to":11,"ts":"2026-03-01T10:00:00Z"}',
            "field 'from' must be an integer",
        ),
        (
            '{"type":"settings","guild":1,"timezone":"Mars/Base"}',
            "timezone: unknown timezone 'Mars/Base'; use an IANA name such as Europe/Amsterdam",
        ),
        (
            '{"type":"settings","guild":1,"limits":{"speed":3}}',
            "unknown setting limits.speed; allowed: cooldown_seconds, min_message_chars, "
            "min_member_age_days, interactions_per_partner_per_day, kudos_per_day, pair_daily_cap, "
            "member_daily_cap, max_freezes",
        ),
        (
            '{"type":"settings","guild":1,"limits":{"cooldown_seconds":-5}}',
            "limits.cooldown_seconds: Input should be greater than or equal to 0",
        ),
    ],
)
def test_messages(line: str, says: str) -> None:
    assert error_of(line) == says


CHALLENGE = {
    "type": "challenge",
    "guild": 1,
    "id": 7,
    "name": "Spring",
    "goal": "points",
    "target": 3,
    "starts": "2026-03-01T00:00:00Z",
    "ends": "2026-03-02T00:00:00Z",
}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"goal": "speed"}, f"field 'goal' must be one of {', '.join(GOALS)}"),
        ({"target": 0}, "field 'target' must be greater than 0"),
        ({"target": 2**63}, "field 'target' is out of range (64-bit integers)"),
        ({"ends": "2026-03-01T00:00:00Z"}, "field 'ends' must be after 'starts'"),
        ({"ends": "2026-03-01T01:00:00+01:00"}, "field 'ends' must be after 'starts'"),
        ({"multiplier": 5.5}, "field 'multiplier' must be between 1.0 and 5.0"),
        ({"multiplier": 0.5}, "field 'multiplier' must be between 1.0 and 5.0"),
        ({"multiplier": True}, "field 'multiplier' must be a number"),
        ({"multiplier": "2"}, "field 'multiplier' must be a number"),
        ({"multiplier": 10**400}, "field 'multiplier' must be a number"),
        # problems are reported in the order they always were: the earliest field first
        ({"ends": "2026-02-01T00:00:00Z", "multiplier": 9}, "field 'ends' must be after 'starts'"),
        ({"goal": "speed", "target": "x"}, f"field 'goal' must be one of {', '.join(GOALS)}"),
    ],
)
def test_challenge_rules(change: dict[str, Any], says: str) -> None:
    assert error_of(json.dumps({**CHALLENGE, **change})) == says


@pytest.mark.parametrize("multiplier", [1, 1.0, 2.5, 5, 5.0])
def test_multiplier_bounds_are_inclusive(multiplier: float) -> None:
    assert parse_one(json.dumps({**CHALLENGE, "multiplier": multiplier})).multiplier == multiplier


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), 0])
def test_id_range_is_64_bit(value: int) -> None:
    assert parse_one(message(id_=str(value))).id == value


def test_kudos_ids_of_any_size_name_the_kudos() -> None:
    big = 10**100
    line = f'{{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:00:00Z","id":{big}}}'
    assert parse_one(line).source == f"kudos-id:{big}"


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (message(id_="9" * 5000), "invalid JSON: a number has too many digits"),
        (
            '{"type":"settings","guild":1,"points":' + "[" * 100_000 + "]" * 100_000 + "}",
            "invalid JSON: nested too deeply",
        ),
        (message(content='"\\ud800 hi"'), "field 'content' must be valid Unicode text"),
        ('{"type":"settings","guild":1,"kudos_emoji":"\\udfff"}', "settings must be valid Unicode"),
        ('{"type":"settings","guild":1,"limits":{"\\udfff":1}}', "settings must be valid Unicode"),
        (
            '{"type":"reaction","guild":1,"channel":5,"message":1,"user":11,"emoji":"\\udc00",'
            '"ts":"2026-03-01T10:00:00Z"}',
            "field 'emoji' must be valid Unicode text",
        ),
        (
            '{"type":"kudos","guild":1,"from":10,"to":11,"ts":"2026-03-01T10:00:00Z",'
            '"id":"\\ud83d"}',
            "field 'id' must be valid Unicode text",
        ),
        ('{"type":"\\ud800","guild":1}', "unknown type '\\ud800'"),
        (message(ts='"0001-01-01T00:00:00+05:00"'), "field 'ts' is out of range"),
        (message(ts='"0001-01-01T00:00:00Z"'), "field 'ts' is out of range"),
        (message(ts='"9999-12-31T23:00:00-05:00"'), "field 'ts' is out of range"),
        (message(ts='"9999-12-31T23:59:59Z"'), "field 'ts' is out of range"),
        ('{"type":"' + "x" * 10_000 + '","guild":1}', "unknown type 'xxxx"),
    ],
)
def test_hostile_lines_are_replay_errors(line: str, says: str) -> None:
    message_ = error_of(line, now=datetime.max.replace(tzinfo=UTC))
    assert message_.startswith(says)
    assert len(message_) <= 400


def test_a_deep_value_in_a_setting_gives_a_short_message() -> None:
    line = '{"type":"settings","guild":1,"streak_kinds":[' + "[" * 900 + "]" * 900 + "]}"
    assert len(error_of(line)) <= 400


def test_year_edges_inside_the_range_parse() -> None:
    early = parse_time("0002-01-01T00:00:00Z", "ts")
    late = parse_time("9998-12-31T23:59:59+00:00", "ts")
    assert early < late
    with pytest.raises(ValueError, match="field '--now' is out of range"):
        parse_time("9999-06-01T00:00:00Z", "--now")


def test_time_order_and_now() -> None:
    first = message(ts='"2026-03-01T10:00:00+01:00"')  # 09:00 UTC
    same_instant = message(id_="2", ts='"2026-03-01T09:00:00Z"')
    earlier = message(id_="3", ts='"2026-03-01T09:59:59+01:00"')
    assert len(parse_lines([first, same_instant], NOW)) == 2
    with pytest.raises(ReplayError, match=r"^line 3: timestamp is earlier than the previous"):
        parse_lines([first, "", earlier], NOW)
    with pytest.raises(ReplayError, match=r"^line 1: timestamp is later than --now"):
        parse_lines([first], datetime(2026, 3, 1, 8, 59, tzinfo=UTC))


# --------------------------------------------------------------------------- properties

ids = st.integers(-(2**63), 2**63 - 1)
small_ids = st.integers(0, 2**63 - 1)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
offsets = st.sampled_from([timedelta(0), timedelta(hours=2), timedelta(hours=-9, minutes=-30)])
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2026, 3, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def timestamps(draw: Any) -> str:
    ts: datetime = draw(instants)
    offset: timedelta = draw(offsets)
    text = ts.astimezone(timezone(offset)).isoformat()
    return text.replace("+00:00", "Z") if draw(st.booleans()) else text


@st.composite
def valid_lines(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(LINE_MODELS)))
    line: dict[str, Any] = {"type": kind, "guild": draw(ids)}
    if kind == "settings":
        line.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "timezone": st.sampled_from(["UTC", "Europe/Amsterdam", "Asia/Tokyo"]),
                        "streak_mode": st.sampled_from(["mutual", "any"]),
                        "streak_kinds": st.lists(
                            st.sampled_from(["reply", "mention", "reaction", "kudos"]),
                            max_size=4,
                        ),
                        "kudos_emoji": st.sampled_from(["⭐", "🎉", "thanks"]),
                        "points": st.fixed_dictionaries(
                            {}, optional={"reply": st.integers(0, 100), "kudos": st.integers(0, 9)}
                        ),
                        "limits": st.fixed_dictionaries(
                            {}, optional={"cooldown_seconds": st.integers(0, 3600)}
                        ),
                    },
                )
            )
        )
    elif kind == "member":
        line["user"] = draw(ids)
        line.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "bot": st.one_of(st.none(), st.booleans()),
                        "joined_at": st.one_of(st.none(), timestamps()),
                    },
                )
            )
        )
    elif kind == "message":
        line.update(channel=draw(ids), id=draw(ids), ts=draw(timestamps()), author=draw(ids))
        line["content"] = draw(texts)
        line.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "reply_to": st.one_of(st.none(), ids),
                        "mentions": st.one_of(st.none(), st.lists(ids, max_size=8)),
                    },
                )
            )
        )
    elif kind == "reaction":
        line.update(
            channel=draw(ids),
            message=draw(ids),
            user=draw(ids),
            emoji=draw(texts),
            ts=draw(timestamps()),
        )
    elif kind == "kudos":
        line.update({"from": draw(ids), "to": draw(ids), "ts": draw(timestamps())})
        line.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "id": st.one_of(st.none(), st.integers(), texts),
                        "reason": st.one_of(st.none(), texts),
                    },
                )
            )
        )
    elif kind == "challenge":
        starts = draw(instants)
        ends = starts + draw(st.timedeltas(timedelta(seconds=1), timedelta(days=90)))
        line.update(
            id=draw(ids),
            name=draw(texts),
            goal=draw(st.sampled_from(GOALS)),
            target=draw(st.integers(1, 2**63 - 1)),
            starts=starts.isoformat(),
            ends=ends.isoformat(),
        )
        line.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "multiplier": st.one_of(st.none(), st.floats(1.0, 5.0), st.integers(1, 5)),
                        "join_required": st.one_of(st.none(), st.booleans()),
                        "description": st.one_of(st.none(), texts),
                        "cancelled": st.one_of(st.none(), st.booleans()),
                    },
                )
            )
        )
    else:
        line.update(challenge=draw(ids), user=draw(ids), ts=draw(timestamps()))
    return line


EXPECTED_TYPE = {
    "settings": SettingsEvent,
    "member": MemberRecord,
    "message": MessageRecord,
    "reaction": ReactionRecord,
    "kudos": KudosRecord,
    "challenge": Challenge,
    "join": JoinEvent,
}


@settings(max_examples=300, deadline=None)
@given(valid_lines())
def test_valid_lines_parse(line: dict[str, Any]) -> None:
    event = parse_event(json.loads(json.dumps(line)))
    assert type(event) is EXPECTED_TYPE[line["type"]]
    assert event.guild == line["guild"]
    if "ts" in line:
        assert getattr(event, "ts") == datetime.fromisoformat(line["ts"])  # noqa: B009
    if isinstance(event, MessageRecord):
        assert event.mentions == tuple(line.get("mentions") or ())
        assert event.content == line["content"]
    if isinstance(event, KudosRecord):
        assert event.source == (None if line.get("id") is None else f"kudos-id:{line['id']}")
    if isinstance(event, SettingsEvent):
        assert event.changes == {k: v for k, v in line.items() if k not in ("type", "guild")}


# values that are wrong somewhere: wrong JSON type, edge of a range, hostile
hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 2**63 - 1, 0, -1, 10**4299]),
    st.floats(),
    texts,
    st.sampled_from(
        [
            "2026-03-01T10:00:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "2026-02-30T00:00:00Z",
            "\ud800",
            "a\udfffb",
            "settings",
            "points",
            "Mars/Base",
            "",
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.just([[[[[]]]]]),
    st.dictionaries(st.sampled_from(["reply", "cooldown_seconds", "x", "3"]), st.integers(-1, 5)),
)
FIELDS = [
    "type",
    "guild",
    "user",
    "bot",
    "joined_at",
    "channel",
    "id",
    "ts",
    "author",
    "content",
    "reply_to",
    "mentions",
    "message",
    "emoji",
    "from",
    "to",
    "reason",
    "name",
    "goal",
    "target",
    "starts",
    "ends",
    "multiplier",
    "join_required",
    "description",
    "cancelled",
    "challenge",
    "timezone",
    "points",
    "limits",
    "streak_kinds",
    "streak_mode",
    "kudos_emoji",
]


@st.composite
def mutated(draw: Any) -> str:
    line: dict[str, Any] = draw(valid_lines())
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["drop", "set", "set", "nest", "rename"]))
        key = draw(st.sampled_from([*line, *FIELDS]))
        if how == "drop":
            line.pop(key, None)
        elif how == "set":
            line[key] = draw(hostile)
        elif how == "nest" and key in line:
            line[key] = draw(st.sampled_from([[line[key]], {"value": line[key]}]))
        elif key in line:
            line[key + "_"] = line.pop(key)
    text = json.dumps(line, ensure_ascii=draw(st.booleans()))
    cut = draw(st.sampled_from(["none", "none", "none", "truncate", "deep", "digits"]))
    if cut == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif cut == "deep":
        text = text[:-1] + ',"deep":' + "[" * 5000 + "]" * 5000 + "}"
    elif cut == "digits":
        text = text[:-1] + ',"big":' + "1" * 4301 + "}"
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(valid_lines(), max_size=3), mutated())
def test_mutations_are_events_or_replay_errors_naming_their_line(
    before: list[dict[str, Any]], bad: str
) -> None:
    # the valid lines before carry no timestamps, so only the mutated line can be refused
    prefix = [json.dumps(line) for line in before if "ts" not in line and "starts" not in line]
    lines = [*prefix, bad]
    far_future = datetime.max.replace(tzinfo=UTC)
    try:
        events = parse_lines(lines, far_future)
    except ReplayError as exc:
        assert str(exc).startswith(f"line {len(lines)}: "), exc
        assert len(str(exc)) <= 400
        # the message is printable as it is
        str(exc).encode("utf-8")
    else:
        assert len(events) == len(lines) or not bad.strip()
