"""/challenge list|info|join|leave (members) and create|edit|end|cancel (moderators)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.challenges import MAX_DURATION, Challenge, Progress, validate_challenge_fields
from bot.domain.errors import DomainError
from bot.domain.timeparse import parse_duration
from bot.domain.when import HORIZON, describe_local, parse_moment, parse_start, shown_text
from bot.scheduling.jobs import Poster
from cogs._cards import challenge_card_file, member_names
from cogs._common import BRAND, OK, guild_of, kbot, moderator_only, relative, sentence
from cogs._ui import (
    challenge_embed,
    challenge_end_embed,
    challenge_saved_embed,
    plural,
)

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)

Goal = Literal["community_interactions", "pair_streak", "distinct_partners", "points"]


async def challenge_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    challenges = await kbot(interaction).services.challenges.all(interaction.guild_id)
    needle = current.lower()
    hits = [
        c
        for c in sorted(challenges, key=lambda c: -c.id)
        if needle in c.name.lower() or needle == str(c.id)
    ]
    return [app_commands.Choice(name=f"#{c.id} {c.name}"[:100], value=c.id) for c in hits[:25]]


START_EXAMPLES = ("now", "in 1h", "tomorrow 18:00", "friday 18:00", "next monday 9:00")


async def start_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """What the typed start means, in server time, and a few examples that parse."""
    if interaction.guild_id is None:
        return []
    bot = kbot(interaction)
    zone = (await bot.services.settings.settings(interaction.guild_id)).zone
    now = bot.clock.now()
    typed = current.strip()[:100]
    texts = [typed] if typed else []
    texts += [e for e in START_EXAMPLES if e.startswith(typed.lower()) and e != typed.lower()]
    if len(texts) <= 1:
        texts += [e for e in START_EXAMPLES if e not in texts]
    choices = []
    for text in texts:
        try:
            when = parse_start(text, now, zone)
        except DomainError:
            continue
        label = f"{text} → {describe_local(when, zone)} (server time)"
        choices.append(app_commands.Choice(name=label[:100], value=text))
    return choices[:25]


def challenge_length(duration: str | None) -> timedelta | None:
    """A duration a moderator typed: a clear error when it is not one or is too long."""
    if duration is None:
        return None
    try:
        length = parse_duration(duration)
    except DomainError:
        raise DomainError(
            f"`{shown_text(duration)}` is not a duration. Use e.g. `7d`, `36h` or `1w 2d`."
        ) from None
    if length > MAX_DURATION:
        raise DomainError(
            f"`{shown_text(duration)}` is too long: a challenge lasts at most "
            f"{MAX_DURATION.days} days."
        )
    return length


def challenge_end(
    begins: datetime, end: str | None, length: timedelta | None, zone: ZoneInfo, now: datetime
) -> datetime:
    """The end from either an end time or a duration (exactly one of them)."""
    if end and length is not None:
        raise DomainError("Give either an end or a duration, not both.")
    if end:
        return parse_moment(end, now, zone, HORIZON + MAX_DURATION)
    if length is not None:
        return begins + length
    raise DomainError("Give an end (e.g. `friday 18:00`) or a duration (e.g. `7d`).")


@app_commands.guild_only()
class ChallengeCog(
    commands.GroupCog,
    group_name="challenge",
    group_description="Time-limited challenges with boosted rewards",
):
    def __init__(self, bot: KindlingBot) -> None:
        self.bot = bot
        super().__init__()

    async def _get(self, guild: int, challenge_id: int | None) -> Challenge:
        service = self.bot.services.challenges
        if challenge_id is None:
            now = self.bot.clock.now()
            live = [
                c for c in await service.all(guild) if c.state_at(now) in ("active", "scheduled")
            ]
            if not live:
                raise DomainError("No challenge is running. See `/challenge list`.")
            return min(live, key=lambda c: c.starts)
        ch = await service.get(guild, challenge_id)
        if ch is None:
            raise DomainError(f"There is no challenge #{challenge_id}. See `/challenge list`.")
        return ch

    # -- members ----------------------------------------------------------------------------
    @app_commands.command(name="list", description="Challenges running, coming up and past")
    async def list_(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        challenges = await self.bot.services.challenges.all(guild)
        now = self.bot.clock.now()
        embed = discord.Embed(title="🏁 Challenges", colour=BRAND)
        groups: dict[str, list[str]] = {"active": [], "scheduled": [], "ended": []}
        for ch in sorted(challenges, key=lambda c: c.starts, reverse=True):
            st = ch.state_at(now)
            if st == "cancelled":
                continue
            when = relative(ch.ends if st != "scheduled" else ch.starts)
            groups[st].append(f"`#{ch.id}` **{ch.name}** · {when}")
        for title, key in (("Running", "active"), ("Coming up", "scheduled"), ("Past", "ended")):
            if groups[key]:
                embed.add_field(name=title, value="\n".join(groups[key][:10]), inline=False)
        if not any(groups.values()):
            embed.description = (
                "No challenges yet. Moderators can start one with `/challenge create`."
            )
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="info", description="A challenge's goal, progress and time left")
    @app_commands.describe(challenge="Which challenge (default: the running one)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def info(self, interaction: discord.Interaction, challenge: int | None = None) -> None:
        guild = guild_of(interaction)
        ch = await self._get(guild, challenge)
        now = self.bot.clock.now()
        await interaction.response.defer()  # progress reads the whole window
        progress = await self.bot.services.challenges.progress(ch, now)
        embed = challenge_embed(ch, now, progress, interaction.user.id)
        picture = await self._progress_picture(interaction, ch, now, progress)
        if picture is not None:  # the picture shows inside the embed; the text stays
            embed.set_image(url=f"attachment://{picture.filename}")
        files = [picture] if picture is not None else []
        await interaction.followup.send(embed=embed, files=files)

    async def _progress_picture(
        self, interaction: discord.Interaction, ch: Challenge, now: datetime, progress: Progress
    ) -> discord.File | None:
        """`challenge.png` of a running or ended challenge: the server's total for a
        community goal, else the leaders (private and opted-out members left out, as on
        `/leaderboard board:challenge`). None before it starts, when nobody has progress yet,
        or when the viewer chose text-only cards."""
        if ch.state_at(now) not in ("active", "ended"):
            return None
        guild = guild_of(interaction)
        if ch.goal != "community_interactions":
            hidden = set(await self.bot.reads.hidden(guild))
            shown = {u: v for u, v in progress.per_member.items() if u not in hidden}
            if not shown:
                return None
            done = [u for u in progress.completed if u not in hidden]
            progress = Progress(shown, done, progress.total)
        state = "Final standings" if ch.state_at(now) == "ended" else "Live progress"
        return await challenge_card_file(
            self.bot,
            guild,
            interaction.user.id,
            ch,
            progress,
            member_names(interaction.guild),
            state,
        )

    @app_commands.command(name="join", description="Join a challenge")
    @app_commands.describe(challenge="Which challenge (default: the running one)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def join(self, interaction: discord.Interaction, challenge: int | None = None) -> None:
        guild = guild_of(interaction)
        ch = await self._get(guild, challenge)
        now = self.bot.clock.now()
        if ch.state_at(now) not in ("scheduled", "active"):
            raise DomainError(f"**{ch.name}** is {ch.state_at(now)}; you can't join it now.")
        if not await self.bot.services.challenges.join(guild, ch.id, interaction.user.id, now):
            raise DomainError(f"You're already in **{ch.name}**.")
        await interaction.response.send_message(
            embed=discord.Embed(description=f"You joined **{ch.name}**. Good luck! 🔥", colour=OK),
            ephemeral=True,
        )

    @app_commands.command(name="leave", description="Leave a challenge")
    @app_commands.describe(challenge="Which challenge (default: the running one)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def leave(self, interaction: discord.Interaction, challenge: int | None = None) -> None:
        guild = guild_of(interaction)
        ch = await self._get(guild, challenge)
        if not await self.bot.services.challenges.leave(
            guild, ch.id, interaction.user.id, self.bot.clock.now()
        ):
            raise DomainError(f"You're not in **{ch.name}**.")
        await interaction.response.send_message(
            embed=discord.Embed(description=f"You left **{ch.name}**.", colour=OK), ephemeral=True
        )

    # -- moderators -------------------------------------------------------------------------
    def _poster(self) -> Poster | None:
        """The scheduled jobs' way of posting (None while the scheduled cog is not loaded)."""
        jobs = self.bot.jobs
        return jobs.poster if jobs is not None else None

    @app_commands.command(name="create", description="Moderators: start a new challenge")
    @app_commands.describe(
        name="Name (at most 80 characters)",
        goal="What counts",
        target="How much completes it",
        start="When it starts, server time: now, in 2h, tomorrow 18:00, friday, dec 24 6pm",
        end="When it ends, e.g. friday 18:00 (or give a duration)",
        duration="How long, e.g. 7d or 36h (or give an end)",
        multiplier="Points multiplier while it runs, 1.0-5.0",
        join_required="Must members join to take part?",
        description="Shown in /challenge info",
    )
    @app_commands.autocomplete(start=start_autocomplete)
    @moderator_only()
    async def create(
        self,
        interaction: discord.Interaction,
        name: str,
        goal: Goal,
        target: app_commands.Range[int, 1, 1_000_000],
        start: app_commands.Range[str, 1, 100] = "now",
        end: app_commands.Range[str, 1, 100] | None = None,
        duration: app_commands.Range[str, 1, 40] | None = None,
        multiplier: app_commands.Range[float, 1.0, 5.0] = 1.0,
        join_required: bool = True,
        description: app_commands.Range[str, 0, 500] = "",
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        now = bot.clock.now()
        settings = await bot.services.settings.settings(guild)
        length = challenge_length(duration)
        begins = parse_start(start, now, settings.zone)
        ends = challenge_end(begins, end, length, settings.zone, now)
        clean = discord.utils.escape_mentions(name.strip())
        problems = validate_challenge_fields(clean, goal, target, begins, ends, multiplier)
        if problems:
            raise DomainError(sentence("; ".join(problems)))
        channel = (await bot.services.settings.config(guild)).announcement_channel
        poster = self._poster()
        announce_now = begins <= now and channel is not None and poster is not None
        ch = Challenge(
            guild=guild,
            id=0,  # the service gives the next id
            name=clean,
            goal=goal,
            target=target,
            starts=begins,
            ends=ends,
            multiplier=float(multiplier),
            join_required=join_required,
            description=discord.utils.escape_mentions(description),
        )
        ch = await bot.services.challenges.create(
            ch, interaction.user.id, now, announced=announce_now
        )
        await interaction.response.send_message(
            embed=challenge_saved_embed(ch, now, f"✅ {ch.name} created", channel, announce_now),
            ephemeral=True,
        )
        if announce_now and poster is not None and channel is not None:
            await poster.announce_challenge(guild, channel, ch, "start", None, None)

    @app_commands.command(
        name="edit", description="Moderators: change a challenge before it starts"
    )
    @app_commands.describe(
        challenge="Which challenge",
        name="New name",
        target="New target",
        start="New start, server time: now, in 2h, tomorrow 18:00, friday, dec 24 6pm",
        end="New end, e.g. friday 18:00",
        duration="New length, e.g. 7d",
        multiplier="New multiplier 1.0-5.0",
        description="New description",
    )
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @app_commands.autocomplete(start=start_autocomplete)
    @moderator_only()
    async def edit(
        self,
        interaction: discord.Interaction,
        challenge: int,
        name: str | None = None,
        target: app_commands.Range[int, 1, 1_000_000] | None = None,
        start: app_commands.Range[str, 1, 100] | None = None,
        end: app_commands.Range[str, 1, 100] | None = None,
        duration: app_commands.Range[str, 1, 40] | None = None,
        multiplier: app_commands.Range[float, 1.0, 5.0] | None = None,
        description: app_commands.Range[str, 0, 500] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        now = bot.clock.now()
        ch = await self._get(guild, challenge)
        if ch.state_at(now) != "scheduled":
            raise DomainError(
                f"**{ch.name}** has started; it can be ended or cancelled, not edited."
            )
        settings = await bot.services.settings.settings(guild)
        length = challenge_length(duration)
        begins = parse_start(start, now, settings.zone) if start else ch.starts
        if end or length is not None:
            ends = challenge_end(begins, end, length, settings.zone, now)
        else:
            ends = begins + (ch.ends - ch.starts)
        new = replace(
            ch,
            name=discord.utils.escape_mentions(name.strip()) if name else ch.name,
            target=target or ch.target,
            starts=begins,
            ends=ends,
            multiplier=float(multiplier) if multiplier is not None else ch.multiplier,
            description=discord.utils.escape_mentions(description)
            if description is not None
            else ch.description,
        )
        problems = validate_challenge_fields(
            new.name, new.goal, new.target, new.starts, new.ends, new.multiplier
        )
        if problems:
            raise DomainError(sentence("; ".join(problems)))
        new = await bot.services.challenges.save(new, interaction.user.id, "challenge.edit", now)
        channel = (await bot.services.settings.config(guild)).announcement_channel
        await interaction.response.send_message(
            embed=challenge_saved_embed(new, now, f"✏️ {new.name} updated", channel, False),
            ephemeral=True,
        )

    @app_commands.command(name="end", description="Moderators: end a challenge now and award it")
    @app_commands.describe(challenge="Which challenge")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @moderator_only()
    async def end(self, interaction: discord.Interaction, challenge: int) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        now = bot.clock.now()
        ch = await self._get(guild, challenge)
        if ch.state_at(now) != "active":
            raise DomainError(
                f"**{ch.name}** is {ch.state_at(now)}; only a running challenge can be ended."
            )
        await interaction.response.defer(ephemeral=True)  # closing reads the whole window
        service = bot.services.challenges
        ended, result = await service.end_now(ch, interaction.user.id, now)
        if result is None:  # the scheduled job closed it a moment ago, and posted the results
            await interaction.followup.send(
                embed=discord.Embed(description=f"**{ch.name}** has ended already.", colour=OK),
                ephemeral=True,
            )
            return
        outcome = await service.outcome(ended, result, now)
        channel = (await bot.services.settings.config(guild)).announcement_channel
        poster = self._poster()
        if channel is not None and poster is not None:
            await poster.announce_challenge(
                guild,
                channel,
                ended,
                "end",
                outcome.progress,
                outcome.board,
                unnamed=outcome.unnamed,
            )
            count = len(result.completed)
            done = f"{plural(count, 'member', 'members')} completed it" if count else "nobody"
            await interaction.followup.send(
                embed=discord.Embed(
                    description=f"🏁 **{ended.name}** has ended: {done}. "
                    f"The results are posted in <#{channel}>.",
                    colour=OK,
                ),
                ephemeral=True,
            )
            return
        embed = challenge_end_embed(ended, outcome.progress, outcome.board, outcome.unnamed)
        await interaction.followup.send(
            "No announcement channel is set, so only you see these results. "
            "Set one with `/settings channels announcements:`.",
            embed=embed,
            ephemeral=True,
        )

    @app_commands.command(name="cancel", description="Moderators: cancel a challenge, no awards")
    @app_commands.describe(challenge="Which challenge", reason="Why (told to everyone who joined)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @moderator_only()
    async def cancel(
        self,
        interaction: discord.Interaction,
        challenge: int,
        reason: app_commands.Range[str, 0, 200] = "",
    ) -> None:
        guild = guild_of(interaction)
        bot = self.bot
        now = bot.clock.now()
        ch = await self._get(guild, challenge)
        if ch.state_at(now) in ("ended", "cancelled"):
            raise DomainError(f"**{ch.name}** is already {ch.state_at(now)}.")
        why = discord.utils.escape_mentions(reason.strip())
        service = bot.services.challenges
        cancelled = await service.cancel(ch, interaction.user.id, now, why)
        mention, dm = await service.audience(cancelled)
        channel = (await bot.services.settings.config(guild)).announcement_channel
        poster = self._poster()
        count = len(mention) + len(dm)
        who = f"the {plural(count, 'member', 'members')} who joined {'is' if count == 1 else 'are'}"
        if poster is None:
            told = "Nobody could be told: the bot's posting is not running."
        elif channel is None:
            told = f"No announcement channel is set: {who} told by DM." if count else ""
        else:
            told = f"Announced in <#{channel}>" + (f"; {who} told." if count else ".")
        await interaction.response.send_message(
            embed=discord.Embed(
                description=f"❌ Cancelled **{ch.name}**: nothing is awarded. {told}",
                colour=OK,
            ),
            ephemeral=True,
        )
        if poster is not None:
            await poster.announce_challenge(
                guild, channel, cancelled, "cancel", None, None, reason=why, mention=mention, dm=dm
            )
