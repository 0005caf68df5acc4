from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.badges._cog import BadgeAdminCog, BadgesCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(BadgesCog(bot))
    await bot.add_cog(BadgeAdminCog(bot))
