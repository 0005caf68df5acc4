"""The Nudge button under each reminder entry: one member pings the other, once a day.
A DynamicItem, so buttons posted before a restart keep working."""

from __future__ import annotations

import re

import discord

from bot.domain.streaks import local_day
from cogs._common import kbot

LABEL_LIMIT = 80  # Discord's limit on a button label
NUDGE_PREFIX = "👋 Nudge "


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def nudge_label(name_a: str, name_b: str, limit: int = LABEL_LIMIT) -> str:
    """'👋 Nudge Ana & Bo', each name clipped so the label fits Discord's limit (the emoji
    counted twice, as Discord counts UTF-16 units)."""
    room = limit - len(NUDGE_PREFIX) - 1 - len(" & ")
    a, b = " ".join(name_a.split()) or "?", " ".join(name_b.split()) or "?"
    if len(a) + len(b) > room:
        half = room // 2
        if len(a) <= half:
            b = _clip(b, room - len(a))
        elif len(b) <= half:
            a = _clip(a, room - len(b))
        else:
            a, b = _clip(a, half), _clip(b, room - half)
    return f"{NUDGE_PREFIX}{a} & {b}"


def unique_labels(labels: list[str], limit: int = LABEL_LIMIT) -> list[str]:
    """Two pairs with the same names get told apart: 'Nudge Ana & Bo (2)'."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        count = seen.get(label, 0) + 1
        seen[label] = count
        if count > 1:
            suffix = f" ({count})"
            label = _clip(label, limit - 1 - len(suffix)) + suffix
        out.append(label)
    return out


class NudgeButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"kindling:nudge:(?P<a>\d+):(?P<b>\d+)",
):
    def __init__(self, a: int, b: int, label: str = "👋 Nudge") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"kindling:nudge:{a}:{b}",
            )
        )
        self.a = a
        self.b = b

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
    ) -> NudgeButton:
        return cls(int(match["a"]), int(match["b"]), item.label or "👋 Nudge")

    async def callback(self, interaction: discord.Interaction) -> None:
        user = interaction.user.id
        if user not in (self.a, self.b) or interaction.guild_id is None:
            await interaction.response.send_message(
                f"Only <@{self.a}> or <@{self.b}> can nudge this streak.",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        other = self.b if user == self.a else self.a
        bot = kbot(interaction)
        settings = await bot.services.settings.settings(interaction.guild_id)
        today = local_day(bot.clock.now(), settings.zone)
        nudges = bot.services.privacy
        if not await nudges.record_nudge(interaction.guild_id, self.a, self.b, today, user):
            await interaction.response.send_message(
                "You already nudged this streak today. Say hi to them instead! 👋", ephemeral=True
            )
            return
        await interaction.response.send_message(
            f"👋 <@{user}> nudges <@{other}>: keep your 🔥 streak alive today!",
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(id=other)]
            ),
        )
