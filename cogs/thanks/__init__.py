from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.thanks._cog import ThanksCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(ThanksCog(bot))
