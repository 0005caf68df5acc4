from hypothesis import given
from hypothesis import strategies as st

from bot.domain.emoji import custom_emoji_id, is_unicode_emoji


def test_real_emoji_are_accepted() -> None:
    for text in ("⭐", "👍", "👍🏽", "❤️", "🏳️‍🌈", "👨‍👩‍👧", "🇳🇱", "1️⃣", "🔥", "✅"):
        assert is_unicode_emoji(text), text


def test_text_is_refused() -> None:
    for text in (
        "not an emoji",
        "@everyone",
        "a",
        "",
        " ⭐",
        "⭐ ⭐",
        ":star:",
        "<@123>",
        "1",
        "#",
    ):
        assert not is_unicode_emoji(text), text


def test_custom_emoji() -> None:
    assert custom_emoji_id("<:kindle:123456789012345678>") == 123456789012345678
    assert custom_emoji_id("<a:dance:123456789012345678>") == 123456789012345678
    assert custom_emoji_id("<:x:12>") is None
    assert custom_emoji_id("kindle") is None


@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    is_unicode_emoji(text)
    custom_emoji_id(text)
