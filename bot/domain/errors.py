"""Errors raised by domain rules; the command tree maps them to short ephemeral messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused something a user or moderator asked for; the message says why."""


class InvalidSetting(DomainError):
    """A guild setting has an unknown name or a value outside what is allowed."""
