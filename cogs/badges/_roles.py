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


def invoker_problem(invoker: discord.Member | discord.User, role: discord.Role) -> str | None:
    """A moderator may only link or grant roles they could hand out themselves: Manage Roles
    and the role below their own highest role (the owner may give any)."""
    if not isinstance(invoker, discord.Member):
        return "This works inside a server."
    if invoker.guild.owner_id == invoker.id:
        return None
    if not invoker.guild_permissions.manage_roles:
        return f"Linking or granting {role.mention} needs the **Manage Roles** permission."
    if role >= invoker.top_role:
        return f"{role.mention} is not below your highest role, so you can't give it."
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
