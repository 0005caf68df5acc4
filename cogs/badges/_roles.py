"""Giving and taking the role linked to a badge, with clear reasons when the bot can't."""

from __future__ import annotations

import logging

import discord

from bot.domain.errors import DomainError

log = logging.getLogger(__name__)


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    me = guild.me
    if me is None:
        return "I can't see myself in this server yet; try again in a moment."
    if not me.guild_permissions.manage_roles:
        return "I need the **Manage Roles** permission to give badge roles."
    if role >= me.top_role:
        return (
            f"The role {role.mention} sits above my highest role; move my role above it "
            "in Server Settings → Roles."
        )
    if role.managed or role.is_default():
        return f"{role.mention} is managed by Discord or an integration and can't be given."
    return None


async def set_role(
    guild: discord.Guild, user_id: int, role_id: int, give: bool, reason: str
) -> None:
    role = guild.get_role(role_id)
    if role is None:
        raise DomainError("The role linked to this badge no longer exists; link another one.")
    problem = role_problem(guild, role)
    if problem:
        raise DomainError(problem)
    member = guild.get_member(user_id)
    if member is None:
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            return  # they left: nothing to give or take
    if give:
        await member.add_roles(role, reason=reason)
    else:
        await member.remove_roles(role, reason=reason)
