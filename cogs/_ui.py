"""UI shared by the cogs: pagers, the visibility check, and the embeds that both commands and
scheduled posts show (leaderboard pages, challenges). Cogs import this, never each other."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

import discord

from bot.domain.challenges import Challenge, Progress
from bot.domain.errors import DomainError
from bot.reads import BoardPage
from cogs._common import BRAND, guild_of, kbot, relative, user_tag

# -- paging ---------------------------------------------------------------------------------
PageRenderer = Callable[[int], Awaitable[tuple[discord.Embed, bool]]]
"""Renders page n; returns the embed and whether a next page exists."""


class OwnedView(discord.ui.View):
    """Buttons only their owner may press (others are told so, ephemerally), disabled when
    the view times out."""

    refusal = "Only the person who opened this can use its buttons."

    def __init__(self, owner: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner = owner
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(self.refusal, ephemeral=True)
            return False
        return True

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass  # the message is gone or no longer editable: nothing left to stop


class PagerView(OwnedView):
    live: ClassVar[weakref.WeakSet[PagerView]] = weakref.WeakSet()
    refusal = (
        "Only the person who opened this leaderboard can turn its pages. "
        "Run `/leaderboard` to get your own."
    )

    @classmethod
    def stop_all(cls) -> None:
        """Stop every pager still waiting for presses (on cog unload / bot close)."""
        for view in list(cls.live):
            view.stop()

    def __init__(
        self, owner: int, page: int, has_next: bool, render: PageRenderer, timeout: float = 180
    ) -> None:
        super().__init__(owner, timeout)
        PagerView.live.add(self)
        self.page = page
        self.has_next = has_next
        self.render = render
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.prev_page.disabled = self.page <= 0
        self.next_page.disabled = not self.has_next

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        embed, has_next = await self.render(page)
        self.page, self.has_next = page, has_next
        self._sync_buttons()
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary)
    async def prev_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]
    ) -> None:
        await self._show(interaction, max(0, self.page - 1))

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]
    ) -> None:
        await self._show(interaction, self.page + 1 if self.has_next else self.page)


# -- who may be looked at -------------------------------------------------------------------
async def check_visible(interaction: discord.Interaction, member: discord.abc.User) -> None:
    """Others' private stats are refused; opted-out members are not tracked."""
    bot = kbot(interaction)
    row = await bot.reads.member(guild_of(interaction), member.id)
    if member.bot:
        raise DomainError(f"{member.display_name} is a bot; bots don't have streaks.")
    if row.opted_out:
        raise DomainError(f"{member.display_name} has opted out of tracking.")
    if member.id != interaction.user.id and row.visibility == "private":
        raise DomainError(f"{member.display_name} keeps their stats private.")


# -- leaderboard pages ----------------------------------------------------------------------
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
UNITS = {
    "streaks": "days",
    "best": "days",
    "reputation": "rep",
    "weekly": "pts",
    "monthly": "pts",
    "challenge": "",
}


def board_embed(page: BoardPage, own: tuple[int, int] | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"🏆 {page.title}", colour=BRAND)
    unit = UNITS.get(page.board, "")
    lines = []
    for entry in page.entries:
        who = " & ".join(user_tag(u) for u in entry.users)
        marker = MEDALS.get(entry.rank, f"`#{entry.rank}`")
        flame = "🔥 " if page.board in ("streaks", "best") else ""
        lines.append(f"{marker} {who} — {flame}**{entry.value}** {unit} {entry.detail}".rstrip())
    embed.description = "\n".join(lines) if lines else "Nobody on this board yet."
    footer = f"Page {page.page + 1}"
    if own is not None:
        footer += f" · You: #{own[0]} ({own[1]} {unit})".rstrip()
    embed.set_footer(text=footer)
    return embed


# -- challenges -----------------------------------------------------------------------------
GOAL_TEXT = {
    "community_interactions": "interactions by the whole server",
    "pair_streak": "days in a row with one partner",
    "distinct_partners": "different partners (both ways)",
    "points": "points earned",
}


def progress_bar(value: int, target: int, width: int = 16) -> str:
    filled = min(width, value * width // target) if target > 0 else width
    return "█" * filled + "░" * (width - filled)


def challenge_embed(
    ch: Challenge, now: datetime, progress: Progress | None, viewer: int | None = None
) -> discord.Embed:
    state = ch.state_at(now)
    embed = discord.Embed(title=f"🏁 {ch.name}", colour=BRAND, description=ch.description or None)
    embed.add_field(name="Goal", value=f"{ch.target} {GOAL_TEXT.get(ch.goal, ch.goal)}")
    embed.add_field(name="State", value=state)
    if state == "scheduled":
        embed.add_field(name="Starts", value=relative(ch.starts))
    elif state == "active":
        embed.add_field(name="Ends", value=relative(ch.ends))
    if ch.multiplier > 1:
        embed.add_field(name="Bonus", value=f"×{ch.multiplier:g} points while it runs")
    embed.add_field(
        name="Joining",
        value="required (`/challenge join`)" if ch.join_required else "everyone takes part",
    )
    if progress is not None and state in ("active", "ended"):
        if ch.goal == "community_interactions":
            embed.add_field(
                name="Progress",
                inline=False,
                value=f"`{progress_bar(progress.total, ch.target)}` {progress.total}/{ch.target}",
            )
        elif viewer is not None:
            mine = progress.per_member.get(viewer, 0)
            embed.add_field(
                name="Your progress",
                inline=False,
                value=f"`{progress_bar(mine, ch.target)}` {mine}/{ch.target}",
            )
        if progress.completed:
            shown = " ".join(user_tag(u) for u in progress.completed[:20])
            more = len(progress.completed) - 20
            embed.add_field(
                name=f"Completed ({len(progress.completed)})",
                inline=False,
                value=shown + (f" and {more} more" if more > 0 else ""),
            )
    embed.set_footer(text=f"Challenge #{ch.id} · {len(ch.participants)} joined")
    return embed


# -- authenticity review ---------------------------------------------------------------------
REASON_TEXT = {
    "shared_text": "shared text",
    "regular_timing": "machine-regular timing",
    "closed_cluster": "closed cluster",
    "new_accounts": "new account",
    "kudos_ring": "kudos circle",
    "other": "other",
}


def _people(users: list[int], limit: int = 6) -> str:
    shown = ", ".join(user_tag(u) for u in users[:limit])
    return shown + (f" +{len(users) - limit}" if len(users) > limit else "")


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """The evidence of a flag in brief: which partners, sample texts, timing."""
    lines = []
    if (ev := evidence.get("shared_text")) is not None:
        sample = (
            f" e.g. “{discord.utils.escape_markdown(ev['samples'][0])}”"
            if ev.get("samples")
            else ""
        )
        lines.append(
            f"📝 {ev['shared']} of {ev['messages']} longer messages also sent by "
            f"{_people(ev.get('with', []))}.{sample}"
        )
    if (ev := evidence.get("regular_timing")) is not None:
        lines.append(
            f"⏱️ {ev['gaps']} gaps, median {ev['median_gap_s']} s, variation {ev['cv']}, "
            f"{round(100 * ev['under_cooldown'])}% faster than the cooldown."
        )
    if (ev := evidence.get("closed_cluster")) is not None:
        members = ev.get("members", [])
        lines.append(
            f"🔒 A group of {len(members)} ({_people(members)}): "
            f"{round(100 * ev['conductance'])}% of their interactions leave it."
        )
    if (ev := evidence.get("new_accounts")) is not None:
        when = ev.get("joined") or ev.get("created")
        if when:
            lines.append(f"🆕 Joined {relative(datetime.fromisoformat(when))}.")
    if (ev := evidence.get("kudos_ring")) is not None:
        lines.append(
            f"💛 Kudos circle {_people(ev.get('circle', []))}: gave {ev['given']}, "
            f"received {ev['received']} inside it."
        )
    return lines


def flag_embed(
    user: int,
    reasons: tuple[str, ...],
    evidence: dict[str, Any],
    held: int,
    mode: str,
    since: datetime,
    position: str = "",
) -> discord.Embed:
    embed = discord.Embed(
        title="🚩 Authenticity review" + (f" · {position}" if position else ""),
        colour=discord.Colour.from_rgb(220, 90, 70),
    )
    held_text = (
        f"**{held}** points held until you decide (earned since <t:{int(since.timestamp())}:d>)."
        if mode == "hold"
        else "Flag only: nothing is held."
    )
    embed.description = (
        f"{user_tag(user)} looks coordinated or automated: "
        f"{', '.join(REASON_TEXT.get(r, r) for r in reasons)}.\n{held_text}"
    )
    lines = evidence_lines(evidence)
    if lines:
        embed.add_field(name="Evidence", value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text="Approve releases held points; reject voids them. Both are audited.")
    return embed
