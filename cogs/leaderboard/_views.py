"""Prev/Next paging only the invoker can press; stops cleanly on timeout."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import ClassVar

import discord

PageRenderer = Callable[[int], Awaitable[tuple[discord.Embed, bool]]]
"""Renders page n; returns the embed and whether a next page exists."""


class PagerView(discord.ui.View):
    live: ClassVar[weakref.WeakSet[PagerView]] = weakref.WeakSet()

    @classmethod
    def stop_all(cls) -> None:
        """Stop every pager still waiting for presses (on cog unload / bot close)."""
        for view in list(cls.live):
            view.stop()

    def __init__(
        self, owner: int, page: int, has_next: bool, render: PageRenderer, timeout: float = 180
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner = owner
        PagerView.live.add(self)
        self.page = page
        self.has_next = has_next
        self.render = render
        self.message: discord.Message | discord.InteractionMessage | None = None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.prev_page.disabled = self.page <= 0
        self.next_page.disabled = not self.has_next

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(
                "Only the person who opened this leaderboard can turn its pages. "
                "Run `/leaderboard` to get your own.",
                ephemeral=True,
            )
            return False
        return True

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

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass  # the message is gone or no longer editable: nothing left to stop
