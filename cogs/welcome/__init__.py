from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.welcome._cog import WelcomeCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(WelcomeCog(bot))
