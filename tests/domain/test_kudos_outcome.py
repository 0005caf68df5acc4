"""What a kudos outcome says about its points: base, multiplier, caps, holds (SPEC §3)."""

from datetime import UTC, datetime, timedelta

from bot.domain.challenges import Challenge
from bot.domain.engine import Batch, GuildState, KudosOutcome
from bot.domain.interactions import KudosRecord, MessageRecord

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def world(**changes: object) -> GuildState:
    st = GuildState(1)
    if changes:
        st.settings = st.settings.apply_changes(dict(changes))
    return st


def thank(st: GuildState, giver: int, receiver: int, at: float = 0) -> KudosOutcome:
    return st.apply_kudos(
        Batch(),
        KudosRecord(guild=1, giver=giver, receiver=receiver, ts=T0 + timedelta(seconds=at)),
    )


def test_plain_kudos_is_the_setting_and_nothing_else() -> None:
    out = thank(world(), 10, 11)
    (note,) = out.notes_for(11)
    assert (note.reason, note.base, note.points, note.multiplier, note.cap) == (
        "kudos",
        10,
        10,
        1.0,
        "",
    )
    assert out.points == 10 and not note.held and not note.new_member


def test_multiplier_names_the_challenge() -> None:
    st = world()
    st.challenges[1] = Challenge(
        1, 1, "Double thanks week", "points", 5, T0, T0 + timedelta(days=7), 2.0, False
    )
    out = thank(st, 10, 11, 60)
    (note,) = out.notes_for(11)
    assert note.points == 20 and note.multiplier == 2.0 and note.multiplied == 20
    assert note.challenge == "Double thanks week"
    assert out.points == 20


def test_member_daily_cap_says_what_was_already_earned() -> None:
    st = world(limits={"member_daily_cap": 14})
    assert thank(st, 10, 11).points == 10
    out = thank(st, 12, 11, 60)
    (note,) = out.notes_for(11)
    assert (note.points, note.cap, note.cap_used, note.cap_limit) == (4, "member", 10, 14)
    assert note.multiplied == 10


def test_pair_cap_is_named_when_it_is_the_tighter_one() -> None:
    st = world(limits={"pair_daily_cap": 12})
    for i in range(3):  # 11 mentions 10 three times: 3 points for 11 with partner 10
        st.apply_message(
            Batch(),
            MessageRecord(
                1, 5, 100 + i, T0 + timedelta(minutes=2 * i), 11, f"hello {i} there", None, (10,)
            ),
        )
    out = thank(st, 10, 11, 600)
    kudos, day = out.notes_for(11)
    assert (kudos.points, kudos.cap, kudos.cap_used, kudos.cap_limit) == (9, "pair", 3, 12)
    assert (day.reason, day.points, day.cap) == ("streak_day", 0, "pair")


def test_new_member_earns_nothing_and_it_is_said() -> None:
    st = world(limits={"min_member_age_days": 7})
    st.member(11).joined_at = T0 - timedelta(days=1)
    out = thank(st, 10, 11)
    (note,) = out.notes_for(11)
    assert note.new_member and note.points == 0 and out.points == 0


def test_held_member_points_are_noted_as_held() -> None:
    st = world()
    st.holding[11] = T0 - timedelta(days=1)
    out = thank(st, 10, 11)
    (note,) = out.notes_for(11)
    assert note.held and note.points == 10 and out.points == 0


def test_streak_day_bonus_from_the_kudos_is_listed_for_both() -> None:
    st = world()
    thank(st, 11, 10)  # 11 → 10 today
    out = thank(st, 10, 11, 60)  # and back: the pair's day qualifies
    reasons = [n.reason for n in out.notes_for(11)]
    assert reasons == ["kudos", "streak_day"]
    assert [n.reason for n in out.notes_for(10)] == ["streak_day"]
    assert out.points == 15


def test_refused_kudos_has_no_notes() -> None:
    st = world()
    thank(st, 10, 11)
    again = thank(st, 10, 11, 60)
    assert not again.accepted and again.reason == "same" and again.awards == ()
