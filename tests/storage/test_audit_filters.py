"""/mod audit filters: by member (the moderator, or anyone the entry is about) and by action
name or family, paged and counted alike, never leaking another guild's entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.audit import AuditFilter
from bot.storage.protocols import Repositories

G = 7
H = 8
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MOD = 900_000_000_000_000_001
ANA = 900_000_000_000_000_002
BO = 900_000_000_000_000_003
CY = 900_000_000_000_000_004


async def seed(repos: Repositories) -> None:
    a = repos.audit
    rows = [
        (MOD, "mod.adjust-rep", {"member": ANA, "amount": 50, "reason": f"helped {BO}"}),
        (MOD, "mod.restore-streak", {"members": [ANA, BO], "days": ["2026-05-30"], "reason": ""}),
        (ANA, "settings", {"timezone": "UTC"}),
        (MOD, "config", {"reminder_channel": BO}),  # a channel id equal to a member's: no match
        (MOD, "badge.grant", {"badge": "streak-3", "member": CY}),
        (MOD, "badge.revoke", {"badge": "streak-3", "member": CY}),
        (MOD, "badge_x", {"member": BO}),  # `_` in a family prefix is not a wildcard
        (MOD, "review.approve", {"member": BO, "points": 40, "reasons": ["kudos_ring"]}),
    ]
    for i, (who, action, details) in enumerate(rows):
        await a.record(G, who, action, details, T0 + timedelta(minutes=i))
    await a.record(H, MOD, "mod.adjust-rep", {"member": ANA, "amount": 1, "reason": "x"}, T0)


async def actions(repos: Repositories, which: AuditFilter, limit: int = 50) -> list[str]:
    return [e.action for e in await repos.audit.page(G, limit, 0, which)]


async def test_no_filter_lists_everything_newest_first(repos: Repositories) -> None:
    await seed(repos)
    everything = await repos.audit.page(G, 50, 0)
    assert len(everything) == 8 == await repos.audit.count(G)
    assert await repos.audit.count(G, AuditFilter()) == 8
    assert everything[0].action == "review.approve"


async def test_member_filter_finds_entries_by_or_about_them(repos: Repositories) -> None:
    await seed(repos)
    ana = AuditFilter(member=ANA)
    # adjusted, in a restored pair, and the settings change she made herself
    assert await actions(repos, ana) == ["settings", "mod.restore-streak", "mod.adjust-rep"]
    assert await repos.audit.count(G, ana) == 3
    # an id inside a reason or under a channel key is not the member
    bo = AuditFilter(member=BO)
    assert await actions(repos, bo) == ["review.approve", "badge_x", "mod.restore-streak"]
    assert await actions(repos, AuditFilter(member=CY)) == ["badge.revoke", "badge.grant"]
    assert await repos.audit.count(G, AuditFilter(member=MOD)) == 7
    assert await actions(repos, AuditFilter(member=12345)) == []


async def test_action_and_family_filters(repos: Repositories) -> None:
    await seed(repos)
    assert await actions(repos, AuditFilter(actions=("mod.adjust-rep",))) == ["mod.adjust-rep"]
    badges = AuditFilter(prefixes=("badge.",))
    assert await actions(repos, badges) == ["badge.revoke", "badge.grant"]
    assert await repos.audit.count(G, badges) == 2
    settings = AuditFilter(actions=("settings", "config"))
    assert await actions(repos, settings) == ["config", "settings"]
    mixed = AuditFilter(actions=("settings",), prefixes=("review.",))
    assert await actions(repos, mixed) == ["review.approve", "settings"]


async def test_filters_combine_and_page(repos: Repositories) -> None:
    await seed(repos)
    both = AuditFilter(member=CY, prefixes=("badge.",))
    assert await actions(repos, both) == ["badge.revoke", "badge.grant"]
    assert [e.action for e in await repos.audit.page(G, 1, 1, both)] == ["badge.grant"]
    assert await repos.audit.page(G, 10, 2, both) == []
    assert await actions(repos, AuditFilter(member=ANA, prefixes=("badge.",))) == []
    assert await repos.audit.count(G, AuditFilter(member=ANA, prefixes=("badge.",))) == 0


async def test_other_guilds_never_leak(repos: Repositories) -> None:
    await seed(repos)
    (only,) = await repos.audit.page(H, 10, 0, AuditFilter(member=ANA))
    assert only.details["amount"] == 1
    assert await repos.audit.count(H, AuditFilter(prefixes=("mod.",))) == 1
    assert await repos.audit.count(H, AuditFilter(member=BO)) == 0
