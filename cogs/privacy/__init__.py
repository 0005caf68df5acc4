from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.privacy._cog import PrivacyCog

if TYPE_CHECKING:
    from bot.app import KindlingBot


async def setup(bot: KindlingBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
