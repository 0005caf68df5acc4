"""Request validation as Discord does it: message bodies, command schemas, route emoji.

Each check raises :class:`~bot.sandbox.errors.ApiError` with Discord's status, code and
(for form errors) the path of the offending field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.sandbox.errors import ApiError, form_error
from bot.sandbox.model import (
    FLAG_COMPONENTS_V2,
    JSON,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    Attachment,
    Guild,
    walk_components,
)

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_MENU_NAME = re.compile(r"^(?=.*\S)[^\n]{1,32}$")
_EMBED_LIMITS = {"title": 256, "description": 4096}


def validate_message_body(
    body: Mapping[str, Any], attachments: Sequence[Attachment] = (), *, allow_empty: bool = False
) -> None:
    """Discord's main message limits; raises :class:`ApiError` like the real API."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise form_error("content", "Must be a string.")
    if content and len(content) > 2000:
        raise form_error("content", "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    embeds = body.get("embeds") or []
    if body.get("embed"):
        embeds = [body["embed"]]
    if len(embeds) > 10:
        raise form_error("embeds", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            raise form_error(f"embeds.{i}", "Must be an object.")
        for key, limit in _EMBED_LIMITS.items():
            value = embed.get(key)
            if value is not None and len(str(value)) > limit:
                raise form_error(
                    f"embeds.{i}.{key}",
                    f"Must be {limit} or fewer in length.",
                    "BASE_TYPE_MAX_LENGTH",
                )
            total += len(str(value or ""))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise form_error(
                f"embeds.{i}.fields", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        for j, fld in enumerate(fields):
            name = str(fld.get("name") or "")
            value = str(fld.get("value") or "")
            if not name or len(name) > 256:
                raise form_error(
                    f"embeds.{i}.fields.{j}.name", "Must be between 1 and 256 in length."
                )
            if not value or len(value) > 1024:
                raise form_error(
                    f"embeds.{i}.fields.{j}.value", "Must be between 1 and 1024 in length."
                )
            total += len(name) + len(value)
        footer = embed.get("footer") or {}
        if len(str(footer.get("text") or "")) > 2048:
            raise form_error(
                f"embeds.{i}.footer.text",
                "Must be 2048 or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
        author = embed.get("author") or {}
        if len(str(author.get("name") or "")) > 256:
            raise form_error(
                f"embeds.{i}.author.name", "Must be 256 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        total += len(str(footer.get("text") or "")) + len(str(author.get("name") or ""))
    if total > 6000:
        raise form_error(
            "embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED"
        )
    components = body.get("components") or []
    v2 = bool(int(body.get("flags") or 0) & FLAG_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        raise form_error("components", "Must be 5 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    custom_ids: set[str] = set()
    for i, row in enumerate(components):
        if not v2 and row.get("type") == 1 and len(row.get("components") or []) > 5:
            raise form_error(
                f"components.{i}.components",
                "Must be 5 or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if not 1 <= len(str(custom_id)) <= 100:
                raise form_error("components", "custom_id must be between 1 and 100 in length.")
            if custom_id in custom_ids:
                raise form_error(
                    "components",
                    "Component custom id cannot be duplicated",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                )
            custom_ids.add(str(custom_id))
        label = component.get("label")
        if component.get("type") == 2 and label is not None and len(str(label)) > 80:
            raise form_error(
                "components", "Button label must be 80 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
    if v2 and (content or embeds):
        raise form_error("content", "Messages with IS_COMPONENTS_V2 cannot have content or embeds")
    if not allow_empty and not (
        content
        or embeds
        or components
        or attachments
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")


def validate_command(raw: JSON, path: str) -> JSON:
    """A command as Discord stores it (defaults filled in), or :class:`ApiError` 50035."""
    cmd = {k: v for k, v in raw.items() if k not in ("id", "application_id", "version")}
    cmd.setdefault("type", 1)
    name = cmd.get("name")
    # user and message commands (context menus) may hold spaces and capitals, 1-32 characters
    valid = _COMMAND_NAME if cmd["type"] == 1 else _MENU_NAME
    if not isinstance(name, str) or not valid.match(name):
        raise form_error(
            f"{path}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
        )
    if cmd["type"] == 1:
        if name != name.lower():
            raise form_error(
                f"{path}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
            )
        desc = cmd.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            raise form_error(f"{path}.description", "Must be between 1 and 100 in length.")
        cmd["options"] = _validate_options(cmd.get("options") or [], f"{path}.options", 0)
    else:
        cmd.setdefault("description", "")
    cmd.setdefault("default_member_permissions", None)
    cmd.setdefault("nsfw", False)
    cmd.setdefault("name_localizations", None)
    cmd.setdefault("description_localizations", None)
    cmd.setdefault("contexts", None)
    cmd.setdefault("integration_types", [0])
    return cmd


def _validate_options(options: Sequence[JSON], path: str, depth: int) -> list[JSON]:
    if len(options) > 25:
        raise form_error(path, "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    names: set[str] = set()
    out: list[JSON] = []
    seen_optional = False
    for i, raw in enumerate(options):
        opt = dict(raw)
        here = f"{path}.{i}"
        otype = opt.get("type")
        name = opt.get("name")
        if not isinstance(otype, int) or not 1 <= otype <= 11:
            raise form_error(f"{here}.type", "Value is not a valid enum value.")
        if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
            raise form_error(
                f"{here}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
            )
        if name in names:
            raise form_error(
                f"{here}.name",
                "Option names must be unique",
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
            )
        names.add(name)
        desc = opt.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            raise form_error(f"{here}.description", "Must be between 1 and 100 in length.")
        if otype in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
            if otype == OPTION_SUB_COMMAND_GROUP and depth > 0:
                raise form_error(f"{here}.type", "Sub-command groups can only be top level")
            if otype == OPTION_SUB_COMMAND and depth > 1:
                raise form_error(f"{here}.type", "Sub-commands nested too deeply")
            opt["options"] = _validate_options(
                opt.get("options") or [], f"{here}.options", depth + 1
            )
        else:
            required = bool(opt.get("required", False))
            if required and seen_optional:
                raise form_error(
                    f"{here}.required",
                    "Required options must be placed before non-required options",
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                )
            seen_optional = seen_optional or not required
            choices = opt.get("choices")
            if choices is not None and len(choices) > 25:
                raise form_error(
                    f"{here}.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                )
            if choices and opt.get("autocomplete"):
                raise form_error(f"{here}.autocomplete", "Autocomplete cannot be set with choices")
        out.append(opt)
    kinds = {o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in out}
    if len(kinds) > 1:
        raise form_error(
            path,
            "Sub-command and sub-command group option types are mutually exclusive "
            "to all other types",
        )
    return out


def parse_emoji(raw: str, guilds: Iterable[Guild]) -> JSON:
    """Turn a reaction route's emoji (``⭐`` or ``name:id``) into an emoji object."""
    raw = raw.strip("<>")
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) == 3 and parts[0] in ("", "a"):
            parts = parts[1:]
        if len(parts) != 2 or not parts[1].isdigit():
            raise ApiError(400, 10014, "Unknown Emoji")
        emoji_id = int(parts[1])
        for guild in guilds:
            if emoji_id in guild.emojis:
                em = guild.emojis[emoji_id]
                return {"id": str(em.id), "name": em.name, "animated": em.animated}
        raise ApiError(400, 10014, "Unknown Emoji")
    if not raw or raw.isascii():
        raise ApiError(400, 10014, "Unknown Emoji")
    return {"id": None, "name": raw}
