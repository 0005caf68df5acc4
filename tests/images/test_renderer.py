"""The async render service: off the loop, cached by what a card shows, closed cleanly."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from dataclasses import replace

import pytest

from bot.images import renderer as renderer_module
from bot.images.cards import BoardImage, BoardRow, ChallengeImage, ChallengeRow, PairCalendar
from bot.images.renderer import Renderer, cores, digest
from tests.images.test_render import TODAY, busy_card, decode


async def test_a_card_is_drawn_once_until_what_it_shows_changes() -> None:
    renderer = Renderer(processes=False)
    try:
        card = busy_card()
        first = await renderer.profile(card)
        again = await renderer.profile(replace(card))  # equal data, another object
        assert again is first and (renderer.misses, renderer.hits) == (1, 1)
        changed = await renderer.profile(replace(card, reputation=card.reputation + 1))
        assert changed != first and renderer.misses == 2
        # the same picture of another kind is another entry
        assert digest("profile", card) != digest("pair", card)
    finally:
        await renderer.close()


async def test_identical_cards_requested_together_are_drawn_once() -> None:
    renderer = Renderer(processes=False)
    try:
        results = await asyncio.gather(*(renderer.profile(busy_card()) for _ in range(5)))
        assert len(set(results)) == 1 and renderer.misses == 1 and renderer.hits == 4
    finally:
        await renderer.close()


async def test_the_cache_is_bounded() -> None:
    renderer = Renderer(processes=False, cache_entries=2)
    try:
        for rep in range(4):
            await renderer.profile(replace(busy_card(), reputation=rep))
        assert len(renderer._cache) == 2
        await renderer.profile(replace(busy_card(), reputation=0))  # evicted: drawn again
        assert renderer.misses == 5
    finally:
        await renderer.close()


async def test_worker_processes_draw_every_kind_and_stop_on_close() -> None:
    renderer = Renderer(workers=2)
    assert not renderer.started  # nothing starts before the first card
    try:
        cal = busy_card().calendar
        pngs = await asyncio.gather(
            renderer.profile(busy_card()),
            renderer.pair(PairCalendar("Ana", "Bo", 3, 3, 0, cal)),
            renderer.board(BoardImage("Best", (BoardRow(1, "Ana & Bo", "9 days"),))),
            renderer.challenge(ChallengeImage("Sprint", "points", 10, (ChallengeRow("Ana", 4),))),
        )
        for png in pngs:
            decode(png)
        assert renderer.started
    finally:
        await renderer.close()
    assert not renderer.started
    with pytest.raises(RuntimeError, match="closed"):
        await renderer.profile(busy_card())


async def test_the_loop_keeps_running_while_workers_draw() -> None:
    renderer = Renderer(workers=2)
    try:
        await renderer.profile(busy_card())  # start the pool
        loop = asyncio.get_running_loop()
        ticks = 0
        done = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        ticker = asyncio.create_task(tick())
        started = loop.time()
        await asyncio.gather(
            *(renderer.profile(replace(busy_card(), reputation=n)) for n in range(12))
        )
        elapsed = loop.time() - started
        done.set()
        await ticker
        # the ticker ran throughout (a blocked loop would not have ticked at all)
        assert ticks >= max(2, int(elapsed / 0.005 / 4))
    finally:
        await renderer.close()


def test_pool_size_is_the_cores() -> None:
    assert Renderer().workers == cores() >= 1
    assert TODAY.weekday() == 2


async def test_start_brings_the_workers_up_before_any_card() -> None:
    renderer = Renderer(workers=2)
    try:
        assert 1 <= await renderer.start() <= 2
        assert renderer.started and renderer.misses == 0
    finally:
        await renderer.close()


def dies_in_a_worker(parent: int) -> bytes:
    """Kills the worker process that runs it; runs normally in the test's own process."""
    if os.getpid() != parent:
        os._exit(3)
    return b"drawn here"


async def test_workers_that_keep_dying_give_way_to_threads() -> None:
    renderer = Renderer(workers=1)
    try:
        assert await renderer._run(dies_in_a_worker, os.getpid()) == b"drawn here"
        assert not renderer.processes  # two broken pools, then threads
        decode(await renderer.profile(busy_card()))
    finally:
        await renderer.close()


async def test_no_process_support_means_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    real = renderer_module._make_pool

    def no_processes(workers: int, processes: bool) -> concurrent.futures.Executor:
        if processes:
            raise OSError("no /dev/shm")
        return real(workers, processes)

    monkeypatch.setattr(renderer_module, "_make_pool", no_processes)
    renderer = Renderer(workers=2)
    try:
        decode(await renderer.profile(busy_card()))
        assert not renderer.processes
    finally:
        await renderer.close()


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    renderer = Renderer()
    gate = asyncio.Event()

    async def slow(fn: object, data: object) -> bytes:
        await gate.wait()
        return b"png"

    renderer._run = slow  # type: ignore[method-assign]
    try:
        impatient = asyncio.create_task(asyncio.wait_for(renderer._render("k", str, "x"), 0.05))
        for _ in range(5):  # the impatient caller is the one who started the drawing
            await asyncio.sleep(0)
        assert renderer.misses == 1
        patient = asyncio.create_task(renderer._render("k", str, "x"))
        with pytest.raises(TimeoutError):
            await impatient
        gate.set()
        assert await patient == b"png"  # the shared drawing went on
        assert renderer.cached("k", "x") == b"png"
    finally:
        await renderer.close()
