"""Cards rendered off the event loop, cached by what they show.

`await renderer.profile(card)` draws in a pool of worker processes (drawing is CPU-bound
and the card data is small and picklable), as many as the machine has cores; each worker
loads the fonts and static layers once. Results are kept in an LRU keyed by a digest of
the card's data, so a card is drawn again exactly when something it shows changed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import multiprocessing
import os
import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.images import render
from bot.images.cards import BoardImage, ChallengeImage, PairCalendar, ProfileCard

log = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_ENTRIES = 512
CACHE_BYTES = 32 * 1024 * 1024


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def digest(kind: str, data: object) -> bytes:
    """A stable key for what a card shows (frozen dataclasses of str/int/date/bytes)."""
    h = hashlib.blake2b(kind.encode(), digest_size=20)
    h.update(pickle.dumps(data, protocol=5))
    return h.digest()


WORKER_NICE = 10  # drawing yields the CPU to the bot's event loop when both want it


def _worker_start() -> None:
    """A worker's initializer: lower its priority, load fonts and static layers once."""
    try:
        os.nice(WORKER_NICE)
    except (AttributeError, OSError):  # not on this platform, or not allowed
        pass
    render.warm_up()


def _ping(seconds: float) -> int:
    """Occupy a worker briefly (so that concurrent pings start every worker)."""
    time.sleep(seconds)
    return os.getpid()


def _make_pool(workers: int, processes: bool) -> concurrent.futures.Executor:
    if not processes:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="kindling-render"
        )
    # forkserver: workers fork from a clean server that has imported Pillow and the renderer,
    # not from the bot (whose threads and sockets a plain fork would copy)
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["bot.images.render"])
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_start
    )


def _retrieved(task: asyncio.Future[bytes]) -> None:
    """Mark a drawing's error as seen when every caller has given up waiting on it (each
    waiting caller gets the error itself)."""
    if not task.cancelled():
        task.exception()


class Renderer:
    """The bot's card renderer. The pool starts on the first card drawn."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        processes: bool = True,
        cache_entries: int = CACHE_ENTRIES,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.workers = workers or cores()
        self.processes = processes
        self.cache_entries = cache_entries
        self.cache_bytes = cache_bytes
        self._pool: concurrent.futures.Executor | None = None
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._inflight: dict[bytes, asyncio.Future[bytes]] = {}  # drawings under way
        self._closed = False
        self.hits = 0
        self.misses = 0

    # -- the cards ------------------------------------------------------------------------------

    async def profile(self, card: ProfileCard) -> bytes:
        return await self._render("profile", render.render_profile, card)

    async def pair(self, card: PairCalendar) -> bytes:
        return await self._render("pair", render.render_pair, card)

    async def board(self, board: BoardImage) -> bytes:
        return await self._render("board", render.render_board, board)

    async def challenge(self, challenge: ChallengeImage) -> bytes:
        return await self._render("challenge", render.render_challenge, challenge)

    async def start(self) -> int:
        """Start every worker now rather than on the first cards; how many answered."""
        pids = await asyncio.gather(*(self._run(_ping, 0.25) for _ in range(self.workers)))
        return len(set(pids))

    # -- cache and pool -------------------------------------------------------------------------

    def cached(self, kind: str, data: object) -> bytes | None:
        return self._cache.get(digest(kind, data))

    async def _render(self, kind: str, fn: Callable[[T], bytes], data: T) -> bytes:
        if self._closed:
            raise RuntimeError("the renderer is closed")
        key = digest(kind, data)
        png = self._cache.get(key)
        if png is not None:
            self._cache.move_to_end(key)
            self.hits += 1
            return png
        pending = self._inflight.get(key)
        if pending is not None:  # the same card is being drawn: share it
            self.hits += 1
        else:
            self.misses += 1
            # the drawing belongs to the renderer, not to whoever asked first: a caller
            # that gives up (a timeout) never cancels it for the others waiting on it
            pending = asyncio.ensure_future(self._draw(key, fn, data))
            pending.add_done_callback(_retrieved)
            self._inflight[key] = pending
        return await asyncio.shield(pending)

    async def _draw(self, key: bytes, fn: Callable[[T], bytes], data: T) -> bytes:
        try:
            png = await self._run(fn, data)
            self._remember(key, png)
            return png
        finally:
            self._inflight.pop(key, None)

    async def _run(self, fn: Callable[..., T], data: Any) -> T:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2, 3):
            pool = self._ensure_pool()
            try:
                return await loop.run_in_executor(pool, fn, data)
            except BrokenProcessPool:
                # a worker died (killed, out of memory, could not start): a fresh pool once,
                # then threads, which draw the same cards at the cost of some loop time
                if self._pool is pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 1:
                    log.warning("render pool broke; starting a new one")
                elif attempt == 2 and self.processes:
                    log.error("render worker processes keep failing; drawing in threads")
                    self.processes = False
                else:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure_pool(self) -> concurrent.futures.Executor:
        if self._pool is None:
            try:
                self._pool = _make_pool(self.workers, self.processes)
            except (OSError, NotImplementedError, ImportError) as error:
                # no process support here (e.g. no /dev/shm for the pool's semaphores)
                log.error("render worker processes unavailable (%s); drawing in threads", error)
                self.processes = False
                self._pool = _make_pool(self.workers, False)
        return self._pool

    def _remember(self, key: bytes, png: bytes) -> None:
        if len(png) > self.cache_bytes:
            return
        old = self._cache.pop(key, None)
        if old is not None:
            self._cached_bytes -= len(old)
        self._cache[key] = png
        self._cached_bytes += len(png)
        while len(self._cache) > self.cache_entries or self._cached_bytes > self.cache_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= len(dropped)

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def close(self) -> None:
        """Stop the workers (waiting for them off the loop); later renders are refused."""
        self._closed = True
        pool, self._pool = self._pool, None
        self._cache.clear()
        self._cached_bytes = 0
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
