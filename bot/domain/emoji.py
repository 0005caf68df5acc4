"""Is a text one emoji? (kudos emoji and badge emoji: SPEC §1, §4)."""

from __future__ import annotations

import re
import unicodedata

CUSTOM_EMOJI = re.compile(r"^<(a?):([A-Za-z0-9_]{2,32}):(\d{15,21})>$")
_JOINERS = {0x200D, 0xFE0F, 0xFE0E, 0x20E3}
_KEYCAP_BASES = set("#*0123456789")
MAX_CODE_POINTS = 16  # the longest sequences: families and flags with tags


def custom_emoji_id(text: str) -> int | None:
    """The id of a custom emoji written as Discord sends it (`<:name:id>`), else None."""
    match = CUSTOM_EMOJI.match(text.strip())
    return int(match.group(3)) if match else None


def is_unicode_emoji(text: str) -> bool:
    """One emoji (possibly a sequence: skin tones, joiners, flags, keycaps), nothing else —
    not words, not `@everyone`, not several emoji with spaces."""
    if not text or len(text) > MAX_CODE_POINTS or text != text.strip():
        return False
    seen_symbol = False
    for index, char in enumerate(text):
        point = ord(char)
        if point in _JOINERS:
            continue
        if 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F:
            continue  # skin tones, tag characters of subdivision flags
        if char in _KEYCAP_BASES and text[index + 1 : index + 3] in ("\ufe0f\u20e3", "\u20e3"):
            seen_symbol = True
            continue
        category = unicodedata.category(char)
        if category == "So" or (category == "Sm" and point > 0x2000) or 0x1F000 <= point:
            seen_symbol = True
            continue
        return False
    return seen_symbol
