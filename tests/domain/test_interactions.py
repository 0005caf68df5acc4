from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.interactions import (
    Candidate,
    MessageRecord,
    extract_message_candidates,
    meaningful_length,
    normalise_content,
)

T = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def msg(
    content: str = "hello there", mentions: tuple[int, ...] = (), **kw: object
) -> MessageRecord:
    return MessageRecord(
        guild=1, channel=5, id=1, ts=T, author=10, content=content, mentions=mentions, **kw
    )  # type: ignore[arg-type]


def everyone(_: int) -> bool:
    return True


@pytest.mark.parametrize(
    ("content", "length"),
    [
        ("ok", 2),
        ("👍", 1),
        ("  a b  c ", 3),
        ("<@11> hi", 2),
        ("<@!11><@&5><#7> yo", 2),
        ("<:party:1234> <a:dance:99> x", 1),
        ("hey <@11>", 3),
    ],
)
def test_meaningful_length(content: str, length: int) -> None:
    assert meaningful_length(content) == length


def test_normalise_content() -> None:
    assert normalise_content("  Looks  GOOD\n to me ") == "looks good to me"
    assert normalise_content("look <@11>") != normalise_content("look <@12>")


def test_reply_that_also_mentions_target_is_one_reply() -> None:
    out = extract_message_candidates(msg(mentions=(11, 12)), 11, everyone, 3)
    assert out == [Candidate("reply", 11), Candidate("mention", 12)]


def test_mentions_in_list_order_without_author_or_repeats() -> None:
    out = extract_message_candidates(msg(mentions=(13, 10, 12, 13)), None, everyone, 3)
    assert out == [Candidate("mention", 13), Candidate("mention", 12)]


def test_more_than_five_distinct_mentions_yield_no_mentions_but_reply_counts() -> None:
    out = extract_message_candidates(msg(mentions=(10, 11, 12, 13, 14, 15)), 20, everyone, 3)
    assert out == [Candidate("reply", 20)]
    five = extract_message_candidates(msg(mentions=(11, 12, 13, 14, 15)), None, everyone, 3)
    assert len(five) == 5


def test_too_short_content_is_nothing() -> None:
    assert extract_message_candidates(msg("ok", mentions=(11,)), 12, everyone, 3) == []
    assert extract_message_candidates(msg("<@11> 👍", mentions=(11,)), None, everyone, 3) == []
    assert extract_message_candidates(msg("ok"), 12, everyone, 2) == [Candidate("reply", 12)]


def test_self_reply_and_excluded_targets() -> None:
    assert extract_message_candidates(msg(), 10, everyone, 3) == []
    bots = {99}
    out = extract_message_candidates(msg(mentions=(99, 11)), 99, lambda u: u not in bots, 3)
    assert out == [Candidate("mention", 11)]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_fast_length_path_matches_the_token_stripping_rule(text: str) -> None:
    from bot.domain.interactions import _STRIP

    assert meaningful_length(text) == len(_STRIP.sub("", text))
