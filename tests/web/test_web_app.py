"""The web boards' routes over a real pipeline: who is shown, paging, slugs, headers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.challenges import Challenge
from bot.storage.database import Database
from bot.tracking.pipeline import TrackingPipeline
from bot.web.app import BOARDS_KEY, SLUG_RECHECK_SECONDS
from tests.helpers import svc
from tests.web.conftest import DAY0, MOD, G, Site

ANA, BO, CY, DEE, EVE, FAY, GUS = 101, 102, 103, 104, 105, 106, 107


def name_all(site: Site, **names: int) -> None:
    for name, user in names.items():
        site.directory.known[user] = name.capitalize()


def rows(html: str) -> list[str]:
    """The board's rows, as text without tags."""
    return [re.sub(r"<[^>]+>", " ", r) for r in re.findall(r"<li>(.*?)</li>", html)]


async def test_home_page_lists_no_server(site: Site) -> None:
    await site.publish()
    status, html = await site.get_text("/")
    assert status == 200
    assert "Kindling" in html
    assert "Cosy Corner" not in html and "/g/" not in html


async def test_unknown_slug_is_a_404_page(site: Site) -> None:
    await site.publish()
    response = await site.client.get("/g/not-a-real-slug")
    assert response.status == 404
    text = await response.text()
    assert "Not found" in text and "Traceback" not in text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    status, _ = await site.get_text("/g/x/m/101")
    assert status == 404
    status, _ = await site.get_text("/nowhere")
    assert status == 404


async def test_a_guild_without_the_opt_in_has_no_page(site: Site) -> None:
    await site.talk(ANA, BO, 3)
    config = await site.services.settings.config(G)
    assert config.web_slug is None
    status, _ = await site.get_text("/g/None")
    assert status == 404


async def test_board_names_public_members_and_escapes_names(site: Site) -> None:
    name_all(site, ana=ANA, bo=BO, cy=CY, dee=DEE, eve=EVE, fay=FAY, gus=GUS)
    site.directory.known[BO] = "<script>alert(1)</script>"
    await site.talk(ANA, BO, 3, start=4)  # running on day 6 (today)
    await site.talk(CY, DEE, 2, start=5)
    await site.talk(EVE, FAY, 2, start=5)
    await site.talk(GUS, ANA, 1, start=6)
    privacy = site.services.privacy
    await privacy.set_preference(G, CY, "visibility", "private")
    await privacy.set_preference(G, DEE, "visibility", "server")
    await privacy.opt_out(G, EVE, site.clock.now())
    await site.services.moderation.set_excluded(G, FAY, True, MOD, site.clock.now())
    path = await site.publish()
    for board in ("reputation", "weekly", "monthly", "streaks", "best"):
        status, html = await site.get_text(f"{path}?board={board}")
        assert status == 200, board
        assert "Ana" in html, board
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, board
        for hidden in ("Cy", "Dee", "Eve", "Fay"):
            assert not any(hidden in r for r in rows(html)), (board, hidden)
        assert f"/m/{CY}" not in html and f"/m/{DEE}" not in html
    status, html = await site.get_text(f"{path}?board=best")
    assert "Gus" in html  # the pair Gus & Ana: both public


async def test_hidden_members_have_no_member_page(site: Site) -> None:
    await site.talk(ANA, BO, 3)
    await site.talk(CY, DEE, 2)
    await site.talk(EVE, FAY, 2)
    privacy = site.services.privacy
    await privacy.set_preference(G, CY, "visibility", "private")
    await privacy.set_preference(G, DEE, "visibility", "server")
    await privacy.opt_out(G, EVE, site.clock.now())
    await site.services.moderation.set_excluded(G, FAY, True, MOD, site.clock.now())
    path = await site.publish()
    for user in (CY, DEE, EVE, FAY, 555, 10**30):
        status, html = await site.get_text(f"{path}/m/{user}")
        assert status == 404, user
        assert "Not found" in html
    for bad in ("abc", "²", "-1", "9" * 19, str(2**63)):
        status, _ = await site.get_text(f"{path}/m/{bad}")
        assert status == 404, bad
    status, _ = await site.get_text(f"{path}/m/{ANA}")
    assert status == 200


async def test_member_page_shows_heatmap_badges_and_public_partners_only(site: Site) -> None:
    name_all(site, ana=ANA, bo=BO, cy=CY)
    await site.talk(ANA, BO, 4)  # days 0-3
    await site.talk(ANA, CY, 2, start=5)  # days 5-6
    await site.services.privacy.set_preference(G, CY, "visibility", "private")
    path = await site.publish()
    status, html = await site.get_text(f"{path}/m/{ANA}")
    assert status == 200
    assert "<h1>Ana</h1>" in html
    assert "<svg" in html and "Streak days over the last 12 weeks: 6" in html
    # the heatmap marks the qualifying days and today, nothing after today
    assert re.search(r'fill="#ffc078"[^>]*data-day="2026-06-01"', html)
    assert re.search(r'fill="#efe6dc"[^>]*data-day="2026-06-05"', html)
    assert 'stroke-width="2" data-day="2026-06-07"' in html
    assert 'data-day="2026-06-08"' not in html
    assert "4 days with" in html and f"/m/{BO}" in html
    # the private partner (the slug in links is random text: leave it out of the search)
    assert "Cy" not in html.replace(path, "") and f"/m/{CY}" not in html
    assert "Badges (1)" in html  # streak-3


async def test_reputation_board_pages_ten_at_a_time(site: Site) -> None:
    users = list(range(200, 224))
    name_all(site, **{f"m{u}": u for u in users})
    for i in range(0, len(users), 2):
        await site.talk(users[i], users[i + 1], 1 + i // 2)
    path = await site.publish()
    status, html = await site.get_text(f"{path}?board=reputation")
    assert status == 200
    assert len(rows(html)) == 10
    assert "Page 1/3" in html
    assert f'href="{path}?board=reputation&amp;page=2" rel="next"' in html
    assert '<span class="off">‹ Prev</span>' in html
    _, second = await site.get_text(f"{path}?board=reputation&page=2")
    assert "Page 2/3" in second and len(rows(second)) == 10
    assert rel_links(second) == {"prev", "next"}
    assert not set(rows(html)) & set(rows(second))
    _, last = await site.get_text(f"{path}?board=reputation&page=999")
    assert "Page 3/3" in last and len(rows(last)) == 4
    assert '<span class="off">Next ›</span>' in last
    _, odd = await site.get_text(f"{path}?board=reputation&page=-1x")
    assert "Page 1/3" in odd
    _, other = await site.get_text(f"{path}?board=nonsense")
    assert "Reputation (all time)" in other


def rel_links(html: str) -> set[str]:
    return set(re.findall(r'rel="(prev|next)"', html))


async def test_turning_off_or_regenerating_invalidates_the_old_address(site: Site) -> None:
    await site.talk(ANA, BO, 2)
    settings = site.services.settings
    now = site.clock.now()
    first = await site.publish()
    assert (await site.client.get(first)).status == 200
    again = await settings.set_web(G, True, False, MOD, now)
    assert f"/g/{again[1]}" == first  # turning it on again keeps the address
    _, new = await settings.set_web(G, True, True, MOD, now)
    assert new is not None and f"/g/{new}" != first
    assert (await site.client.get(first)).status == 404
    assert (await site.client.get(f"/g/{new}")).status == 200
    assert (await site.client.get(f"/g/{new}/m/{ANA}")).status == 200
    await settings.set_web(G, False, False, MOD, now)
    assert (await site.client.get(f"/g/{new}")).status == 404
    assert (await site.client.get(f"/g/{new}/m/{ANA}")).status == 404


async def test_slug_is_random_and_audited_without_it(site: Site) -> None:
    now = site.clock.now()
    settings = site.services.settings
    _, one = await settings.set_web(G, True, False, MOD, now)
    assert one is not None and len(one) >= 16
    await settings.set_web(G, False, False, MOD, now)
    _, two = await settings.set_web(G, True, False, MOD, now)
    assert two != one
    count, entries = await site.services.challenges.reads.audit_page(G, 10, 0)
    assert count == 3
    details = [e.details for e in entries]
    assert {"web_page": True} in details and {"web_page": False} in details
    assert one not in str(details) and str(two) not in str(details)
    # nothing changed: nothing audited
    await settings.set_web(G, True, False, MOD, now)
    assert (await site.services.challenges.reads.audit_page(G, 10, 0))[0] == 3


async def test_headers_cache_and_etag(site: Site) -> None:
    await site.talk(ANA, BO, 2)
    path = await site.publish()
    response = await site.client.get(path)
    assert response.status == 200
    headers = response.headers
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Referrer-Policy"] == "no-referrer"
    etag = headers["ETag"]
    cached = await site.client.get(path, headers={"If-None-Match": etag})
    assert cached.status == 304
    html = await response.text()
    assert '<meta name="viewport"' in html
    assert "<script" not in html and "style=" not in html
    css = await site.client.get("/static/kindling.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    posted = await site.client.post(path)
    assert posted.status == 405
    assert "Read only" in await posted.text()


async def test_a_failure_is_a_500_page_without_traceback(
    site: Site, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await site.talk(ANA, BO, 2)
    path = await site.publish()

    async def broken(guild: int, users: object) -> dict[int, str]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(site.directory, "names", broken)
    with caplog.at_level(logging.ERROR, logger="bot.web.app"):
        response = await site.client.get(path)
    assert response.status == 500
    text = await response.text()
    assert "Something went wrong" in text
    assert "secret internals" not in text and "Traceback" not in text
    assert response.headers["Content-Security-Policy"]
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)


async def test_challenge_pages(site: Site) -> None:
    name_all(site, ana=ANA, bo=BO, cy=CY, dee=DEE)
    challenges = site.services.challenges
    running = await challenges.create(
        Challenge(
            G,
            0,
            "Spring <b>sprint</b>",
            "points",
            20,
            DAY0,
            DAY0 + timedelta(days=10),
            join_required=False,
            description="Talk & thank",
        ),
        MOD,
        DAY0,
    )
    later = await challenges.create(
        Challenge(
            G, 0, "Autumn", "points", 5, DAY0 + timedelta(days=30), DAY0 + timedelta(days=40)
        ),
        MOD,
        DAY0,
    )
    await site.talk(ANA, BO, 3)
    await site.talk(CY, DEE, 1)
    await site.services.privacy.set_preference(G, CY, "visibility", "private")
    path = await site.publish()
    _, board = await site.get_text(path)
    assert f'href="{path}/c/{running.id}"' in board and "Spring &lt;b&gt;sprint&lt;/b&gt;" in board
    status, html = await site.get_text(f"{path}/c/{running.id}")
    assert status == 200
    assert "Spring &lt;b&gt;sprint&lt;/b&gt;" in html and "Talk &amp; thank" in html
    assert "Running" in html and "20 points earned" in html
    lines = rows(html)
    assert any("Ana" in r and "✓ done" in r for r in lines)
    assert not any("Cy" in r for r in lines)
    assert "Page 1/1" in html
    assert re.search(r"\d{4}-\d\d-\d\d", re.sub(r"<[^>]+>", "", html)) is None  # no ISO dates
    status, html = await site.get_text(f"{path}/c/{later.id}")
    assert status == 200 and "Starts soon" in html and 'class="board"' not in html
    for bad in ("999", "x", "1" * 20, "³"):
        status, _ = await site.get_text(f"{path}/c/{bad}")
        assert status == 404


async def test_a_member_who_turns_private_leaves_the_cached_pages_at_once(site: Site) -> None:
    name_all(site, ana=ANA, bo=BO, cy=CY)
    await site.talk(ANA, BO, 2, start=5)
    await site.talk(CY, ANA, 1, start=6)
    path = await site.publish()
    _, before = await site.get_text(path)
    assert "Cy" in before
    assert (await site.client.get(f"{path}/m/{CY}")).status == 200
    _, odd = await site.get_text(f"{path}?board=reputation&page=1&x=1")
    assert odd == before  # the same page, whatever else the query says
    await site.services.privacy.set_preference(G, CY, "visibility", "private")
    _, after = await site.get_text(path)
    assert "Cy" not in after.replace(path, "") and f"/m/{CY}" not in after
    assert (await site.client.get(f"{path}/m/{CY}")).status == 404
    _, ana = await site.get_text(f"{path}/m/{ANA}")
    assert "Cy" not in ana.replace(path, "")


async def test_a_slug_changed_by_another_process_is_seen_within_seconds(
    site: Site, tmp_path: Path
) -> None:
    """Another process (its own pipeline on the same database) owns the guild and changes
    `/settings web`: this process's change listener never hears of it, the store is read."""
    await site.talk(ANA, BO, 2)
    now = site.clock.now()
    ticks = [1000.0]
    site.client.app[BOARDS_KEY].slugs.now = lambda: ticks[0]
    assert (await site.client.get("/g/not-yet")).status == 404  # the index is loaded
    db = await Database.open(tmp_path / "k.db")
    elsewhere = TrackingPipeline(db)
    try:
        other = svc(elsewhere).settings
        _, slug = await other.set_web(G, True, False, MOD, now)
        ticks[0] += SLUG_RECHECK_SECONDS
        assert (await site.client.get(f"/g/{slug}")).status == 200  # a new slug works
        _, new = await other.set_web(G, True, True, MOD, now)  # regenerated there
        assert (await site.client.get(f"/g/{slug}")).status == 200  # for a few seconds
        ticks[0] += SLUG_RECHECK_SECONDS
        assert (await site.client.get(f"/g/{slug}")).status == 404
        assert (await site.client.get(f"/g/{new}/m/{ANA}")).status == 200
        await other.set_web(G, False, False, MOD, now)  # turned off there
        ticks[0] += SLUG_RECHECK_SECONDS
        assert (await site.client.get(f"/g/{new}")).status == 404
        assert (await site.client.get(f"/g/{new}/m/{ANA}")).status == 404
    finally:
        await elsewhere.close()
        await db.close()
