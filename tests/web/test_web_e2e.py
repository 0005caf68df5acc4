"""The web boards served by the real bot process against the sandbox: the opt-in through
/settings web, the address in its reply, the sandbox guild's board, a bad address."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import START
from tests.e2e.test_commands_e2e import run, text_of
from tests.web.conftest import WebHarness

URL = re.compile(r"http://127\.0\.0\.1:\d+/g/[A-Za-z0-9_-]+")


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def seed_board(h: WebHarness, count: int) -> list[str]:
    """`count` members with distinct reputations (the owner's adjustments) and one private
    member who would top the board; the members' names, best first."""
    owner = h.ctl.owner
    names = [f"member{i:02d}" for i in range(count)]
    people = [await h.ctl.add_member(n) for n in names]
    for i, person in enumerate(people):
        await run(
            h,
            owner,
            "mod adjust-rep",
            {"member": person, "amount": 10 * (count - i), "reason": "seed"},
        )
    hidden = await h.ctl.add_member("hiddenhana")
    await run(h, owner, "mod adjust-rep", {"member": hidden, "amount": 5000, "reason": "seed"})
    reply = await run(h, hidden, "privacy visibility", {"level": "private"})
    assert reply.ephemeral
    await h.settle()
    return names


async def publish(h: WebHarness, **options: object) -> str:
    reply = await run(h, h.ctl.owner, "settings web", {"enabled": "on", **options})
    assert reply.ephemeral
    found = URL.search(text_of(reply))
    assert found, text_of(reply)
    return found.group(0)


async def test_settings_web_replies_with_the_address_and_the_bot_serves_it(
    web_harness: WebHarness,
) -> None:
    h = web_harness
    assert h.bot is not None and h.bot.web_url is not None
    names = await seed_board(h, 12)
    url = await publish(h)
    assert url.startswith(h.bot.web_url + "/g/")
    status, html = await fetch(url)
    assert status == 200
    assert h.ctl.guild.name in html
    for name in names[:10]:
        assert name in html
    assert names[10] not in html and "Page 1/2" in html
    assert "hiddenhana" not in html
    status, html = await fetch(url + "?board=reputation&page=2")
    assert status == 200 and names[10] in html and names[11] in html and "Page 2/2" in html
    # regenerate: a new address, the old one is gone
    again = await publish(h, regenerate=True)
    assert again != url
    assert (await fetch(url))[0] == 404
    assert (await fetch(again))[0] == 200
    off = await run(h, h.ctl.owner, "settings web", {"enabled": "off"})
    assert "off" in text_of(off) and URL.search(text_of(off)) is None
    assert (await fetch(again))[0] == 404
    audit = await run(h, h.ctl.owner, "mod audit", {})
    assert "web page" in text_of(audit)
    assert again.rsplit("/", 1)[1] not in text_of(audit)


async def test_a_plain_member_cannot_turn_the_page_on(web_harness: WebHarness) -> None:
    h = web_harness
    plain = await h.ctl.add_member("plain")
    reply = await run(h, plain, "settings web", {"enabled": "on"}, check_permissions=False)
    assert reply.ephemeral and "Only moderators" in text_of(reply)


async def test_a_port_in_use_is_logged_and_the_bot_runs_without_the_site(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        harness = WebHarness(tmp_path / "k.db", start=START, task_name="kindling-web-busy")
        harness.web_port = taken.getsockname()[1]
        with caplog.at_level(logging.ERROR, logger="cogs.web._cog"):
            async with harness as h:
                bot = await h.start_bot()
                assert bot.web_url is None
                member = await h.ctl.add_member("alice")
                reply = await run(h, member, "streaks")
                assert reply.embeds  # the bot answers commands all the same
                owner_reply = await run(h, h.ctl.owner, "settings web", {"enabled": "on"})
                assert "WEB_ENABLED" in text_of(owner_reply)
                await h.stop_bot()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("WEB_PORT" in e and "runs without them" in e for e in errors), errors
