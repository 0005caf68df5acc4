"""Thank-you reasons through the KudosStore protocol: kept with their kudos, erased on
opt-out (either side), pruned with the raw interactions."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.protocols import Repositories
from tests.storage.test_repositories import T0, G, H, interaction, write


async def seed(repos: Repositories) -> None:
    await write(
        repos,
        interactions=[
            interaction(G, 1, 2, T0, source="cmd:1", kind="kudos", points=10),
            interaction(G, 3, 1, T0 + timedelta(hours=1), source="cmd:2", kind="kudos"),
            interaction(G, 1, 2, T0 + timedelta(hours=2), source="m:3", kind="reply"),
            interaction(H, 1, 2, T0, source="cmd:1", kind="kudos"),
        ],
    )
    await repos.kudos.add_reason(G, "cmd:1", 1, 2, "for the review", T0)
    await repos.kudos.add_reason(H, "cmd:1", 1, 2, "other guild", T0)


async def test_thanks_of_lists_given_and_received_with_reasons(repos: Repositories) -> None:
    await seed(repos)
    rows = await repos.kudos.thanks_of(G, 1)
    assert [(r.giver, r.receiver, r.points, r.reason) for r in rows] == [
        (1, 2, 10, "for the review"),
        (3, 1, 3, None),  # no reason given; the reply is not a thanks
    ]
    assert rows[0].at == T0
    assert [r.reason for r in await repos.kudos.thanks_of(H, 2)] == ["other guild"]


async def test_a_reason_is_kept_once(repos: Repositories) -> None:
    await seed(repos)
    await repos.kudos.add_reason(G, "cmd:1", 1, 2, "changed?", T0)
    assert [r.reason for r in await repos.kudos.thanks_of(G, 2)] == ["for the review"]


async def test_opt_out_of_either_side_erases_the_reason(repos: Repositories) -> None:
    await seed(repos)
    await repos.privacy.erase_member(G, 2)
    assert [(r.giver, r.receiver) for r in await repos.kudos.thanks_of(G, 1)] == [(3, 1)]
    # the kudos row comes back (say, re-imported history): its old reason does not
    await write(
        repos, interactions=[interaction(G, 1, 2, T0, source="cmd:1", kind="kudos", points=10)]
    )
    assert [r.reason for r in await repos.kudos.thanks_of(G, 2)] == [None]
    assert [r.reason for r in await repos.kudos.thanks_of(H, 2)] == ["other guild"]


async def test_retention_prunes_reasons_with_interactions(repos: Repositories) -> None:
    await seed(repos)
    await repos.privacy.prune_interactions(T0 + timedelta(minutes=1))
    await write(
        repos, interactions=[interaction(G, 1, 2, T0, source="cmd:1", kind="kudos", points=10)]
    )
    assert [r.reason for r in await repos.kudos.thanks_of(G, 2)] == [None]
