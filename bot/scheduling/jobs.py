"""Scheduled work (SPEC §6). Job bodies take `now` and talk to Discord only through a
`Poster`, so they are tested without waiting and without Discord."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from bot.domain.challenges import Challenge, Progress
from bot.domain.guild_config import GuildConfig
from bot.domain.periods import period_end, period_start
from bot.domain.review import Flag, ReviewInput, review_pass
from bot.domain.timeutil import epoch_us, from_epoch_us
from bot.reads import BoardPage, Reads, Recap
from bot.services import Services
from bot.services.review import QueueEntry
from bot.services.schedule import InDoubt, JobState
from bot.storage.sql import STORE_ERRORS

log = logging.getLogger(__name__)

NEVER_SERVED = JobState()
SLOT_MINUTES = 15
MESSAGE_LIMIT = 1900  # under Discord's 2,000 characters, with room for a header
# mentions, emoji and a relative timestamp: a generous fixed estimate of one digest line
REMINDER_LINE_ESTIMATE = 90
ENTRIES_PER_MESSAGE = 5  # one Nudge button per entry, one row each
GUILD_BATCH = 200  # guilds whose reminders are read with one query
# reminders claimed with one write, then posted: a process that stops meanwhile leaves at
# most this many in doubt (each looked for in its channel by the next slot)
CLAIM_GROUP = 50
# guilds whose settings are turned into the slot's view between two yields to the event
# loop (~8 µs each; a task waiting meanwhile may wait for two such runs)
CONFIGS_PER_YIELD = 250
BOARD_REFRESH = timedelta(hours=1)  # a board whose data did not change is re-read this often
# a post in doubt whose settling failed this many times is given up (logged)
MAX_SETTLE_TRIES = 4
# the channel is read for a post in doubt from this long before its claim (or the last
# message sent): the host clock may be ahead of Discord's; only the bot's own posts count
LOOKBACK_MARGIN = timedelta(minutes=10)


class ReminderEntry(NamedTuple):  # a tuple: a big guild's digest has 100,000s of them
    a: int
    b: int
    current: int
    freezes: int
    day_ends: datetime
    ping: tuple[int, ...]  # members of the pair to ping (the others are named, not pinged)


@dataclass(slots=True)
class ReminderMessage:
    entries: list[ReminderEntry] = field(default_factory=list)
    first: int = 1  # the number of its first entry in the whole digest

    @property
    def pings(self) -> list[int]:
        return sorted({u for e in self.entries for u in e.ping})


class Poster(Protocol):
    """What scheduled jobs need from Discord."""

    async def post_reminders(
        self,
        guild: int,
        channel: int,
        messages: Sequence[ReminderMessage],
        *,
        skip: Collection[str] = (),
    ) -> bool | None:
        """Post the digest messages (numbered from each one's `first`), leaving out those
        whose text is in `skip` (posted before a process stopped); False when posting failed
        (the rest is not tried)."""
        ...

    async def posted_since(
        self, guild: int, channel: int, since: datetime, kind: str
    ) -> list[str] | None:
        """The bot's own `kind` posts ("reminder": their texts, "recap": their titles) in
        the channel since `since`; None when the channel cannot be read."""
        ...

    async def dm_reminder(self, guild: int, user: int, entries: Sequence[ReminderEntry]) -> bool:
        """False when the member's DMs are closed."""
        ...

    async def post_board(
        self, guild: int, channel: int, page: BoardPage, message_id: int | None
    ) -> int | None:
        """Edit `message_id` in place if it still exists, else post (and pin) a new one;
        returns the message id, None when posting failed."""
        ...

    async def announce_challenge(
        self,
        guild: int,
        channel: int | None,
        challenge: Challenge,
        phase: str,
        progress: Progress | None,
        board: BoardPage | None,
        *,
        unnamed: int = 0,
        reason: str = "",
        mention: Sequence[int] = (),
        dm: Sequence[int] = (),
    ) -> None:
        """`start`; `end`: the one results post (`progress.completed` may be named,
        `unnamed` more completed it, `board` is the final board without hidden members);
        `cancel`: mention `mention` in the post and DM `dm` (everyone by DM when `channel`
        is None)."""
        ...

    async def post_recap(self, guild: int, channel: int, recap: Recap) -> None:
        """Post the recap of a completed period as a new message."""
        ...

    async def post_review_flags(
        self, guild: int, channel: int, flags: Sequence[QueueEntry]
    ) -> None:
        """Tell the moderators' channel about new authenticity-review flags."""
        ...


def split_digest(entries: Sequence[ReminderEntry]) -> list[ReminderMessage]:
    """Group digest entries into messages under the length limit, ENTRIES_PER_MESSAGE each.

    Every line is estimated at the same REMINDER_LINE_ESTIMATE, so a message holds as many
    entries as both limits allow (at least one) and the digest is cut into equal slices."""
    per = max(1, min(ENTRIES_PER_MESSAGE, MESSAGE_LIMIT // REMINDER_LINE_ESTIMATE))
    return [
        ReminderMessage(list(entries[start : start + per]), start + 1)
        for start in range(0, len(entries), per)
    ]


def build_digest(
    pairs: Sequence[tuple[int, int, int, int]], day_ends: datetime
) -> list[ReminderMessage]:
    """The channel digest of pairs (a, b, current, freezes) that all take the channel
    digest, split into messages.

    A big guild's digest is hundreds of thousands of small objects that hold no cycles: the
    cyclic garbage collector is paused while they are built (it would otherwise walk them,
    and everything else alive, again and again)."""
    new = tuple.__new__  # what ReminderEntry(...) calls, without its Python-level __new__
    with _gc_paused():
        return split_digest(
            [
                new(ReminderEntry, (a, b, current, freezes, day_ends, (a, b)))
                for a, b, current, freezes in pairs
            ]
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _day_ends(d: DueGuild) -> datetime:
    """When the guild's local day ends: what its digest counts down to."""
    return datetime.combine(d.today + timedelta(days=1), datetime.min.time(), tzinfo=d.zone)


def _prefs_by_guild(prefs: dict[tuple[int, int], str]) -> dict[int, dict[int, str]]:
    """(guild, member) → preference, grouped by guild."""
    grouped: dict[int, dict[int, str]] = {}
    for (guild, member), pref in prefs.items():
        grouped.setdefault(guild, {})[member] = pref
    return grouped


def encode_plan(messages: Sequence[ReminderMessage]) -> str:
    """A claimed digest as stored with its claim, so a digest cut short is resumed as it
    was planned (not recomputed: pairs may have talked or changed since). A digest's
    entries share one day-end object, converted once."""
    last: list[Any] = [None, 0]  # the day end converted last, and its microseconds

    def end_us(day_ends: datetime) -> int:
        if day_ends is not last[0]:
            last[0], last[1] = day_ends, epoch_us(day_ends)
        return int(last[1])

    return json.dumps(
        [
            {
                "first": m.first,
                "entries": [
                    [e.a, e.b, e.current, e.freezes, end_us(e.day_ends), list(e.ping)]
                    for e in m.entries
                ],
            }
            for m in messages
        ],
        separators=(",", ":"),
    )


def decode_plan(plan: str) -> list[ReminderMessage]:
    return [
        ReminderMessage(
            [
                ReminderEntry(
                    int(a),
                    int(b),
                    int(cur),
                    int(frz),
                    from_epoch_us(int(ends)),
                    tuple(int(u) for u in ping),
                )
                for a, b, cur, frz, ends, ping in m["entries"]
            ],
            int(m["first"]),
        )
        for m in json.loads(plan)
    ]


def slot_matches(local: datetime, hour: int) -> bool:
    """Is `local` inside the 15-minute slot that starts at `hour`:00?"""
    return local.hour == hour and local.minute < SLOT_MINUTES


@dataclass(frozen=True, slots=True)
class DueGuild:
    """A guild as the slot sees it: its configuration and local time."""

    guild: int
    config: GuildConfig
    raw: dict[str, Any]
    zone: ZoneInfo
    local: datetime
    max_freezes: int

    @property
    def today(self) -> date:
        return self.local.date()

    @classmethod
    def build(
        cls, guild: int, settings: dict[str, Any], raw: dict[str, Any], now: datetime
    ) -> DueGuild:
        zone = ZoneInfo(str(settings.get("timezone", "UTC")))
        limits = settings.get("limits") or {}
        return cls(
            guild,
            GuildConfig.from_dict(raw),
            raw,
            zone,
            now.astimezone(zone),
            int(limits.get("max_freezes", 2)),
        )


async def _in_thread(inp: ReviewInput) -> dict[int, Flag]:
    return await asyncio.to_thread(review_pass, inp)


class Jobs:
    def __init__(
        self,
        services: Services,
        reads: Reads,
        poster: Poster,
        dm_interval: float = 0.25,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self.services = services
        self.reads = reads
        self.poster = poster
        self.dm_interval = dm_interval
        # the guilds of this process's shards (issue #13): the only ones it schedules
        self.owns: Callable[[int], bool] = owns or (lambda guild: True)
        # per guild: what the live board showed when last posted or edited (None: not read
        # since a restart), its message, when it was read, and the guild's data version then
        self._boards: dict[int, tuple[BoardPage | None, int | None, datetime, int]] = {}
        self._slot_lock = asyncio.Lock()  # the scheduled slot and a manual run never overlap

    # -- the 15-minute slot ---------------------------------------------------------------
    async def run_slot(self, now: datetime) -> dict[str, int]:
        """Reminders of every guild (of this process's shards) whose local time is in this
        slot, recaps of periods that ended since the last one (once per period, also after
        downtime) and the live boards. Each reminder and recap is claimed in the database
        before it is posted (reminders CLAIM_GROUP guilds at a time) and confirmed after, so
        whichever process runs the slot it is posted once; a post in doubt (claimed, never
        confirmed: the process stopped in between) is looked for in its channel first and
        posted only if it is not there."""
        async with self._slot_lock:
            return await self._run_slot(now)

    async def _run_slot(self, now: datetime) -> dict[str, int]:
        done = {"reminders": 0, "boards": 0, "recaps": 0}
        reminders: list[DueGuild] = []
        boards: list[DueGuild] = []
        recaps: list[tuple[DueGuild, datetime, datetime]] = []
        first_seen: list[tuple[int, int]] = []
        served = await self.services.schedule.all()
        guilds: dict[int, DueGuild] = {}
        for index, (guild, settings, raw) in enumerate(await self.services.settings.all_configs()):
            if index and index % CONFIGS_PER_YIELD == 0:
                await asyncio.sleep(0)  # keep the event loop responsive in a large slot
            if not self.owns(guild):
                continue  # another process's shard
            try:
                due = DueGuild.build(guild, settings, raw, now)
            except Exception:
                log.exception("guild %s has unreadable settings; skipped this slot", guild)
                continue
            guilds[guild] = due
            config, local, today = due.config, due.local, due.today.isoformat()
            jobs = served.get(guild, NEVER_SERVED)
            if (
                config.reminders_enabled
                and slot_matches(local, config.reminder_hour)
                and jobs.last_reminder_day != today
            ):
                reminders.append(due)
            if config.leaderboard_enabled and config.leaderboard_channel is not None:
                boards.append(due)
                end = period_end(now, due.zone, config.leaderboard_day, config.leaderboard_hour)
                end_us = epoch_us(end)
                if jobs.last_recap_end is None:
                    # the bot starts counting here: a period that ended before it saw the
                    # guild (or before a leaderboard channel was set) gets no recap
                    first_seen.append((guild, end_us))
                elif jobs.last_recap_end < end_us:
                    since = period_start(
                        end, due.zone, config.leaderboard_day, config.leaderboard_hour
                    )
                    recaps.append((due, since, end))
        schedule = self.services.schedule
        try:
            done["settled"] = await self._settle_in_doubt(guilds, now)
        except Exception:
            log.exception("posts in doubt could not be settled; tried again next slot")
        await schedule.note_recaps(first_seen)
        for start in range(0, len(reminders), GUILD_BATCH):
            chunk = reminders[start : start + GUILD_BATCH]
            try:
                done["reminders"] += await self._remind_claimed(chunk, now)
            except Exception:
                # the chunk's reads failed: each guild alone, so one cannot stop the others
                log.exception("reminders of guilds %s failed; one by one", [d.guild for d in chunk])
                for d in chunk:
                    try:
                        done["reminders"] += await self._remind_claimed([d], now)
                    except Exception:
                        log.exception("reminders failed for guild %s", d.guild)
            await asyncio.sleep(0)
        for due, start_at, end_at in recaps:
            end_us = epoch_us(end_at)
            try:
                if not await schedule.claim_recap(due.guild, end_us, epoch_us(now)):
                    continue  # claimed by another run
                if await self.post_recap(due.guild, due.config, start_at, end_at):
                    done["recaps"] += 1
                await schedule.confirm_recap(due.guild, end_us)
            except Exception:
                log.exception("recap failed for guild %s", due.guild)
        for due in boards:
            try:
                if await self.refresh_board(due.guild, due.config, now):
                    done["boards"] += 1
            except Exception:
                log.exception("leaderboard post failed for guild %s", due.guild)
            await asyncio.sleep(0)
        return done

    # -- claims and posts in doubt ----------------------------------------------------------
    async def _remind_claimed(self, due: Sequence[DueGuild], now: datetime) -> int:
        """The slot's reminders: two reads for the whole chunk; then, CLAIM_GROUP guilds at
        a time, the digests of those where everyone takes the channel digest built (nothing
        is posted for that) and their reminders claimed in one write, each with its planned
        digest (a guild whose members chose DMs is planned after its claim: the DMs go out
        first), then per guild the posts and a confirmation. A guild with nothing at risk is
        simply marked served. One guild's failure leaves the others' reminders alone, but
        for a database error: then the rest of its group is not posted (it is in doubt).
        Returns the guilds done."""
        schedule = self.services.schedule
        pairs_by_guild = await self.reads.at_risk_pairs(
            [(d.guild, d.today, d.max_freezes, d.config.reminder_min_streak) for d in due]
        )
        idle = [d for d in due if not pairs_by_guild.get(d.guild)]
        busy = [d for d in due if pairs_by_guild.get(d.guild)]
        prefs = _prefs_by_guild(await self.reads.reminder_prefs(sorted(d.guild for d in busy)))
        done = 0
        try:
            await schedule.serve_without_post([(d.guild, d.today.isoformat()) for d in idle])
            done += len(idle)
        except Exception:
            # nothing to post for them: only their bookkeeping waits for the next slot
            log.exception("guilds %s could not be marked served", [d.guild for d in idle])
        for start in range(0, len(busy), CLAIM_GROUP):
            group = busy[start : start + CLAIM_GROUP]
            planned: dict[int, list[ReminderMessage] | None] = {}
            claims: list[tuple[int, str, str | None]] = []
            for d in group:
                messages = self._plain_digest(d, pairs_by_guild[d.guild], prefs.get(d.guild))
                planned[d.guild] = messages
                plan = None if messages is None else encode_plan(messages)
                claims.append((d.guild, d.today.isoformat(), plan))
            won, failed = await self._claim_reminders(claims, epoch_us(now))
            for d in group:
                if d.guild not in won:
                    if d.guild not in failed:
                        done += 1  # another run posted it (or is posting it)
                    continue
                day = d.today.isoformat()
                try:
                    sent = await self._remind(
                        d,
                        pairs_by_guild[d.guild],
                        prefs.get(d.guild, {}),
                        claim=day,
                        planned=planned[d.guild],
                        now=now,
                    )
                    await schedule.reminder_done(d.guild, day, sent)
                    done += 1
                except STORE_ERRORS:
                    # what is posted cannot be recorded: nothing more is posted on the
                    # group's claims (left in doubt: the next slot settles each, looking in
                    # its channel first, whichever process owns the guild then)
                    log.exception(
                        "reminders of guild %s could not be recorded; the rest of its claim "
                        "group is left to the next slot",
                        d.guild,
                    )
                    break
                except Exception:
                    # left in doubt: the next slot resumes it where it stopped
                    log.exception("reminders failed for guild %s", d.guild)
        return done

    async def _claim_reminders(
        self, claims: list[tuple[int, str, str | None]], claimed_us: int
    ) -> tuple[set[int], set[int]]:
        """Claim the reminders (guild, day, plan) together; when that fails, one by one, so
        one guild the database refuses leaves the others' claims alone. Returns the guilds
        claimed here and those whose claim failed."""
        schedule = self.services.schedule
        if not claims:
            return set(), set()
        try:
            return await schedule.claim_reminders(claims, claimed_us), set()
        except Exception:
            if len(claims) == 1:
                log.exception("the reminder of guild %s could not be claimed", claims[0][0])
                return set(), {claims[0][0]}
            log.exception(
                "the reminders of %d guilds could not be claimed: one by one", len(claims)
            )
        won: set[int] = set()
        failed: set[int] = set()
        for claim in claims:
            try:
                won |= await schedule.claim_reminders([claim], claimed_us)
            except Exception:
                log.exception("the reminder of guild %s could not be claimed", claim[0])
                failed.add(claim[0])
        return won, failed

    async def _settle_in_doubt(self, guilds: dict[int, DueGuild], now: datetime) -> int:
        """Reminders and recaps of this process's guilds that were claimed and never
        confirmed: posted now unless the channel shows they went out (then only the rest of
        a digest cut short is posted). A reminder whose day is over is given up. Returns how
        many were settled."""
        schedule = self.services.schedule
        settled = 0
        for item in await schedule.reminders_in_doubt():
            due = guilds.get(item.guild)
            if due is None and not self.owns(item.guild):
                continue
            try:
                await self._settle_reminder(item, due, now)
                settled += 1
            except Exception:
                log.exception("the reminder in doubt of guild %s could not be settled", item.guild)
                await self._settle_failed(item, "reminder")
        for item in await schedule.recaps_in_doubt():
            due = guilds.get(item.guild)
            if due is None and not self.owns(item.guild):
                continue
            try:
                await self._settle_recap(item, due, now)
                settled += 1
            except Exception:
                log.exception("the recap in doubt of guild %s could not be settled", item.guild)
                await self._settle_failed(item, "recap")
        return settled

    async def _settle_failed(self, item: InDoubt, kind: str) -> None:
        """Count a failed try (in the database); after MAX_SETTLE_TRIES it is given up."""
        schedule = self.services.schedule
        try:
            if item.tries + 1 < MAX_SETTLE_TRIES:
                if kind == "reminder":
                    await schedule.reminder_failed(item.guild, str(item.key))
                else:
                    await schedule.recap_failed(item.guild, int(item.key))
                return
            log.error(
                "the %s in doubt of guild %s is given up after %d failed tries",
                kind,
                item.guild,
                MAX_SETTLE_TRIES,
            )
            if kind == "reminder":
                await schedule.confirm_reminder(item.guild, str(item.key))
            else:
                await schedule.confirm_recap(item.guild, int(item.key))
        except Exception:
            log.exception("could not record the failed %s of guild %s", kind, item.guild)

    def _since(self, item: InDoubt, now: datetime) -> datetime:
        if item.claimed_us is None:
            return now - timedelta(days=1)
        return from_epoch_us(item.claimed_us) - LOOKBACK_MARGIN

    async def _settle_reminder(self, item: InDoubt, due: DueGuild | None, now: datetime) -> None:
        """A claimed digest that was never confirmed. Planned: resumed after the messages
        recorded as sent (the next one is looked for in the channel first: the process may
        have stopped between posting it and recording it). Not planned yet (the process
        stopped before any of it was posted): the reminder is done now, DMs included."""
        schedule = self.services.schedule
        day = str(item.key)
        channel = due.config.reminder_channel if due is not None else None
        if due is None or due.today.isoformat() != day or not due.config.reminders_enabled:
            await schedule.confirm_reminder(item.guild, day)  # its day is over: given up
            return
        sent = 0
        if item.plan is None:
            pairs = (
                await self.reads.at_risk_pairs(
                    [(due.guild, due.today, due.max_freezes, due.config.reminder_min_streak)]
                )
            ).get(due.guild)
            if pairs:
                prefs = _prefs_by_guild(await self.reads.reminder_prefs([due.guild]))
                sent = await self._remind(due, pairs, prefs.get(due.guild, {}), claim=day, now=now)
            log.info("the reminder of guild %s was in doubt, not begun: sent now", due.guild)
        elif channel is not None:
            messages = decode_plan(item.plan)
            sent = item.sent
            if item.sent < len(messages):
                posted = await self.poster.posted_since(
                    item.guild, channel, self._since(item, now), "reminder"
                )
                if posted is None:
                    log.warning(
                        "reminders of guild %s: the channel is unreadable, the rest of the "
                        "digest is posted from message %d",
                        due.guild,
                        item.sent + 1,
                    )
                sent = await self._post_digest(
                    due.guild,
                    channel,
                    messages,
                    start=item.sent,
                    skip=posted or (),
                    day=day,
                    now=now,
                )
                log.info(
                    "reminders of guild %s were in doubt: %d of %d messages had been posted, "
                    "the rest sent",
                    due.guild,
                    item.sent,
                    len(messages),
                )
        await schedule.reminder_done(item.guild, day, sent)

    async def _settle_recap(self, item: InDoubt, due: DueGuild | None, now: datetime) -> None:
        schedule = self.services.schedule
        end_us = int(item.key)
        config = due.config if due is not None else None
        channel = config.leaderboard_channel if config is not None else None
        if due is not None and config is not None and channel is not None:
            posted = await self.poster.posted_since(
                item.guild, channel, self._since(item, now), "recap"
            )
            if posted == []:
                end = from_epoch_us(end_us)
                since = period_start(end, due.zone, config.leaderboard_day, config.leaderboard_hour)
                await self.post_recap(item.guild, config, since, end)
                log.info("the recap of guild %s was in doubt and is posted now", item.guild)
        await schedule.confirm_recap(item.guild, end_us)

    # -- reminders ------------------------------------------------------------------------
    async def remind_guild(self, guild: int, config: GuildConfig, now: datetime) -> int:
        """Remind one guild now; returns the number of pairs reminded."""
        settings = await self.services.settings.settings(guild)
        due = DueGuild.build(guild, settings.to_json_dict(), config.model_dump(), now)
        return await self.remind_guilds([due], now)

    async def remind_guilds(self, due: Sequence[DueGuild], now: datetime) -> int:
        """Post the digests and send the DMs of several guilds: two queries for all of them."""
        pairs_by_guild = await self.reads.at_risk_pairs(
            [(d.guild, d.today, d.max_freezes, d.config.reminder_min_streak) for d in due]
        )
        prefs = _prefs_by_guild(await self.reads.reminder_prefs(sorted(pairs_by_guild)))
        reminded = 0
        for d in due:
            pairs = pairs_by_guild.get(d.guild)
            if not pairs:
                continue
            reminded += len(pairs)
            await self._remind(d, pairs, prefs.get(d.guild, {}))
        return reminded

    def _plain_digest(
        self,
        d: DueGuild,
        pairs: list[tuple[int, int, int, int]],
        prefs: dict[int, str] | None,
    ) -> list[ReminderMessage] | None:
        """The channel digest of a guild whose members all take it (no preferences), built
        without posting or sending anything (so it can be planned with the claim); empty
        without a reminder channel. None when some member chose otherwise: the DMs decide
        the digest, so it is built after the claim."""
        if prefs:
            return None
        if d.config.reminder_channel is None:
            return []
        return build_digest(pairs, _day_ends(d))

    async def _remind(
        self,
        d: DueGuild,
        pairs: list[tuple[int, int, int, int]],
        prefs: dict[int, str],
        *,
        claim: str | None = None,
        planned: list[ReminderMessage] | None = None,
        now: datetime | None = None,
    ) -> int:
        """The DMs, then the channel digest; `prefs`: the guild's members' preferences.
        `claim`: the claimed local day; the digest is then recorded with the claim before it
        is posted (`planned`: it was, with the claim itself), and each message as it is
        sent, so a process that stops half-way is resumed where it stopped. Returns how many
        digest messages went out (claimed), or were handed to the poster."""
        channel = d.config.reminder_channel
        messages = planned if planned is not None else self._plain_digest(d, pairs, prefs)
        if messages is None:
            digest = await self._with_preferences(d, pairs, prefs, _day_ends(d))
            messages = split_digest(digest) if channel is not None else []
        if not messages or channel is None:
            return 0
        if claim is None:
            await self.poster.post_reminders(d.guild, channel, messages)
            return len(messages)
        if planned is None:
            await self.services.schedule.plan_reminder(d.guild, claim, encode_plan(messages))
        return await self._post_digest(d.guild, channel, messages, day=claim, now=now)

    async def _post_digest(
        self,
        guild: int,
        channel: int,
        messages: Sequence[ReminderMessage],
        *,
        start: int = 0,
        skip: Collection[str] = (),
        day: str,
        now: datetime | None,
    ) -> int:
        """A claimed digest from message `start` on, one message at a time. Each message
        that went out but the last is recorded as sent with the claim (and when, on the
        slot's clock); the last is recorded by the confirmation that follows
        (`reminder_done`). A process that stops before that leaves a post in doubt whose
        settling looks in the channel for the message after the last one recorded: the
        same as when it stops between posting any message and recording it. Returns how
        many of the digest's messages went out (the `start` before included)."""
        began = time.monotonic()
        last = len(messages) - 1
        for index in range(start, len(messages)):
            one = [messages[index]]
            if skip:
                result = await self.poster.post_reminders(guild, channel, one, skip=skip)
            else:
                result = await self.poster.post_reminders(guild, channel, one)
            if result is False:
                return index  # posting failed (logged): the rest of the digest is given up
            if index < last:
                at = (now or datetime.now(UTC)) + timedelta(seconds=time.monotonic() - began)
                await self.services.schedule.reminder_sent(guild, day, index + 1, epoch_us(at))
        return len(messages)

    async def _with_preferences(
        self,
        d: DueGuild,
        pairs: list[tuple[int, int, int, int]],
        prefs: dict[int, str],
        day_ends: datetime,
    ) -> list[ReminderEntry]:
        """DMs for members who chose them (falling back to the digest when DMs are closed),
        nothing for `off`; returns the channel digest entries."""
        dm_entries: dict[int, list[ReminderEntry]] = {}
        hidden_pairs: set[tuple[int, int]] = set()
        for a, b, current, freezes in pairs:
            hidden = prefs.get(a) == "dm-hidden" or prefs.get(b) == "dm-hidden"
            if hidden:
                hidden_pairs.add((a, b))
            for u in (a, b):
                pref = prefs.get(u, "channel")
                # a pair with a member who is not public is never named in the channel:
                # both hear about it by DM instead
                if pref in ("dm", "dm-hidden") or (hidden and pref == "channel"):
                    entry = ReminderEntry(a, b, current, freezes, day_ends, ())
                    dm_entries.setdefault(u, []).append(entry)
        fallback: set[int] = set()
        for count, (user, entries) in enumerate(dm_entries.items()):
            if count:
                await asyncio.sleep(self.dm_interval)  # paced: never a burst of DMs
            if not await self.poster.dm_reminder(d.guild, user, entries):
                fallback.add(user)
        digest = []
        for a, b, current, freezes in pairs:
            if (a, b) in hidden_pairs:
                continue
            ping = tuple(u for u in (a, b) if prefs.get(u, "channel") == "channel" or u in fallback)
            if ping:
                digest.append(ReminderEntry(a, b, current, freezes, day_ends, ping))
        return digest

    # -- leaderboard and recap -----------------------------------------------------------
    async def board_page(self, guild: int, config: GuildConfig, now: datetime) -> BoardPage:
        """The first page of the guild's live board, public members only."""
        challenge = None
        if config.leaderboard_board == "challenge":
            live = [
                c for c in await self.services.challenges.all(guild) if c.state_at(now) == "active"
            ]
            challenge = live[0] if live else None
        return await self.reads.board(
            guild, config.leaderboard_board, 0, now, challenge, public_only=True
        )

    async def post_board(self, guild: int, config: GuildConfig, now: datetime) -> int | None:
        """Edit the live board in place (re-created when it was deleted); returns its id."""
        if config.leaderboard_channel is None:
            return None
        version = self.reads.pipeline.versions[guild]
        page = await self.board_page(guild, config, now)
        known = (await self.services.schedule.get(guild)).leaderboard_message
        message = await self.poster.post_board(guild, config.leaderboard_channel, page, known)
        if message is not None and message != known:
            await self.services.schedule.set_board_message(guild, message)
        self._boards[guild] = (page, message, now, version)
        return message

    async def refresh_board(self, guild: int, config: GuildConfig, now: datetime) -> bool:
        """Keep the live board current without needless work: it is read again only when
        the guild's data changed (or an hour passed: periods roll over, streaks expire) and
        edited only when what it shows changed; a deleted board is re-created then. After
        a restart a board that exists is left as it is until then. True when it was sent."""
        version = self.reads.pipeline.versions[guild]
        last = self._boards.get(guild)
        if last is None:
            known = (await self.services.schedule.get(guild)).leaderboard_message
            if known is not None:
                self._boards[guild] = (None, known, now, version)
                return False
        elif last[3] == version and now - last[2] < BOARD_REFRESH:
            return False
        elif last[0] is not None and last[1] is not None:
            page = await self.board_page(guild, config, now)
            if page == last[0]:
                self._boards[guild] = (page, last[1], now, version)
                return False
        return await self.post_board(guild, config, now) is not None

    async def post_recap(
        self, guild: int, config: GuildConfig, start: datetime, end: datetime
    ) -> bool:
        """Post the recap of the period [start, end) as a new message; an empty period posts
        nothing. True when a recap was posted."""
        if config.leaderboard_channel is None:
            return False
        recap = await self.reads.recap(guild, start, end)
        if recap.empty:
            return False
        await self.poster.post_recap(guild, config.leaderboard_channel, recap)
        return True

    # -- challenges -----------------------------------------------------------------------
    async def run_challenges(self, now: datetime) -> list[tuple[int, int, str]]:
        """Announce starts and close ends that are due; a missed end is executed once."""
        handled = []
        challenges = self.services.challenges
        for guild, challenge_id, phase in await challenges.due(now):
            if not self.owns(guild):
                continue  # another process's shard
            try:
                ch = await challenges.get(guild, challenge_id)
                if ch is None:
                    continue
                channel = (await self.services.settings.config(guild)).announcement_channel
                if phase == "start":
                    if not await challenges.claim_start(guild, challenge_id):
                        continue  # /challenge create announced it
                    if channel is not None:
                        await self.poster.announce_challenge(
                            guild, channel, ch, "start", None, None
                        )
                else:
                    result = await challenges.close(ch, now)
                    if result is not None and channel is not None:
                        outcome = await challenges.outcome(ch, result, now)
                        await self.poster.announce_challenge(
                            guild,
                            channel,
                            ch,
                            "end",
                            outcome.progress,
                            outcome.board,
                            unnamed=outcome.unnamed,
                        )
                handled.append((guild, challenge_id, phase))
            except Exception:
                log.exception("challenge %s/%s %s failed", guild, challenge_id, phase)
        return handled

    # -- authenticity review --------------------------------------------------------------
    async def run_reviews(self, now: datetime) -> int:
        """A review pass over every guild that has not turned reviews off (SPEC §10), the
        pure pass in a worker thread so the event loop keeps serving; new flags are posted
        to the guild's review channel when it has one. Returns the number of new flags."""
        found = 0
        for guild, settings, raw in await self.services.settings.all_configs():
            if not self.owns(guild) or settings.get("review_mode", "hold") == "off":
                continue
            try:
                new = await self.services.review.run_pass(guild, now, _in_thread)
            except Exception:
                log.exception("review pass failed for guild %s", guild)
                continue
            found += len(new)
            channel = GuildConfig.from_dict(raw).review_channel
            if new and channel is not None:
                queue = {q.flag.id: q for q in await self.services.review.queue(guild)}
                entries = [queue[f.id] for f in new if f.id in queue]
                await self.poster.post_review_flags(guild, channel, entries)
            await asyncio.sleep(0)
        return found

    # -- retention ------------------------------------------------------------------------
    async def prune(self, now: datetime, retention_days: int) -> int:
        """Raw interactions past retention, of every guild: a job of the whole installation,
        run by one process once a UTC day (the others find the day claimed)."""
        day = now.date().isoformat()
        async with self.services.schedule.global_once("retention", day, now) as mine:
            if not mine:
                return 0
            return await self.services.privacy.prune(now, retention_days)
