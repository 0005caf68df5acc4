"""Meta-test: load every cog, walk the command tree, check names and descriptions."""

from __future__ import annotations

from pathlib import Path

import discord
from discord import app_commands

from bot.app import KindlingBot
from bot.config import Settings
from cogs._common import ModeratorGroup

MEMBER = {
    "help",
    "streaks",
    "streak",
    "profile",
    "leaderboard",
    "thanks",
    "badges",
    "challenge list",
    "challenge info",
    "challenge join",
    "challenge leave",
    "notify channel",
    "notify dm",
    "notify off",
    "privacy export",
    "privacy optout",
    "privacy optin",
    "privacy visibility",
}
MODERATOR = {
    "settings show",
    "settings timezone",
    "settings channels",
    "settings reminders",
    "settings points",
    "settings limits",
    "settings leaderboard",
    "settings review",
    "settings web",
    "challenge create",
    "challenge edit",
    "challenge end",
    "challenge cancel",
    "badge create",
    "badge grant",
    "badge revoke",
    "badge link-role",
    "mod restore-streak",
    "mod adjust-rep",
    "mod exclude",
    "mod include",
    "mod audit",
    "mod review",
}


def walk(
    commands: list[app_commands.Command | app_commands.Group],
) -> dict[str, app_commands.Command]:
    out: dict[str, app_commands.Command] = {}
    for cmd in commands:
        if isinstance(cmd, app_commands.Group):
            assert 1 <= len(cmd.description) <= 100, cmd.qualified_name
            out.update(walk(cmd.commands))
        else:
            out[cmd.qualified_name] = cmd
    return out


async def test_every_cog_loads_with_the_spec_commands(tmp_path: Path) -> None:
    bot = KindlingBot(Settings(database_path=tmp_path / "k.db"), sync_commands=False)
    async with bot:
        await bot.setup_hook()
        commands = walk(bot.tree.get_commands(type=discord.AppCommandType.chat_input))
        assert set(commands) == MEMBER | MODERATOR
        menus = {
            (menu.name, kind.name)
            for kind in (discord.AppCommandType.message, discord.AppCommandType.user)
            for menu in bot.tree.get_commands(type=kind)
        }
        assert menus == {("Thank", "message"), ("Thank", "user"), ("Kindling profile", "user")}
        for name, cmd in commands.items():
            assert 1 <= len(cmd.description) <= 100, name
            for param in cmd.parameters:
                assert param.description and len(param.description) <= 100, (name, param.name)
            mod_checked = any(
                getattr(check, "__qualname__", "").startswith("moderator_only")
                for check in cmd.checks
            ) or isinstance(cmd.binding, ModeratorGroup)
            assert mod_checked == (name in MODERATOR), name
        assert [p.name for p in commands["streak"].parameters] == ["member"]
        assert [p.name for p in commands["thanks"].parameters][:2] == ["member", "reason"]
        assert [p.name for p in commands["leaderboard"].parameters] == ["board"]
        choices = {c.value for c in commands["leaderboard"].parameters[0].choices}
        assert choices == {"streaks", "best", "reputation", "weekly", "monthly", "challenge"}
    assert bot.is_closed()


async def test_moderator_groups_are_guild_only_and_hidden_by_default(tmp_path: Path) -> None:
    bot = KindlingBot(Settings(database_path=tmp_path / "k.db"), sync_commands=False)
    async with bot:
        await bot.setup_hook()
        groups = {g.name: g for g in bot.tree.get_commands() if isinstance(g, app_commands.Group)}
        for name in ("settings", "badge", "mod"):
            assert groups[name].guild_only, name
            perms = groups[name].default_permissions
            assert perms is not None and perms.manage_guild and perms.value == 32, name
        for name in ("challenge", "privacy", "notify"):
            assert groups[name].guild_only, name
            assert groups[name].default_permissions is None, name
        for cmd in bot.tree.get_commands():
            assert cmd.guild_only, cmd.name
