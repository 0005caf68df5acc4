"""Every registered command, with extreme values, always gets an answer (issue #9, SPEC §7).

"Nothing a user types crashes or silences the bot." The commands are not listed here: they
are read from what the real bot synced to the sandbox (once at collection, so each case is a
test of its own, and again at run time to check the list is the same), so a new command or
option is covered as soon as it exists. For each slash command (subcommands and groups
included) every option is tried one extreme value at a time, the others at sensible
defaults, as a plain member and as a moderator; every command is tried in DMs (Discord does
not offer a guild-only command there: the sandbox must refuse it the same way, and if it
arrives anyway the bot must still answer), and in a channel the bot cannot see and in a
thread; the context menus get odd targets; autocomplete gets odd input; the buttons under
the replies are pressed by someone else and by their owner. Every invocation must be
answered (a reply, or a deferral filled in by a follow-up) within Discord's 3 s, with an
embed, no "Something went wrong" and nothing logged at ERROR; a value Discord itself would
refuse (out of range, not a choice, too long, not UTF-8, a channel type the option does not
take) must be refused by the sandbox or answered.

Cases that fail today are named by ``known_failure`` (``KNOWN`` and one rule) and run as
``xfail(strict=True)``: a case turns red when it is fixed, so it can be unmarked. The whole
matrix (about 2,700 invocations) takes about 10 s.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import tempfile
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from discord.app_commands import AppCommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.harness import KindlingHarness
from bot.sandbox import Interaction, Message
from bot.sandbox.control import MAX_OPTION_NUMBER, MAX_OPTION_STRING, ControlError
from bot.sandbox.model import (
    CHANNEL_ANNOUNCEMENT,
    CHANNEL_CATEGORY,
    CHANNEL_VOICE,
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    OPTION_USER,
    Channel,
    Member,
    Overwrite,
    Role,
    User,
    walk_components,
)
from bot.sandbox.permissions import MANAGE_GUILD, VIEW_CHANNEL
from tests.e2e.conftest import START, Harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

JSON = dict[str, Any]

DEADLINE = 3.0
"""Discord's: an interaction not acknowledged within 3 s is gone (the sandbox enforces it)."""
FOLLOWUP_TIMEOUT = 10.0
"""How long a deferred reply may take to be filled in here (Discord allows 15 minutes)."""

SUB, GROUP = OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP
STRING, INTEGER, NUMBER, BOOLEAN = OPTION_STRING, OPTION_INTEGER, OPTION_NUMBER, OPTION_BOOLEAN
USER, CHANNEL, ROLE = OPTION_USER, OPTION_CHANNEL, OPTION_ROLE
MENTIONABLE, ATTACHMENT = OPTION_MENTIONABLE, OPTION_ATTACHMENT
USER_MENU, MESSAGE_MENU = 2, 3


# --- symbolic values, resolved against the module's world when a case runs ----------------


@dataclass(frozen=True)
class Ref:
    """A world object by role in the story: ``Ref("user", "gone")``, ``Ref("channel", "voice")``."""

    kind: str
    name: str


USERS = {
    "self": "the invoker",
    "bot": "Kindling itself",
    "friend": "another member",
    "robot": "another bot",
    "gone": "a member who left",
    "stranger": "a user who never joined",
    "unknown": "an id that is no user",  # Discord cannot resolve it: the sandbox refuses
}
CHANNELS = {
    "general": "text",
    "news": "announcement",
    "secret": "a text channel the bot cannot see",
    "voice": "voice",
    "category": "category",
    "thread": "a thread",
}
ROLES = {
    "everyone": "@everyone",
    "helpers": "below the bot",
    "moderator": "the Moderator role",
    "kindling": "the bot's managed role",
    "admins": "above the bot",
}
CHANNEL_TYPES = {
    "general": 0,
    "news": CHANNEL_ANNOUNCEMENT,
    "secret": 0,
    "voice": CHANNEL_VOICE,
    "category": CHANNEL_CATEGORY,
    "thread": 11,
}

STRINGS: dict[str, str] = {
    "empty": "",
    "space": " ",
    "6000-chars": "x" * MAX_OPTION_STRING,
    "lone-surrogate": "\ud800",
    "everyone": "@everyone",
    "user-mention": "<@123>",
    "role-mention": "<@&123>",
    "zero-width": "\u200b\u200d\ufeff",
    "rtl": "\u202eevil\u202c",
    "emoji": "🔥👩‍👩‍👧‍👦🏳️‍🌈",
    "custom-emoji": "<:x:1>",
    "year-9999": "9999-12-31T23:59:59",
    "nan": "NaN",
    "minus-zero": "-0",
    "huge-duration": "99999999999d",
    "negative-duration": "-5d",
    "sql": "'; DROP TABLE members;--",
    "newlines": "a\nb\r\n\n",
    "nul": "a\x00b",
    "markdown": "**`x`** ||y|| ```z```",
}
FOCUS_NUMBERS = {"empty": "", "zero": "0", "minus": "-1", "huge": "9" * 30, "letters": "abc"}

NAMED_DEFAULTS: dict[str, object] = {
    "challenge": 1,
    "target": 5,
    "amount": 5,
    "name": "Sprint",
    "reason": "for the help",
    "timezone": "Europe/Paris",
    "badge": "streak-3",
    "duration": "7d",
}
COMPANIONS: dict[str, tuple[object, tuple[str, ...]]] = {
    # an optional option that gives the others context, unless one of these is being varied
    "duration": ("7d", ("duration", "end")),
}


def _clamp(value: float, opt: JSON) -> float:
    low, high = opt.get("min_value"), opt.get("max_value")
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def default_value(opt: JSON, position: int) -> object:
    """A sensible value for an option that is not the one being varied."""
    otype, name = opt["type"], opt["name"]
    if opt.get("choices"):
        return opt["choices"][0]["value"]
    if name in NAMED_DEFAULTS and otype in (STRING, INTEGER, NUMBER):
        value = NAMED_DEFAULTS[name]
        if otype == STRING:
            return str(value)
        return value if isinstance(value, int) else 1
    if otype == STRING:
        return "hello"
    if otype == INTEGER:
        return int(_clamp(1, opt))
    if otype == NUMBER:
        return float(_clamp(1.5, opt))
    if otype == BOOLEAN:
        return True
    if otype in (USER, MENTIONABLE):
        return Ref("user", ("friend", "self")[position % 2])
    if otype == CHANNEL:
        return Ref("channel", "general")
    if otype == ROLE:
        return Ref("role", "helpers")
    if otype == ATTACHMENT:
        return ("note.txt", b"hello")
    raise AssertionError(f"no default for option type {otype}")


def extremes(opt: JSON) -> Iterator[tuple[str, object]]:
    """(label, value) pairs to try for one option: edges in range and beyond."""
    otype = opt["type"]
    if opt.get("choices"):
        for choice in opt["choices"]:
            yield f"choice-{choice['value']}", choice["value"]
        yield "not-a-choice", "nope" if otype == STRING else 7777
        return
    if otype == STRING:
        yield from STRINGS.items()
        for key in ("min_length", "max_length"):
            if key in opt and 1 < int(opt[key]) < MAX_OPTION_STRING:
                yield f"{key}-exactly", "y" * int(opt[key])
        if "max_length" in opt and int(opt["max_length"]) < MAX_OPTION_STRING:
            yield "max_length+1", "y" * (int(opt["max_length"]) + 1)
        return
    if otype == INTEGER:
        low, high = opt.get("min_value"), opt.get("max_value")
        values: dict[str, int] = {"zero": 0, "minus-one": -1, "one": 1}
        if low is not None:
            values |= {"min": int(low), "min-1": int(low) - 1}
        if high is not None:
            values |= {"max": int(high), "max+1": int(high) + 1}
        values |= {
            "2^53": MAX_OPTION_NUMBER,
            "-2^53": -MAX_OPTION_NUMBER,
            "2^63": 2**63,
            "-2^63": -(2**63),
            "10^30": 10**30,
        }
        seen: set[int] = set()
        for label, value in values.items():
            if value not in seen:
                seen.add(value)
                yield label, value
        return
    if otype == NUMBER:
        low, high = opt.get("min_value"), opt.get("max_value")
        numbers: dict[str, float] = {"zero": 0.0, "minus-zero": -0.0, "minus-one": -1.0}
        if low is not None:
            numbers |= {"min": float(low), "below-min": float(low) - 0.001}
        if high is not None:
            numbers |= {"max": float(high), "above-max": float(high) + 0.001}
        numbers |= {"tiny": 1e-300, "1e300": 1e300, "nan": math.nan, "inf": math.inf}
        yield from numbers.items()
        return
    if otype == BOOLEAN:
        yield "true", True
        yield "false", False
        return
    if otype == USER:
        for name in USERS:
            yield f"user-{name}", Ref("user", name)
        return
    if otype == MENTIONABLE:
        for name in USERS:
            yield f"user-{name}", Ref("user", name)
        for name in ROLES:
            yield f"role-{name}", Ref("role", name)
        return
    if otype == CHANNEL:
        for name in CHANNELS:
            yield f"channel-{name}", Ref("channel", name)
        return
    if otype == ROLE:
        for name in ROLES:
            yield f"role-{name}", Ref("role", name)
        return
    if otype == ATTACHMENT:
        yield "empty-file", ("empty.txt", b"")
        yield "binary-file", ("blob.bin", bytes(range(256)) * 64)
        return
    raise AssertionError(f"no extremes for option type {otype}")


def not_utf8(text: str) -> str | None:
    """Discord's strings are UTF-8: a lone surrogate cannot be sent (discord-api-docs#6561)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate is not UTF-8"
    return None


def discord_refuses(opt: JSON, value: object) -> str | None:
    """Why Discord itself would not send ``value`` for ``opt`` (None: it would send it)."""
    otype = opt["type"]
    choices = opt.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        return "not one of the choices"
    if otype == STRING and isinstance(value, str):
        if (why := not_utf8(value)) is not None:
            return why
        if len(value) < int(opt.get("min_length", 0)):
            return "shorter than min_length"
        if len(value) > int(opt.get("max_length", MAX_OPTION_STRING)):
            return "longer than max_length"
    if otype in (INTEGER, NUMBER) and isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "not a finite number"
        if not -MAX_OPTION_NUMBER <= value <= MAX_OPTION_NUMBER:
            return "outside -2^53..2^53"
        if opt.get("min_value") is not None and value < opt["min_value"]:
            return "below min_value"
        if opt.get("max_value") is not None and value > opt["max_value"]:
            return "above max_value"
    if otype == CHANNEL and isinstance(value, Ref) and opt.get("channel_types"):
        if CHANNEL_TYPES[value.name] not in opt["channel_types"]:
            return "a channel type the option does not take"
    if isinstance(value, Ref) and value == Ref("user", "unknown"):
        return "no such user"
    return None


# --- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # "slash" | "autocomplete" | "menu"
    command: str  # "challenge create", or the menu's name
    who: str  # "member" | "moderator"
    where: str = "guild"  # "guild" (#general), "secret", "thread" (channels of CHANNELS), or
    # "dm" (refused as Discord does) | "dm-forced" (delivered anyway)
    options: tuple[tuple[str, object], ...] = ()
    focused: str | None = None
    menu_type: int = 0
    target: object = None
    refusal: str | None = None  # why Discord would not send this
    as_shown: bool = False  # a member invoking a moderator group as Discord shows it: refused
    moderator_group: bool = False  # default_member_permissions hides it from plain members


@dataclass
class Leaf:
    path: str
    command: JSON  # the top-level command
    options: list[JSON]

    @property
    def hidden(self) -> bool:
        return self.command.get("default_member_permissions") is not None

    @property
    def dm_allowed(self) -> bool:
        contexts = self.command.get("contexts")
        if self.command.get("guild_id") is not None:
            return False
        if contexts is not None and 1 not in contexts:
            return False
        return self.command.get("dm_permission") is not False


def leaves(commands: list[JSON]) -> Iterator[Leaf]:
    """Every invocable slash command path, with its options' schema."""

    def walk(command: JSON, path: str, options: list[JSON]) -> Iterator[Leaf]:
        subs = [o for o in options if o["type"] in (SUB, GROUP)]
        if not subs:
            yield Leaf(path, command, options)
        for sub in subs:
            yield from walk(command, f"{path} {sub['name']}", list(sub.get("options") or []))

    for command in commands:
        if command.get("type", 1) == 1:
            yield from walk(command, command["name"], list(command.get("options") or []))


def options_with(leaf: Leaf, varied: str | None = None, value: object = None) -> dict[str, object]:
    chosen: dict[str, object] = {}
    for position, opt in enumerate(leaf.options):
        name = opt["name"]
        if name == varied:
            chosen[name] = value
        elif opt.get("required"):
            chosen[name] = default_value(opt, position)
        elif name in COMPANIONS and varied not in COMPANIONS[name][1]:
            chosen[name] = COMPANIONS[name][0]
    return chosen


def _slug(text: str) -> str:
    return text.replace(" ", "_")


def leaf_case(leaf: Leaf, id: str, who: str, options: dict[str, object], **more: Any) -> Case:
    return Case(
        f"{who}:{_slug(leaf.path)}:{id}",
        more.pop("kind", "slash"),
        leaf.path,
        who,
        options=tuple(options.items()),
        moderator_group=leaf.hidden,
        **more,
    )


def build_cases(commands: list[JSON]) -> list[Case]:
    cases: list[Case] = []
    for leaf in leaves(commands):

        def add(id: str, who: str, options: dict[str, object], **more: Any) -> None:
            cases.append(leaf_case(leaf, id, who, options, **more))  # noqa: B023 - called at once

        base = options_with(leaf)
        for who in ("member", "moderator"):
            add("defaults", who, base)
            for where in ("secret", "thread"):  # invoked where the bot cannot see, in a thread
                add(f"in-{where}", who, base, where=where)
            for where in ("dm", "dm-forced"):
                refusal = None if leaf.dm_allowed or where == "dm-forced" else "guild-only"
                add(where, who, base, where=where, refusal=refusal)
        if leaf.hidden:
            refusal = "hidden by default_member_permissions"
            add("as-shown", "member", base, refusal=refusal, as_shown=True)
        for opt in leaf.options:
            for label, value in extremes(opt):
                options = options_with(leaf, opt["name"], value)
                for who in ("member", "moderator"):
                    add(f"{opt['name']}={label}", who, options, refusal=discord_refuses(opt, value))
            if opt.get("autocomplete"):
                typed = FOCUS_NUMBERS if opt["type"] in (INTEGER, NUMBER) else STRINGS
                for label, text in typed.items():
                    options = options_with(leaf, opt["name"], text)
                    # a member sees a moderator group only where a server shows it to everyone
                    for who in ("member", "moderator"):
                        add(
                            f"autocomplete-{opt['name']}={label}",
                            who,
                            options,
                            kind="autocomplete",
                            focused=opt["name"],
                            refusal=not_utf8(text),
                        )
    for command in commands:
        kind = command.get("type", 1)
        if kind == 1:
            continue
        name = command["name"]
        slug = f"menu-{'user' if kind == USER_MENU else 'message'}-{_slug(name)}"
        targets = (
            [Ref("user", u) for u in USERS if u != "unknown"]
            if kind == USER_MENU
            else [Ref("message", m) for m in MESSAGES]
        )
        menu = Leaf(name, command, [])
        for who in ("member", "moderator"):
            for target in targets:
                cases.append(
                    Case(
                        f"{who}:{slug}:{target.name}",
                        "menu",
                        name,
                        who,
                        menu_type=kind,
                        target=target,
                    )
                )
            dm_target = Ref("user", "friend") if kind == USER_MENU else Ref("message", "dm")
            for where in ("dm", "dm-forced"):
                refusal = None if menu.dm_allowed or where == "dm-forced" else "guild-only"
                cases.append(
                    Case(
                        f"{who}:{slug}:{where}",
                        "menu",
                        name,
                        who,
                        where=where,
                        menu_type=kind,
                        target=dm_target,
                        refusal=refusal,
                    )
                )
    return cases


MESSAGES = {
    "friend": "a member's message",
    "own": "the invoker's own message",
    "bot": "the bot's message",
    "gone": "a message by a member who left",
    "secret": "a message in a channel the bot cannot see",
    "attachment-only": "a message with only a file",
    "long": "a 2000-character message",
    "everyone": "a message with @everyone",
}


# --- failures known today (run as strict xfail; remove an entry once it is fixed) -------------

KNOWN: dict[str, str] = {}
"""Case id -> what goes wrong today."""


def known_failure(case: Case) -> str | None:
    return KNOWN.get(case.id)


# --- discovery: what the real bot syncs -------------------------------------------------------


async def _discover() -> list[JSON]:
    with tempfile.TemporaryDirectory() as tmp:
        async with KindlingHarness(
            Path(tmp) / "kindling.db", start=START, task_name="kindling-discover"
        ) as h:
            await h.start_bot()
            commands = h.ctl.commands(h.guild_id)
            await h.stop_bot()
    return commands


@functools.cache
def synced_commands() -> tuple[JSON, ...] | str:
    """The commands the bot syncs to its guild, or why they could not be read."""
    try:
        return tuple(asyncio.run(_discover()))
    except Exception as exc:  # reported by the one case that is then generated
        return f"{type(exc).__name__}: {exc}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    found = synced_commands()
    if isinstance(found, str):
        metafunc.parametrize("case", [pytest.param(found, id="discovery")])
        return
    params = []
    for case in build_cases(list(found)):
        marks = []
        if (reason := known_failure(case)) is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(case, id=case.id, marks=marks))
    metafunc.parametrize("case", params)


# --- the world the cases run in ---------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Every ERROR record while the module runs, with the case that was running."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.current: str | None = None
        self.records: list[tuple[str | None, logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((self.current, record))


@dataclass
class Cast:
    h: Harness
    member: Member
    moderator: Member
    users: dict[str, User | Member | int] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    dm_messages: dict[str, Message] = field(default_factory=dict)
    own_messages: dict[str, Message] = field(default_factory=dict)
    errors: ErrorLog = field(default_factory=ErrorLog)
    with_buttons: list[tuple[str, Member, int]] = field(default_factory=list)
    """(case id, invoker, reply id) of replies that came with buttons."""
    tracker: Tracker = field(default_factory=lambda: Tracker())

    def who(self, case: Case) -> Member:
        return self.member if case.who == "member" else self.moderator

    def resolve(self, value: object, invoker: Member) -> object:
        if not isinstance(value, Ref):
            return value
        if value.kind == "user":
            return invoker if value.name == "self" else self.users[value.name]
        if value.kind == "channel":
            return self.channels[value.name]
        if value.kind == "role":
            return self.roles[value.name]
        raise AssertionError(value)


async def _talk(h: Harness, a: Member, b: Member, text: str) -> None:
    first = await h.ctl.send_message(a, f"{text}: thanks for the help today <@{b.user_id}>")
    await h.ctl.send_message(b, f"re {text}: you are welcome, any time", reply_to=first)


async def _build_cast(h: Harness) -> Cast:
    ctl = h.ctl
    guild = ctl.guild
    roles = {
        "everyone": ctl.role(guild.id),
        "moderator": ctl.role("Moderator"),
        "kindling": next(r for r in guild.roles.values() if r.managed),
        "helpers": await ctl.add_role("Helpers"),
        "admins": await ctl.add_role("Admins", permissions=MANAGE_GUILD, position=5),
    }
    member = await ctl.add_member("plain")
    moderator = await ctl.add_member("moddy", roles=["Moderator"])
    friend = await ctl.add_member("friend")
    robot = await ctl.add_member("robot", bot=True)
    gone = await ctl.add_member("gone")
    stranger = ctl.world.create_user("stranger")
    crowd = [await ctl.add_member(f"crowd{i}") for i in range(11)]  # boards of two pages
    for _ in range(3):
        await _talk(h, member, friend, "pairing")
        await _talk(h, moderator, friend, "review")
        await _talk(h, gone, member, "hello")
        for person in crowd:
            await _talk(h, person, friend, "hi")
        h.clock.advance(days=1)
    h.clock.advance(hours=-12)
    general = ctl.channel("general")
    secret = await ctl.add_channel(
        "secret", overwrites=[Overwrite(id=ctl.bot.id, type=1, deny=VIEW_CHANNEL)]
    )
    anchor = await ctl.send_message(friend, "a thread starts here")
    channels = {
        "general": general,
        "news": await ctl.add_channel("news", type=CHANNEL_ANNOUNCEMENT),
        "secret": secret,
        "voice": await ctl.add_channel("Lounge", type=CHANNEL_VOICE),
        "category": await ctl.add_channel("Stuff", type=CHANNEL_CATEGORY),
        "thread": await ctl.create_thread(friend, general, "a thread", message=anchor),
    }
    cast = Cast(h, member, moderator, channels=channels, roles=roles)
    # a challenge and a badge exist before the cases run
    await _answered(
        h,
        await ctl.invoke(
            ctl.owner,
            "challenge create",
            {"name": "Warm-up", "goal": "points", "target": 5, "duration": "30d"},
        ),
    )
    await _answered(
        h, await ctl.invoke(ctl.owner, "badge create", {"name": "Helper", "emoji": "🦉"})
    )
    await h.settle()
    messages = {
        "friend": await ctl.send_message(friend, "here is the fix"),
        "bot": ctl.bot_messages(all_channels=True)[-1],
        "gone": await ctl.send_message(gone, "see you all"),
        "secret": await ctl.send_message(friend, "psst", channel=secret),
        "attachment-only": await ctl.send_message(friend, attachments=[("a.png", b"\x89PNG")]),
        "long": await ctl.send_message(friend, "z" * 2000),
        "everyone": await ctl.send_message(friend, "@everyone look"),
    }
    own = {
        who: await ctl.send_message(person, "my own words")
        for who, person in (("member", member), ("moderator", moderator))
    }
    await ctl.leave(gone)
    await h.settle()
    cast.users = {
        "bot": ctl.bot,
        "friend": friend,
        "robot": robot,
        "gone": ctl.user(gone),
        "stranger": stranger,
        "unknown": 424242,
    }
    cast.messages = messages
    cast.dm_messages = {
        "member": await ctl.send_dm(member, "hello bot"),
        "moderator": await ctl.send_dm(moderator, "hello bot"),
    }
    cast.own_messages = own
    return cast


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def cast() -> AsyncIterator[Cast]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Harness(Path(tmp) / "kindling.db", start=START, task_name="kindling-h6") as h:
            h.sandbox.interaction_deadline = DEADLINE
            await h.start_bot()
            built = await _build_cast(h)
            assert h.bot is not None
            built.tracker.install(h.bot.tree, h.ctl.world.changed)
            root = logging.getLogger()
            root.addHandler(built.errors)
            try:
                yield built
            finally:
                root.removeHandler(built.errors)
                await h.stop_bot()  # already stopped by the last test, unless it failed
    for task in await _left_pending():  # reported by test_the_bot_closes_cleanly
        task.cancel()


async def _left_pending() -> list[asyncio.Task[Any]]:
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


# --- invoking and judging -------------------------------------------------------------------


def _text(message: Message) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(p for p in parts if p)


class Tracker:
    """When the bot's CommandTree has finished with an interaction, and what escaped it.

    A handler that has finished without answering will never answer: the case fails at
    once instead of waiting out Discord's 3 s. What escapes the tree (not an
    ``AppCommandError``, which goes to ``on_error``) is recorded for the case's report;
    discord.py would leave it to asyncio's "Task exception was never retrieved" log.
    """

    def __init__(self) -> None:
        self.finished: dict[int, float] = {}
        self.escaped: dict[int, BaseException] = {}

    def install(self, tree: Any, notify: Callable[[], None]) -> None:
        """Wrap the tree's ``_call``; ``notify`` wakes whoever waits on the sandbox."""
        original = tree._call

        async def traced(interaction: Any) -> None:
            try:
                await original(interaction)
            except AppCommandError as error:  # what discord.py's invoker task does with it
                await tree._dispatch_error(interaction, error)
            except Exception as error:
                self.escaped[interaction.id] = error
            finally:
                self.finished[interaction.id] = asyncio.get_running_loop().time()
                notify()

        tree._call = traced

    def why_silent(self, interaction_id: int) -> str:
        error = self.escaped.get(interaction_id)
        if error is None:
            return "the bot finished without answering"
        frames = traceback.extract_tb(error.__traceback__)[-3:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[::-1])
        return f"{type(error).__name__}: {error} escaped the command tree ({where})"


BUTTON_REPLIES_PER_COMMAND = 4
"""Replies with buttons kept per command for test_every_button_on_a_reply_answers."""
GRACE = 0.05
"""After the handler finished, how long a reply may still take to be recorded."""


async def _wait(
    h: Harness, tracker: Tracker | None, inter: Interaction, probe: Any, timeout: float, what: str
) -> Any:
    """``probe()`` once it is not None; fails at once when the bot is done without it."""

    def either() -> tuple[str, Any] | None:
        found = probe()
        if found is not None:
            return ("found", found)
        if tracker is not None and inter.id in tracker.finished:
            return ("finished", None)
        return None

    try:
        outcome, found = await h.ctl.wait_for(either, timeout=timeout, what=what)
    except TimeoutError:
        raise AssertionError(f"{what} within {timeout} s") from None
    if outcome == "found":
        return found
    await asyncio.sleep(GRACE)
    found = probe()
    if found is None:
        assert tracker is not None
        raise AssertionError(f"{what}: {tracker.why_silent(inter.id)}")
    return found


async def _answered(
    h: Harness, inter: Interaction, *, tracker: Tracker | None = None, autocomplete: bool = False
) -> str:
    """The answer to ``inter``, summarised; AssertionError when there is none (or a bad one)."""
    ctl = h.ctl
    response = await _wait(h, tracker, inter, lambda: ctl.response(inter), DEADLINE, "no response")
    if autocomplete:
        assert response.type == 8, f"autocomplete answered with callback type {response.type}"
        return f"{len(response.choices)} choices"
    if response.type == 9:
        assert response.modal and response.modal.get("title"), "a modal without a title"
        return f"modal {response.modal['title']!r}"
    assert response.type in (4, 5), f"answered with callback type {response.type}"
    if response.type == 5:

        def filled() -> Message | None:
            message = ctl.original_message(inter)
            return message if message is not None and not message.loading else None

        message = await _wait(
            h, tracker, inter, filled, FOLLOWUP_TIMEOUT, "deferred, and no follow-up"
        )
    else:
        assert response.message is not None
        message = response.message
    text = _text(message)
    assert message.embeds, f"answered without an embed: {text[:200]!r}"
    assert "Something went wrong" not in text, f"the unexpected-error reply: {text[:200]!r}"
    assert "Traceback" not in text, f"a traceback in the reply: {text[:300]!r}"
    return text


async def _send(cast: Cast, case: Case) -> Interaction:
    ctl = cast.h.ctl
    who = cast.who(case)
    forced = case.where == "dm-forced"
    if case.where in ("dm", "dm-forced"):
        channel: Channel | None = ctl.dm_channel(who)
    else:
        channel = cast.channels.get(case.where)  # None: #general
    if case.kind == "menu":
        assert isinstance(case.target, Ref)
        target: Any
        if case.target.kind == "message":
            if case.target.name == "dm":
                target = cast.dm_messages[case.who]
            elif case.target.name == "own":
                target = cast.own_messages[case.who]
            else:
                target = cast.messages[case.target.name]
        else:
            target = cast.resolve(case.target, who)
        return await ctl.invoke_menu(
            who,
            case.command,
            target,
            message=case.menu_type == MESSAGE_MENU,
            channel=channel,
            check_contexts=not forced,
        )
    options = {name: cast.resolve(value, who) for name, value in case.options}
    if forced:  # a DM carries no guild objects: keep only what a DM could resolve
        options = {k: v for k, v in options.items() if not isinstance(v, Role | Channel)}
    if case.kind == "autocomplete":
        assert case.focused is not None
        return await ctl.autocomplete(
            who, case.command, options, focused=case.focused, channel=channel
        )
    return await ctl.invoke(
        who,
        case.command,
        options,
        channel=channel,
        check_permissions=case.as_shown or case.who == "moderator",
        check_contexts=not forced,
    )


async def run_case(cast: Cast, case: Case, caplog: pytest.LogCaptureFixture) -> None:
    cast.errors.current = case.id
    try:
        try:
            inter = await _send(cast, case)
        except ControlError as refused:
            assert case.refusal is not None, (
                f"the sandbox refused a value Discord would send: {refused}"
            )
            return
        await _answered(
            cast.h, inter, tracker=cast.tracker, autocomplete=case.kind == "autocomplete"
        )
        reply = cast.h.ctl.original_message(inter)
        if case.where == "guild" and reply is not None and _buttons(reply):
            same = [c for c, _, _ in cast.with_buttons if c.split(":")[1] == case.id.split(":")[1]]
            if len(same) < BUTTON_REPLIES_PER_COMMAND:
                cast.with_buttons.append((case.id, cast.who(case), reply.id))
        for _ in range(3):
            await asyncio.sleep(0)
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not logged, "logged: " + "; ".join(
            f"{r.name}: {r.getMessage()}"
            + (
                f" ({r.exc_info[0].__name__}: {r.exc_info[1]})"
                if r.exc_info and r.exc_info[0]
                else ""
            )
            for r in logged
        )
    finally:
        cast.errors.current = None


# --- the tests --------------------------------------------------------------------------------


async def test_the_commands_synced_now_are_the_ones_collected(cast: Cast) -> None:
    found = synced_commands()
    assert not isinstance(found, str), found
    now = cast.h.ctl.commands(cast.h.guild_id)
    assert sorted(_shape(c) for c in now) == sorted(_shape(c) for c in found)
    assert any(leaf.options for leaf in leaves(now)), "no command with options?"


def _shape(command: JSON) -> str:
    return repr({k: v for k, v in command.items() if k not in ("id", "version", "application_id")})


async def test_every_command_answers(
    cast: Cast, case: Case | str, caplog: pytest.LogCaptureFixture
) -> None:
    assert not isinstance(case, str), f"could not read the synced commands: {case}"
    await run_case(cast, case, caplog)


HYPOTHESIS_TARGETS = [
    ("thanks", "reason"),
    ("challenge create", "name"),
    ("challenge create", "start"),
    ("challenge create", "duration"),
    ("settings timezone", "timezone"),
    ("badge create", "name"),
    ("badge create", "emoji"),
]

typed_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(list(STRINGS.values())),
    st.from_regex(r"\A-?[0-9]{1,25}(\.[0-9]+)?\s?[smhdwy]?\Z"),
    st.from_regex(r"\A[0-9]{4,6}-[0-9]{1,3}-[0-9]{1,3}([T ][0-9]{1,2}:[0-9]{2})?\Z"),
    st.text(st.characters(codec="utf-8", categories=["So", "Mn", "Cf", "Zs"]), max_size=8),
)


@pytest.mark.parametrize(("command", "option"), HYPOTHESIS_TARGETS)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=typed_text)
async def test_typed_text_always_gets_an_answer(
    cast: Cast, caplog: pytest.LogCaptureFixture, command: str, option: str, text: str
) -> None:
    found = {leaf.path: leaf for leaf in leaves(cast.h.ctl.commands(cast.h.guild_id))}
    assert command in found, f"/{command} is no longer synced: update HYPOTHESIS_TARGETS"
    leaf = found[command]
    schema = next((o for o in leaf.options if o["name"] == option), None)
    assert schema is not None, f"/{command} has no option {option!r} any more"
    caplog.clear()
    options = options_with(leaf, option, text)
    case = Case(
        f"hypothesis:{command}:{option}",
        "slash",
        command,
        "moderator",
        options=tuple(options.items()),
        refusal=discord_refuses(schema, text),
    )
    await run_case(cast, case, caplog)


def _buttons(message: Message) -> list[str]:
    """The custom ids of the buttons one can press on ``message`` now."""
    return [
        str(c["custom_id"])
        for c in walk_components(message.components)
        if c.get("type") == 2 and "custom_id" in c and not c.get("disabled")
    ]


async def _acknowledged(h: Harness, inter: Interaction) -> None:
    """A button press was answered: a reply, an update, a deferral (filled in), or a modal."""
    ctl = h.ctl
    response = await _wait(h, None, inter, lambda: ctl.response(inter), DEADLINE, "no response")
    assert response.type in (4, 5, 6, 7, 9), f"answered with callback type {response.type}"
    message = response.message
    if response.type == 5:
        message = await _wait(
            h,
            None,
            inter,
            lambda: m if (m := ctl.original_message(inter)) and not m.loading else None,
            FOLLOWUP_TIMEOUT,
            "deferred, and no follow-up",
        )
    if message is not None and response.type != 6:
        text = _text(message)
        assert "Something went wrong" not in text, f"the unexpected-error reply: {text[:200]!r}"


async def test_every_button_on_a_reply_answers(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    """Each button under a command's reply (defaults, context menus), pressed by someone else
    and then by the one who ran the command, is answered and logs nothing at ERROR."""
    ctl = cast.h.ctl
    friend = cast.users["friend"]
    failures: list[str] = []
    pressed = 0
    for case_id, owner, message_id in cast.with_buttons:
        for presser, who in ((friend, "someone else"), (owner, "its owner")):
            for custom_id in _buttons(ctl.world.messages[message_id]):
                message = ctl.world.messages[message_id]
                if custom_id not in _buttons(message):  # an earlier press changed them
                    continue
                caplog.clear()
                cast.errors.current = f"button {custom_id} of {case_id}"
                try:
                    inter = await ctl.press_button(presser, message, custom_id)
                except ControlError:  # e.g. someone else's ephemeral reply: not visible
                    continue
                finally:
                    cast.errors.current = None
                pressed += 1
                cast.errors.current = f"button {custom_id} of {case_id}"
                try:
                    await _acknowledged(cast.h, inter)
                    for _ in range(3):
                        await asyncio.sleep(0)
                    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
                    assert not logged, "; ".join(f"{r.name}: {r.getMessage()}" for r in logged)
                except AssertionError as failed:
                    failures.append(f"{case_id}: button {custom_id!r} by {who}: {failed}")
                finally:
                    cast.errors.current = None
    assert pressed, "no reply came with buttons: is the recording broken?"
    assert not failures, "\n".join(failures)


async def test_the_bot_still_answers_help_at_the_end(cast: Cast) -> None:
    for person in (cast.member, cast.moderator):
        inter = await cast.h.ctl.invoke(person, "help")
        assert "What counts" in await _answered(cast.h, inter, tracker=cast.tracker)


async def test_nothing_was_logged_outside_a_case(cast: Cast) -> None:
    await cast.h.settle()
    stray = [(case, r) for case, r in cast.errors.records if case is None]
    assert not stray, [f"{r.name}: {r.getMessage()}" for _, r in stray]


async def test_the_bot_closes_cleanly(cast: Cast) -> None:
    """Last: after all that, closing the bot leaves no task behind (like every e2e test)."""
    await cast.h.stop_bot()
    pending = await _left_pending()
    described = []
    for task in pending:
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        owner = frame.f_locals.get("self") if frame is not None else None
        described.append(f"{task.get_name()} ({type(owner).__name__ if owner else coro})")
    assert not pending, f"tasks left pending after close: {described}"
