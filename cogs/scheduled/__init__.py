from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.scheduled._cog import ScheduledCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(ScheduledCog(bot))
