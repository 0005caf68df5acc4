"""The scheduled jobs' Poster, speaking Discord through REST (works before the gateway is up)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.domain.challenges import Challenge, Progress
from bot.images.cards import ChallengeImage, ChallengeRow
from bot.reads import BoardEntry, BoardPage, Recap
from bot.scheduling.jobs import ReminderEntry, ReminderMessage
from bot.services.review import QueueEntry
from cogs._cards import (
    BOARD_FILE,
    CHALLENGE_FILE,
    COMMUNITY,
    GOAL_WORDS,
    board_image,
    drawn,
    member_names,
)
from cogs._common import relative, user_tag
from cogs._ui import (
    REASON_TEXT,
    board_embed,
    challenge_cancel_embed,
    challenge_embed,
    challenge_end_embed,
    challenge_start_text,
    flag_embed,
    mention_chunks,
)
from cogs.scheduled._recap import recap_embed, recap_title
from cogs.scheduled._views import NudgeButton, nudge_label, unique_labels

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

DM_PACE = 0.25  # seconds between DMs about one challenge


REMINDER_HEADING = "⏳ **Streaks at risk today** — talk to each other before the day ends:"
RECAP_TITLES = ("📅 The day in review", "📅 The week in review")  # _recap.recap_title's
HISTORY_LOOKBACK = 500  # messages read when looking for a post in doubt


def reminder_text(entries: Sequence[ReminderEntry], start: int) -> str:
    lines = [REMINDER_HEADING]
    for number, e in enumerate(entries, start=start):
        freeze = " · " + "❄️" * e.freezes if e.freezes else ""
        lines.append(
            f"`{number}.` 🔥 **{e.current}** {user_tag(e.a)} & {user_tag(e.b)}"
            f"{freeze} · ends {relative(e.day_ends)}"
        )
    return "\n".join(lines)


FULL_FLAGS = 2  # flags posted with their evidence; more are listed a line each
SUMMARY_LINES = 20


def flag_summary_embed(flags: Sequence[QueueEntry]) -> discord.Embed:
    """Many new flags in one short embed: who, why, what is held."""
    lines = []
    for q in flags[:SUMMARY_LINES]:
        why = ", ".join(REASON_TEXT.get(r, r) for r in q.flag.reasons)
        held = f" · {q.held} points held" if q.flag.mode == "hold" else ""
        lines.append(f"{user_tag(q.flag.user)} · {why}{held}")
    if len(flags) > SUMMARY_LINES:
        lines.append(f"…and {len(flags) - SUMMARY_LINES} more")
    embed = discord.Embed(
        title="🚩 Authenticity review",
        description="\n".join(lines),
        colour=discord.Colour.from_rgb(220, 90, 70),
    )
    embed.set_footer(text="Each has its evidence in /mod review: approve or reject, audited.")
    return embed


class DiscordPoster:
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot

    async def posted_since(
        self, guild: int, channel: int, since: datetime, kind: str
    ) -> list[str] | None:
        """The bot's reminder texts or recap titles in the channel since `since` (a post in
        doubt after a process stopped); None when the channel cannot be read."""
        me = self.bot.user.id if self.bot.user is not None else self.bot.application_id
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        found: list[str] = []
        try:
            async for message in target.history(
                limit=HISTORY_LOOKBACK, after=since, oldest_first=True
            ):
                if message.author.id != me:
                    continue
                if kind == "reminder" and message.content.startswith(REMINDER_HEADING):
                    found.append(message.content)
                elif kind == "recap":
                    found.extend(str(e.title) for e in message.embeds if e.title in RECAP_TITLES)
        except discord.HTTPException as exc:
            log.warning("could not read %s/%s to settle a post in doubt: %s", guild, channel, exc)
            return None
        return found

    async def post_reminders(
        self,
        guild: int,
        channel: int,
        messages: Sequence[ReminderMessage],
        *,
        skip: Collection[str] = (),
    ) -> bool | None:
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        names = await self._display_names(
            guild, {u for m in messages for e in m.entries for u in (e.a, e.b)}
        )
        for message in messages:
            text = reminder_text(message.entries, message.first)
            if text in skip:  # posted before the process stopped
                continue
            view = discord.ui.View(timeout=None)
            labels = unique_labels(
                [
                    nudge_label(names.get(e.a, "member"), names.get(e.b, "member"))
                    for e in message.entries
                ]
            )
            for e, label in zip(message.entries, labels, strict=True):
                view.add_item(NudgeButton(e.a, e.b, label))
            mentions = discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(id=u) for u in message.pings]
            )
            try:
                await target.send(text, view=view, allowed_mentions=mentions)
            except discord.HTTPException as exc:
                log.warning("could not post reminders in %s/%s: %s", guild, channel, exc)
                return False
        return True

    async def _display_names(self, guild: int, users: set[int]) -> dict[int, str]:
        """Display names for the reminder buttons: the guild's cache, else one fetch each."""
        names: dict[int, str] = {}
        server = self.bot.get_guild(guild)
        for user in sorted(users):
            member = server.get_member(user) if server is not None else None
            if member is None and server is not None:
                try:
                    member = await server.fetch_member(user)
                except discord.HTTPException:
                    member = None
            if member is not None:
                names[user] = member.display_name
        return names

    async def dm_reminder(self, guild: int, user: int, entries: Sequence[ReminderEntry]) -> bool:
        name = getattr(self.bot.get_guild(guild), "name", "your server")
        lines = [f"⏳ Your streaks in **{name}** end today unless you talk:"]
        for e in entries:
            other = e.b if e.a == user else e.a
            lines.append(f"🔥 **{e.current}** with {user_tag(other)} · ends {relative(e.day_ends)}")
        try:
            target = self.bot.get_user(user) or await self.bot.fetch_user(user)
            await target.send("\n".join(lines), allowed_mentions=discord.AllowedMentions.none())
        except (discord.Forbidden, discord.NotFound):
            return False
        except discord.HTTPException as exc:
            log.warning("DM to %s failed: %s", user, exc)
            return False
        return True

    async def post_board(
        self, guild: int, channel: int, page: BoardPage, message_id: int | None
    ) -> int | None:
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        embed = board_embed(page)
        none = discord.AllowedMentions.none()
        if message_id is not None:
            try:
                await target.get_partial_message(message_id).edit(
                    embed=embed, allowed_mentions=none
                )
                return message_id
            except discord.NotFound:
                log.info("leaderboard message %s is gone; posting a new one", message_id)
            except discord.HTTPException as exc:
                log.warning("could not edit the leaderboard in %s: %s", guild, exc)
                return message_id
        try:
            message = await target.send(embed=embed, allowed_mentions=none)
        except discord.HTTPException as exc:
            log.warning("could not post the leaderboard in %s: %s", guild, exc)
            return None
        try:
            await message.pin(reason="Kindling leaderboard")
        except discord.HTTPException:
            log.info("could not pin the leaderboard in %s (needs Manage Messages)", guild)
        return message.id

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
        """`start`; `end`: one results post (`progress.completed` may be named, `unnamed`
        more completed it, `board` is the final board); `cancel`: the post mentions the
        `mention` participants and the `dm` ones are told by DM (all of them without a
        channel)."""
        none = discord.AllowedMentions.none()
        if phase == "cancel":
            await self._announce_cancel(guild, channel, challenge, reason, mention, dm)
            return
        if channel is None:
            return
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        try:
            if phase == "start":
                embed = challenge_embed(challenge, self.bot.clock.now(), None)
                await target.send(
                    challenge_start_text(challenge), embed=embed, allowed_mentions=none
                )
            else:
                result = progress or Progress({}, [], 0)
                embed = challenge_end_embed(challenge, result, board, unnamed)
                picture = await self._challenge_picture(guild, challenge, result, board)
                files = [picture] if picture is not None else []
                if picture is not None:  # the final standings as a picture too
                    embed.set_image(url=f"attachment://{CHALLENGE_FILE}")
                await target.send(embed=embed, files=files, allowed_mentions=none)
        except discord.HTTPException as exc:
            log.warning("could not announce challenge %s in %s: %s", challenge.id, guild, exc)

    async def _announce_cancel(
        self,
        guild: int,
        channel: int | None,
        challenge: Challenge,
        reason: str,
        mention: Sequence[int],
        dm: Sequence[int],
    ) -> None:
        embed = challenge_cancel_embed(challenge, reason)
        private = list(dm)
        if channel is None:
            private = sorted({*mention, *dm})
        else:
            target = self.bot.get_partial_messageable(channel, guild_id=guild)
            head = "Heads-up for everyone who joined:" if mention else ""
            chunks = mention_chunks(list(mention), head) or [("", [])]
            try:
                for number, (text, users) in enumerate(chunks):
                    pings = discord.AllowedMentions(
                        everyone=False, roles=False, users=[discord.Object(id=u) for u in users]
                    )
                    if number == 0:
                        await target.send(text or None, embed=embed, allowed_mentions=pings)
                    else:
                        await target.send(text, allowed_mentions=pings)
            except discord.HTTPException as exc:
                log.warning(
                    "could not announce the cancel of %s in %s: %s", challenge.id, guild, exc
                )
                private = sorted({*mention, *dm})  # the post failed: tell them all by DM
        name = getattr(self.bot.get_guild(guild), "name", "your server")
        for count, user in enumerate(private):
            if count:
                await asyncio.sleep(DM_PACE)  # paced: never a burst of DMs
            try:
                target_user = self.bot.get_user(user) or await self.bot.fetch_user(user)
                await target_user.send(
                    f"A challenge you joined in **{name}** was cancelled.",
                    embed=embed,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.HTTPException as exc:
                log.info("could not tell %s of the cancel of %s: %s", user, challenge.id, exc)

    async def post_review_flags(
        self, guild: int, channel: int, flags: Sequence[QueueEntry]
    ) -> None:
        """New flags for the moderators' review channel: pings nobody; decided in /mod review."""
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        if len(flags) <= FULL_FLAGS:
            embeds = [
                flag_embed(
                    q.flag.user, q.flag.reasons, q.flag.evidence, q.held, q.flag.mode, q.flag.since
                )
                for q in flags
            ]
        else:  # several at once (a ring): one line each, the evidence is in /mod review
            embeds = [flag_summary_embed(flags)]
        count = f"{len(flags)} new authenticity flag{'s' if len(flags) != 1 else ''}"
        try:
            await target.send(
                f"🚩 {count}. Decide in `/mod review`.",
                embeds=embeds,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not post review flags in %s/%s: %s", guild, channel, exc)

    async def post_recap(self, guild: int, channel: int, recap: Recap) -> None:
        """The completed period's recap, as a new message (an edit notifies nobody)."""
        target = self.bot.get_partial_messageable(channel, guild_id=guild)
        embed = recap_embed(recap)
        files = []
        picture = await self._recap_picture(guild, recap)
        if picture is not None:  # the top members as a picture; the fields keep the text
            embed.set_image(url=f"attachment://{BOARD_FILE}")
            files.append(picture)
        try:
            await target.send(
                f"{recap_title(recap)} is here.",
                embed=embed,
                files=files,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not post the recap in %s/%s: %s", guild, channel, exc)

    async def _challenge_picture(
        self, guild: int, challenge: Challenge, result: Progress, board: BoardPage | None
    ) -> discord.File | None:
        """The results as a challenge image: the server's total for a community goal, else
        the top of the final board (public members only, as the post itself)."""
        if challenge.goal == COMMUNITY:
            rows: tuple[ChallengeRow, ...] = (
                ChallengeRow("Whole server", result.total, result.total >= challenge.target),
            )
        else:
            name_of = member_names(self.bot.get_guild(guild))
            done = set(result.completed)

            entries = board.entries[:8] if board is not None else []
            rows = tuple(
                ChallengeRow(name_of(e.users[0]), e.value, e.users[0] in done) for e in entries
            )
            if not rows:
                return None
        goal = GOAL_WORDS.get(challenge.goal, challenge.goal)
        image = ChallengeImage(challenge.name, goal, challenge.target, rows, "Final standings")
        png = await drawn(self.bot.renderer.challenge(image), "challenge results")
        return None if png is None else discord.File(io.BytesIO(png), filename=CHALLENGE_FILE)

    async def _recap_picture(self, guild: int, recap: Recap) -> discord.File | None:
        """The recap's top members as a leaderboard image (public members only, as the
        recap itself), or None when there is nobody or it cannot be drawn in time."""
        if not recap.members:
            return None
        points = [p for _, p in recap.members]
        entries = [
            BoardEntry(1 + sum(1 for other in points if other > p), (u,), p)
            for u, p in recap.members
        ]
        page = BoardPage("weekly", entries, 0, False, f"{recap_title(recap)[2:]}: top members")
        name_of = member_names(self.bot.get_guild(guild))
        png = await drawn(
            self.bot.renderer.board(board_image(page, name_of, ("point", "points"))), "recap"
        )
        return None if png is None else discord.File(io.BytesIO(png), filename=BOARD_FILE)
