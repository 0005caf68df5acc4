"""/mod review: one flag at a time with Approve, Reject and Next (the invoker's buttons)."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

import discord

from bot.domain.badges import BUILTIN_BADGES
from bot.services.moderation import Restored
from bot.services.review import QueueEntry
from cogs._common import OK
from cogs._ui import OwnedView, flag_embed

if TYPE_CHECKING:
    from bot.app import KindlingBot

log = logging.getLogger(__name__)


def entry_embed(entry: QueueEntry, position: str) -> discord.Embed:
    f = entry.flag
    return flag_embed(f.user, f.reasons, f.evidence, entry.held, f.mode, f.since, position)


class ReviewView(OwnedView):
    failure = "That didn't work. Open `/mod review` again."
    refusal = (
        "Only the moderator who opened this queue can use its buttons. "
        "Run `/mod review` to open your own."
    )

    def __init__(self, bot: KindlingBot, guild: int, owner: int, entries: list[QueueEntry]) -> None:
        super().__init__(owner, timeout=600)
        self.bot = bot
        self.guild = guild
        self.entries = entries
        self.index = 0
        self._sync()

    def current_embed(self) -> discord.Embed:
        if not self.entries:
            return discord.Embed(
                description="✅ The review queue is empty: nobody is waiting for a decision.",
                colour=OK,
            )
        return entry_embed(self.entries[self.index], f"{self.index + 1}/{len(self.entries)}")

    def _sync(self) -> None:
        empty = not self.entries
        self.approve.disabled = empty
        self.reject.disabled = empty
        self.next_flag.disabled = len(self.entries) <= 1
        if not empty:
            held = self.entries[self.index].held
            self.approve.label = f"Approve (release {held})" if held else "Approve"
            self.reject.label = f"Reject (void {held})" if held else "Reject"

    async def _decide(self, interaction: discord.Interaction, approve: bool) -> None:
        entry = self.entries[self.index]
        try:
            await self.bot.services.review.decide(
                self.guild, entry.flag.id, approve, interaction.user.id, self.bot.clock.now()
            )
        finally:
            # decided here or by someone else: it leaves this queue either way
            del self.entries[self.index]
            self.index = self.index % len(self.entries) if self.entries else 0
            self._sync()
        verb = "Approved" if approve else "Rejected"
        what = f"{entry.held} held points released" if approve else f"{entry.held} held points void"
        note = f"{verb} <@{entry.flag.user}>" + (f": {what}." if entry.held else ".")
        await interaction.response.edit_message(content=note, embed=self.current_embed(), view=self)

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success, emoji="✅")
    async def approve(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewView]
    ) -> None:
        await self._decide(interaction, True)

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger, emoji="⛔")
    async def reject(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewView]
    ) -> None:
        await self._decide(interaction, False)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next_flag(
        self, interaction: discord.Interaction, button: discord.ui.Button[ReviewView]
    ) -> None:
        self.index = (self.index + 1) % len(self.entries)
        self._sync()
        await interaction.response.edit_message(content=None, embed=self.current_embed(), view=self)


def restore_embed(restored: Restored, member: str, partner: str) -> discord.Embed:
    """The moderator's reply to /mod restore-streak: what was filled and what it paid."""
    days = restored.days
    count = len(days)
    span = _day(days[0]) if count == 1 else f"{_day(days[0])} – {_day(days[-1])}"
    lines = [
        f"{member} & {partner}: {count} missed day{'s' if count != 1 else ''} ({span}) now count.",
        f"Streak: 🔥 {restored.before} → 🔥 **{restored.current} days**",
    ]
    if restored.milestones:
        paid = ", ".join(f"{length}-day (+{points} each)" for length, points in restored.milestones)
        lines.append(f"Milestones paid: {paid}")
    if restored.badges:
        names = [
            f"{BUILTIN_BADGES[k].emoji} {BUILTIN_BADGES[k].name}" if k in BUILTIN_BADGES else k
            for k in restored.badges
        ]
        lines.append("Badges given: " + ", ".join(names))
    lines.append("Kept in the audit log.")
    return discord.Embed(title="Streak restored", description="\n".join(lines), colour=OK)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"
