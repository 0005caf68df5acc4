"""Anti-abuse rules, in order, on the in-memory engine (SPEC §3)."""

from datetime import UTC, datetime, timedelta

from bot.domain.challenges import Challenge
from bot.domain.engine import Batch, GuildState
from bot.domain.interactions import KudosRecord, MessageRecord, ReactionRecord

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


class World:
    def __init__(self, **changes: object) -> None:
        self.state = GuildState(1)
        if changes:
            self.state.settings = self.state.settings.apply_changes(dict(changes))
        self.batch = Batch()
        self.next_id = 1000

    def say(
        self,
        author: int,
        content: str,
        at: float,
        reply_to: int | None = None,
        mentions: tuple[int, ...] = (),
    ) -> int:
        self.next_id += 1
        self.state.apply_message(
            self.batch,
            MessageRecord(
                guild=1,
                channel=5,
                id=self.next_id,
                ts=T0 + timedelta(seconds=at),
                author=author,
                content=content,
                reply_to=reply_to,
                mentions=mentions,
            ),
        )
        return self.next_id

    def react(self, user: int, message: int, at: float, emoji: str = "👍") -> bool:
        return self.state.apply_reaction(
            self.batch,
            ReactionRecord(
                guild=1,
                channel=5,
                message=message,
                user=user,
                emoji=emoji,
                ts=T0 + timedelta(seconds=at),
            ),
        )

    def thank(self, giver: int, receiver: int, at: float) -> bool:
        return self.state.apply_kudos(
            self.batch,
            KudosRecord(guild=1, giver=giver, receiver=receiver, ts=T0 + timedelta(seconds=at)),
        ).accepted

    def rep(self, user: int) -> int:
        return self.state.reputation[user]

    def ledger(self, user: int) -> list[tuple[str, int]]:
        return [(row[3], row[2]) for row in self.batch.ledger if row[1] == user]


def test_reply_and_mention_points_and_streak_day_bonus() -> None:
    w = World()
    m = w.say(10, "plan for today <@11>", 0, mentions=(11,))
    w.say(11, "sounds good to me", 30, reply_to=m)
    assert w.ledger(10) == [("mention", 1), ("streak_day", 5)]
    assert w.ledger(11) == [("reply", 3), ("streak_day", 5)]
    assert len(w.batch.pair_days) == 1


def test_rule0_new_member_earns_nothing_but_streak_counts() -> None:
    w = World(limits={"min_member_age_days": 7})
    w.state.apply_member(w.batch, 11, False, T0 - timedelta(days=2))
    m = w.say(10, "welcome aboard <@11>", 0, mentions=(11,))
    w.say(11, "thanks a lot!", 60, reply_to=m)
    assert w.rep(11) == 0 and w.rep(10) == 1 + 5
    assert w.state.streaks[(10, 11)].current == 1


def test_rule1_cooldown_shared_by_replies_mentions_and_reactions() -> None:
    w = World()
    m = w.say(11, "anyone around?", 0)
    w.say(10, "yes I am here", 10, reply_to=m)  # passes: 3 points
    w.say(10, "what's up <@11>", 40, mentions=(11,))  # 30 s later: no points
    w.react(10, m, 69)  # reactor→author 10→11 also on the clock: 59 s after the pass
    assert w.rep(10) == 3 and w.rep(11) == 0
    w.say(10, "still there <@11>?", 70, mentions=(11,))  # 60 s after the pass
    assert w.rep(10) == 4


def test_rule1_cooldown_counts_from_last_pass_even_if_it_earned_nothing() -> None:
    w = World(limits={"interactions_per_partner_per_day": 1})
    m = w.say(11, "anyone around?", 0)
    w.say(10, "first answer here", 0, reply_to=m)  # passes, uses the only unit
    w.say(10, "second answer here", 60, reply_to=m)  # passes cooldown, no unit left
    w.say(10, "third answer here", 90, reply_to=m)  # 30 s after the last pass: fails
    flags = [row[9] & 1 for row in w.batch.interactions]
    assert flags == [1, 1, 0]


def test_rule2_duplicate_content_earns_nothing_but_bonus_is_paid() -> None:
    w = World()
    m = w.say(12, "ping me later", 0)
    w.say(10, "Looks good", 100, reply_to=m)
    m2 = w.say(11, "what about mine <@10>", 150, mentions=(10,))
    w.say(10, "looks   GOOD", 700, reply_to=m2)  # 600 s later: duplicate, no reply points
    assert w.ledger(10) == [("reply", 3), ("streak_day", 5)]  # bonus of the day it qualified
    assert w.state.streaks[(10, 11)].current == 1
    w.say(10, "looks good", 1301, reply_to=m2)  # 601 s after the last one: not a duplicate
    assert w.ledger(10)[-1] == ("reply", 3)


def test_rule2_duplicate_window_compares_any_earlier_message_by_author() -> None:
    w = World()
    w.say(10, "ok", 0)  # too short to be an interaction, still remembered
    m = w.say(11, "question for you", 10)
    w.say(10, "OK", 20, reply_to=m)
    assert w.rep(10) == 0  # "OK" is too short anyway
    w2 = World(limits={"min_message_chars": 0})
    w2.say(10, "ok", 0)
    m = w2.say(11, "question for you", 10)
    w2.say(10, "OK", 20, reply_to=m)
    assert w2.rep(10) == 0  # duplicate of a message that made no interaction


def test_rule2b_allowance_per_partner_per_day() -> None:
    w = World(limits={"cooldown_seconds": 0})
    m = w.say(11, "let's discuss", 0)
    for i in range(5):
        w.say(10, f"point number {i}", i, reply_to=m)
    assert w.rep(10) == 9
    m3 = w.say(12, "other topic", 10)
    w.say(10, "answer for twelve", 11, reply_to=m3)
    assert w.rep(10) == 12  # a different partner has its own allowance
    w.say(10, "next day point", 86400, reply_to=m)
    assert w.rep(10) == 15


def test_rule2b_duplicates_and_cooldown_failures_use_no_unit() -> None:
    w = World(limits={"interactions_per_partner_per_day": 1})
    m = w.say(11, "question here", 0)
    w.say(10, "same text", 0, reply_to=m)  # passes, unit used
    w2 = World(limits={"interactions_per_partner_per_day": 1})
    m = w2.say(11, "question here", 0)
    w2.say(10, "same text", 0, reply_to=m)
    w2.say(10, "same text", 100, reply_to=m)
    assert w2.rep(10) == 3
    assert [row[9] & 2 for row in w2.batch.interactions] == [2, 0]


def test_rule3_kudos_limits() -> None:
    w = World(limits={"kudos_per_day": 2})
    assert w.thank(10, 11, 0)
    assert not w.thank(10, 11, 10)  # same member twice a day
    assert w.thank(10, 12, 20)
    assert not w.thank(10, 13, 30)  # daily limit
    assert w.thank(10, 11, 86400)  # next day
    assert w.rep(11) == 20 and w.rep(12) == 10
    assert not w.thank(10, 10, 86500)


def test_kudos_emoji_reaction_is_kudos_and_refused_kudos_is_nothing() -> None:
    w = World()
    m = w.say(11, "here's the fix", 0)
    assert w.react(10, m, 5, "⭐")
    assert w.rep(11) == 10
    assert not w.react(10, m, 6, "👍") or w.rep(11) == 11
    m2 = w.say(11, "another fix", 10)
    assert not w.react(10, m2, 20, "⭐")  # second kudos to 11 today: nothing at all
    kinds = [row[4] for row in w.batch.interactions]
    assert kinds.count("kudos") == 1


def test_repeated_reaction_with_other_emoji_changes_nothing() -> None:
    w = World()
    m = w.say(11, "here's the fix", 0)
    assert w.react(10, m, 100)
    assert not w.react(10, m, 200, "🔥")
    assert w.rep(11) == 1


def test_rule4_multiplier_highest_active_and_joined() -> None:
    w = World()
    ch = Challenge(
        1,
        1,
        "Spring",
        "points",
        10,
        T0 - timedelta(hours=1),
        T0 + timedelta(days=1),
        multiplier=2.5,
        join_required=True,
    )
    ch2 = Challenge(
        1,
        2,
        "Open",
        "points",
        10,
        T0 - timedelta(hours=1),
        T0 + timedelta(days=1),
        multiplier=1.5,
        join_required=False,
    )
    w.state.challenges = {1: ch, 2: ch2}
    m = w.say(11, "question here", 0)
    w.say(10, "answer one here", 10, reply_to=m)
    assert w.rep(10) == 4  # 3 × 1.5 rounded down
    ch.participants[12] = T0
    m2 = w.say(11, "question for twelve", 20)
    w.say(12, "answer from twelve", 30, reply_to=m2)
    assert w.rep(12) == 7  # 3 × 2.5, never 3 × 2.5 × 1.5


def test_rule5_pair_and_member_daily_caps() -> None:
    w = World(
        limits={"cooldown_seconds": 0, "pair_daily_cap": 8, "interactions_per_partner_per_day": 100}
    )
    m = w.say(11, "question here", 0)
    for i in range(4):
        w.say(10, f"answer number {i}", i, reply_to=m)
    assert w.rep(10) == 8
    w2 = World(
        limits={
            "cooldown_seconds": 0,
            "member_daily_cap": 10,
            "interactions_per_partner_per_day": 100,
        }
    )
    for partner in (11, 12, 13, 14):
        mm = w2.say(partner, f"question from {partner}", 0)
        w2.say(10, f"answer for {partner}", 1, reply_to=mm)
    assert w2.rep(10) == 10


def test_milestones_exempt_from_caps() -> None:
    w = World(limits={"pair_daily_cap": 0})
    for day in range(3):
        at = day * 86400
        m = w.say(10, f"morning {day} <@11>", at, mentions=(11,))
        w.say(11, f"morning to you {day}", at + 60, reply_to=m)
    assert w.rep(10) == 10 and w.rep(11) == 10
    assert w.state.badges[10] == {"streak-3"}


def test_streak_mode_any_and_streak_kinds() -> None:
    w = World(streak_mode="any")
    w.say(10, "hello there <@11>", 0, mentions=(11,))
    assert w.state.streaks[(10, 11)].current == 1
    w2 = World(streak_kinds=["reaction"])
    m = w2.say(11, "nice picture", 0)
    w2.say(10, "love it so much", 10, reply_to=m)
    assert (10, 11) not in w2.state.streaks


def test_same_message_twice_changes_nothing() -> None:
    w = World()
    rec = MessageRecord(
        guild=1, channel=5, id=7, ts=T0, author=10, content="hello <@11>", mentions=(11,)
    )
    w.state.apply_message(w.batch, rec)
    w.state.apply_message(w.batch, rec)
    assert len(w.batch.interactions) == 1 and w.rep(10) == 1
