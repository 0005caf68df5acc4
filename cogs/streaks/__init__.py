from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.streaks._cog import StreaksCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(StreaksCog(bot))
