"""Fuzzing every slash command's options through the sandbox (#12): Hypothesis picks a synced
command, an invoker (member or moderator) and, for each option, whether it is given and a
value — an extreme of its type (tests/e2e/test_every_command_answers.py), a sensible default,
or any value of its type (any text, any integer, any float with NaN and infinities). Each
invocation must be answered within Discord's 3 s, with an embed, never "Something went wrong"
nor a traceback, and nothing logged at ERROR; a value Discord itself would not send must be
refused by the sandbox or answered. And **no partial writes**: when the answer is the error
reply, the database is exactly as it was before the command (every table, every row).

CI runs a bounded number of cases; `make fuzz` runs 10,000 (KINDLING_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox import Message
from bot.sandbox.model import OPTION_INTEGER, OPTION_NUMBER, OPTION_STRING
from bot.tree import ERROR_COLOUR
from tests.e2e.test_every_command_answers import (
    Case,
    Cast,
    Leaf,
    cast,
    default_value,
    discord_refuses,
    extremes,
    leaves,
    run_case,
    typed_text,
)

__all__ = ["cast"]  # the module-scoped bot and its world, shared with the command matrix

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLES = int(os.environ.get("KINDLING_FUZZ_EXAMPLES", "150"))


def value_for(opt: dict[str, Any], position: int) -> st.SearchStrategy[object]:
    """Any value the option could be sent, weighted towards its edges."""
    edges = [value for _, value in extremes(opt)]
    choices: list[st.SearchStrategy[object]] = [
        st.sampled_from(edges),
        st.just(default_value(opt, position)),
    ]
    if not opt.get("choices"):
        otype = opt["type"]
        if otype == OPTION_STRING:
            choices.append(typed_text)
        elif otype == OPTION_INTEGER:
            choices.append(st.integers())
        elif otype == OPTION_NUMBER:
            choices.append(st.floats(allow_nan=True, allow_infinity=True))
    return st.one_of(*choices)


@st.composite
def invocations(draw: st.DrawFn, found: list[Leaf]) -> Case:
    leaf = draw(st.sampled_from(found))
    who = draw(st.sampled_from(["member", "moderator"]))
    options: dict[str, object] = {}
    refusal: str | None = None
    for position, opt in enumerate(leaf.options):
        if not opt.get("required") and not draw(st.booleans()):
            continue
        value = draw(value_for(opt, position))
        options[opt["name"]] = value
        refusal = refusal or discord_refuses(opt, value)
    return Case(
        f"fuzz:{who}:{leaf.path.replace(' ', '_')}",
        "slash",
        leaf.path,
        who,
        options=tuple(options.items()),
        refusal=refusal,
        moderator_group=leaf.hidden,
    )


BACKGROUND = {"badge_outbox", "channel_cursors", "messages", "guild_jobs"}
"""Written in the background by what earlier cases did: the outbox is marked delivered when
an earlier award's role and announcement went out; the bot's own replies to earlier cases
come back through the gateway, where they move the channel's backfill cursor; the scheduled
slot job records what it posted (a settings change earlier reschedules it). Members send
nothing during the fuzzing, so the tracking tables proper must stay as they are."""


def fingerprint(db: Path) -> dict[str, str]:
    """A digest of every table's rows (read without waiting on the bot's writes), but for
    the BACKGROUND tables."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {}
        for table in tables:
            if table in BACKGROUND:
                continue
            digest = hashlib.sha256()
            for row in sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"'))):
                digest.update(row.encode())
            out[table] = digest.hexdigest()
        return out
    finally:
        conn.close()


def is_error_reply(message: Message | None) -> bool:
    return message is not None and any(e.get("color") == ERROR_COLOUR.value for e in message.embeds)


STATS: dict[str, int] = {"cases": 0, "refused_by_sandbox": 0, "error_replies": 0}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzed_commands_answer_and_never_half_apply(
    cast: Cast, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    h = cast.h
    assert h.bot is not None
    found = [leaf for leaf in leaves(h.ctl.commands(h.guild_id))]
    case = data.draw(invocations(found), label="invocation")
    caplog.clear()
    await h.bot.pipeline.flush()  # what earlier cases queued is in before the snapshot
    before = fingerprint(h.db_path)
    seen = len(h.ctl.world.messages)
    await run_case(cast, case, caplog)
    STATS["cases"] += 1
    replies = [m for m in list(h.ctl.world.messages.values())[seen:] if m.author_id == h.ctl.bot.id]
    if not replies and case.refusal is not None:
        STATS["refused_by_sandbox"] += 1
    if any(is_error_reply(m) for m in replies):
        STATS["error_replies"] += 1
        await h.bot.pipeline.flush()
        after = fingerprint(h.db_path)
        changed = sorted(t for t in after if after[t] != before.get(t))
        assert not changed, f"/{case.command} {case.options} half-applied: {changed} changed"


async def test_the_fuzzing_reached_the_commands(cast: Cast) -> None:
    """The run above did invoke commands and met refusals (a fuzzer that only ever hits the
    sandbox's checks would test nothing)."""
    assert STATS["cases"] >= min(EXAMPLES, 100), STATS
    assert STATS["error_replies"] > 0, STATS
