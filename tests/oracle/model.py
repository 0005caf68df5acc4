"""A deliberately simple reference model of SPEC §1-§3 (+ §4 streak/rep/connector badges)
and the §9 replay output.

Written from the spec (SPEC.md) alone; it imports nothing from ``bot``. Clarity over
speed: every rule keeps plain lists of past events and scans them, and streaks are
recomputed from the list of qualifying days with the spec's reference algorithm.

Challenges (§5) are not modelled: ``challenge``/``join`` lines are rejected.

How it reads the spec where the spec leaves room: A1-A18 in docs/DECISIONS.md, referenced
below where each applies.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_MILESTONES = {3: 10, 7: 25, 14: 50, 30: 100, 50: 150, 100: 300, 365: 1000}
STREAK_BADGE_LENGTHS = (3, 7, 14, 30, 50, 100, 365)
REP_BADGES = (100, 500, 1000, 5000)
CONNECTOR_BADGES = (5, 20)
DUPLICATE_WINDOW = timedelta(seconds=600)


def default_settings() -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "streak_mode": "mutual",
        "streak_kinds": ["reply", "mention", "kudos"],  # A16, see docs/DECISIONS.md
        "kudos_emoji": "⭐",
        "points": {
            "reply": 3,
            "mention": 1,
            "reaction": 1,
            "kudos": 10,
            "streak_day": 5,
            "milestones": dict(DEFAULT_MILESTONES),
        },
        "limits": {
            "cooldown_seconds": 60,
            "min_message_chars": 3,
            "min_member_age_days": 0,
            "interactions_per_partner_per_day": 3,
            "kudos_per_day": 5,
            "pair_daily_cap": 30,
            "member_daily_cap": 200,
            "max_freezes": 2,
        },
    }


def parse_ts(text: str) -> datetime:
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text}")
    return ts


# --------------------------------------------------------------------------- streaks


def reference_streak(
    qualifying_days: list[date], D: date | None, max_freezes_on: dict[date, int]
) -> dict[str, Any]:
    """SPEC §2 reference algorithm, verbatim. Also reports the start day of the last run.

    ``max_freezes_on[q]`` is the guild's max_freezes when day q qualified (A8, see
    docs/DECISIONS.md).
    """
    current = best = freezes = 0
    last = None  # last = last qualifying day
    run_start = None
    for q in sorted(set(qualifying_days)):
        if last is None or current == 0:
            current = 1
            run_start = q
        else:
            gap = (q - last).days - 1  # whole days missed in between
            if gap == 0:
                current += 1
            elif gap <= freezes:
                freezes -= gap
                current += 1  # frozen days do not add
            else:
                current = 1
                freezes = 0
                run_start = q
        last = q
        best = max(best, current)
        max_freezes = max_freezes_on[q]
        if current % 7 == 0 and freezes < max_freezes:
            freezes += 1
    result: dict[str, Any] = {
        "run_current": current,
        "run_start": run_start,
        "best": best,
        "last": last,
    }
    if D is not None:
        # evaluated at day D (today, local):
        gap = (D - last).days - 1 if last is not None else 0
        alive = last is not None and gap <= freezes  # gap <= 0 means no day missed yet
        result["current"] = current if alive else 0
        result["freezes"] = freezes - max(gap, 0) if alive else 0
        result["at_risk"] = alive and last < D
    return result


# --------------------------------------------------------------------------- state


@dataclass
class Message:
    id: int
    author: int
    content: str
    ts: datetime


@dataclass
class Guild:
    id: int
    settings: dict[str, Any] = field(default_factory=default_settings)
    members: dict[int, dict[str, Any]] = field(default_factory=dict)  # user -> {bot, joined_at}
    messages: dict[int, Message] = field(default_factory=dict)  # id -> message
    message_log: list[Message] = field(default_factory=list)  # every message, in order
    seen_keys: list[tuple[Any, ...]] = field(default_factory=list)
    cooldown_passes: list[tuple[int, int, datetime]] = field(default_factory=list)
    units_used: list[tuple[int, int, date]] = field(default_factory=list)  # earner, partner, day
    kudos_given: list[tuple[int, int, date]] = field(default_factory=list)  # from, to, day
    ledger: list[dict[str, Any]] = field(default_factory=list)
    eligible: list[tuple[int, int, date]] = field(default_factory=list)  # actor, target, day
    qualifying: dict[tuple[int, int], list[date]] = field(default_factory=dict)
    max_freezes_on: dict[tuple[int, int], dict[date, int]] = field(default_factory=dict)
    milestones_paid: list[tuple[tuple[int, int], date, int]] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)
    badges: dict[int, set[str]] = field(default_factory=dict)

    # ---- helpers
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings["timezone"])

    def day_of(self, ts: datetime) -> date:  # A17, see docs/DECISIONS.md
        return ts.astimezone(self.tz).date()

    def is_bot(self, user: int) -> bool:  # A18: as declared so far, see docs/DECISIONS.md
        return bool(self.members.get(user, {}).get("bot", False))

    def is_new(self, user: int, ts: datetime) -> bool:
        info = self.members.get(user)
        if info is None or info.get("joined_at") is None:
            return False  # undeclared users joined long ago
        min_age = self.settings["limits"]["min_member_age_days"]
        if min_age <= 0:
            return False  # A2, see docs/DECISIONS.md
        return ts - info["joined_at"] < timedelta(days=min_age)

    def add_participant(self, user: int) -> None:
        if user not in self.participants:
            self.participants.append(user)

    def give_badge(self, user: int, badge: str) -> None:
        self.badges.setdefault(user, set()).add(badge)


# --------------------------------------------------------------------------- rules

# A10, see docs/DECISIONS.md
_STRIP_TOKENS = re.compile(r"<@!?\d+>|<@&\d+>|<#\d+>|<a?:[A-Za-z0-9_~\-]+:\d+>")


def visible_length(content: str) -> int:
    stripped = _STRIP_TOKENS.sub("", content)
    stripped = "".join(ch for ch in stripped if not ch.isspace())
    return len(stripped)


def normalise(content: str) -> str:
    return " ".join(content.lower().split())


def award(
    g: Guild,
    member: int,
    partner: int | None,
    amount: int,
    ts: datetime,
    reason: str,
    capped: bool = True,
) -> None:
    """Rules 0 and 5 (rule 4, challenges, is not modelled)."""
    day = g.day_of(ts)
    if g.is_new(member, ts):
        amount = 0
    elif capped:
        limits = g.settings["limits"]
        pair_used = sum(
            e["delta"]
            for e in g.ledger
            if e["capped"] and e["member"] == member and e["partner"] == partner and e["day"] == day
        )
        member_used = sum(
            e["delta"]
            for e in g.ledger
            if e["capped"] and e["member"] == member and e["day"] == day
        )
        amount = max(  # A9, see docs/DECISIONS.md
            0,
            min(
                amount,
                limits["pair_daily_cap"] - pair_used,
                limits["member_daily_cap"] - member_used,
            ),
        )
    g.ledger.append(
        {
            "member": member,
            "partner": partner,
            "delta": amount,
            "day": day,
            "reason": reason,
            "capped": capped,
            "ts": ts,
        }
    )


def cooldown_passes(g: Guild, actor: int, target: int, ts: datetime) -> bool:
    passes = [t for (a, b, t) in g.cooldown_passes if a == actor and b == target]
    ok = not passes or (ts - passes[-1]).total_seconds() >= g.settings["limits"]["cooldown_seconds"]
    if ok:
        g.cooldown_passes.append((actor, target, ts))
    return ok


def day_qualifies(g: Guild, a: int, b: int, day: date) -> bool:
    ab = any(x == a and y == b and d == day for (x, y, d) in g.eligible)
    ba = any(x == b and y == a and d == day for (x, y, d) in g.eligible)
    if g.settings["streak_mode"] == "any":
        return ab or ba
    return ab and ba


def apply_interaction(
    g: Guild, kind: str, actor: int, target: int, ts: datetime, duplicate: bool = False
) -> None:
    """An accepted interaction (key already checked and recorded)."""
    day = g.day_of(ts)
    g.add_participant(actor)
    g.add_participant(target)
    points = g.settings["points"]
    limits = g.settings["limits"]

    # its own points
    if kind in ("reply", "mention", "reaction"):
        earner, partner = (actor, target) if kind != "reaction" else (target, actor)
        passed_cooldown = cooldown_passes(g, actor, target, ts)  # rule 1
        passed_duplicate = not duplicate  # rule 2
        if passed_cooldown and passed_duplicate:
            used = sum(1 for (e, p, d) in g.units_used if e == earner and p == partner and d == day)
            if used < limits["interactions_per_partner_per_day"]:  # rule 2b; A3
                g.units_used.append((earner, partner, day))
                award(g, earner, partner, points[kind], ts, kind)
    elif kind == "kudos":
        award(g, target, actor, points["kudos"], ts, "kudos")

    # streaks (A7, see docs/DECISIONS.md: settings in force now, never retroactive)
    if kind not in g.settings["streak_kinds"]:
        return
    g.eligible.append((actor, target, day))
    pair = (min(actor, target), max(actor, target))
    days = g.qualifying.setdefault(pair, [])
    if day in days or not day_qualifies(g, pair[0], pair[1], day):
        return
    days.append(day)
    g.max_freezes_on.setdefault(pair, {})[day] = limits["max_freezes"]
    for m in pair:  # lower user id first
        other = pair[1] if m == pair[0] else pair[0]
        award(g, m, other, points["streak_day"], ts, "streak_day")
    state = reference_streak(days, None, g.max_freezes_on[pair])
    length = state["run_current"]
    milestones = {int(k): v for k, v in points["milestones"].items()}
    if length in milestones:
        paid_key = (pair, state["run_start"], length)  # A8
        if paid_key not in g.milestones_paid:
            g.milestones_paid.append(paid_key)
            for m in pair:
                other = pair[1] if m == pair[0] else pair[0]
                award(g, m, other, milestones[length], ts, f"milestone-{length}", capped=False)
    if length in STREAK_BADGE_LENGTHS:
        for m in pair:
            g.give_badge(m, f"streak-{length}")


def try_key(g: Guild, key: tuple[Any, ...]) -> bool:
    if key in g.seen_keys:
        return False
    g.seen_keys.append(key)
    return True


def on_message(g: Guild, ev: dict[str, Any]) -> None:
    ts = parse_ts(ev["ts"])
    author = ev["author"]
    content = ev["content"]
    msg = Message(ev["id"], author, content, ts)
    if msg.id in g.messages:
        return  # the same message delivered again: A15, see docs/DECISIONS.md
    duplicate = any(  # A4, see docs/DECISIONS.md
        m.author == author
        and normalise(m.content) == normalise(content)
        and ts - DUPLICATE_WINDOW <= m.ts <= ts
        and m.id != msg.id
        for m in g.message_log
    )
    g.message_log.append(msg)
    g.messages[msg.id] = msg  # every message is remembered

    if g.is_bot(author):
        return
    if visible_length(content) < g.settings["limits"]["min_message_chars"]:
        return
    reply_target = None  # A12: the reply, then mentions in list order
    if ev.get("reply_to") is not None and ev["reply_to"] in g.messages:
        reply_target = g.messages[ev["reply_to"]].author
        if reply_target != author and not g.is_bot(reply_target):
            if try_key(g, (g.id, msg.id, author, reply_target, "reply")):
                apply_interaction(g, "reply", author, reply_target, ts, duplicate)
    mentions: list[int] = list(ev.get("mentions", []))
    if len(set(mentions)) > 5:  # A1, see docs/DECISIONS.md
        return  # mass mention: no mention interactions
    done: list[int] = []
    for target in mentions:
        if target in done:
            continue
        done.append(target)
        if target == author or target == reply_target or g.is_bot(target):
            continue
        if try_key(g, (g.id, msg.id, author, target, "mention")):
            apply_interaction(g, "mention", author, target, ts, duplicate)


def kudos(g: Guild, giver: int, target: int, ts: datetime, key: tuple[Any, ...]) -> None:
    if giver == target or g.is_bot(giver) or g.is_bot(target):
        return
    if key in g.seen_keys:
        return
    day = g.day_of(ts)
    limits = g.settings["limits"]
    given_today = [(f, t) for (f, t, d) in g.kudos_given if f == giver and d == day]
    if len(given_today) >= limits["kudos_per_day"]:
        return  # refused: no key, not counted (A5, see docs/DECISIONS.md)
    if any(t == target for (_, t) in given_today):
        return  # refused
    g.seen_keys.append(key)
    g.kudos_given.append((giver, target, day))
    apply_interaction(g, "kudos", giver, target, ts)


def on_reaction(g: Guild, ev: dict[str, Any]) -> None:
    ts = parse_ts(ev["ts"])
    msg = g.messages.get(ev["message"])
    if msg is None:
        return  # reaction to an unknown message
    reactor, author = ev["user"], msg.author
    if ev["emoji"] == g.settings["kudos_emoji"]:  # A6, A13, see docs/DECISIONS.md
        kudos(g, reactor, author, ts, (g.id, msg.id, reactor, author, "kudos"))
        return
    if reactor == author or g.is_bot(reactor) or g.is_bot(author):
        return
    if try_key(g, (g.id, msg.id, reactor, author, "reaction")):
        apply_interaction(g, "reaction", reactor, author, ts)


def on_kudos(g: Guild, ev: dict[str, Any]) -> None:
    ts = parse_ts(ev["ts"])
    if ev.get("id") is not None:  # A13, see docs/DECISIONS.md
        key: tuple[Any, ...] = (g.id, ev["id"], ev["from"], ev["to"], "kudos")
    else:
        key = (g.id, ts, ev["from"], ev["to"])
    kudos(g, ev["from"], ev["to"], ts, key)


def on_settings(g: Guild, ev: dict[str, Any]) -> None:
    s = g.settings
    for name in ("timezone", "streak_mode", "kudos_emoji"):
        if name in ev:
            s[name] = ev[name]
    if "streak_kinds" in ev:
        s["streak_kinds"] = list(ev["streak_kinds"])
    for name, value in ev.get("points", {}).items():
        if name == "milestones":
            for length, pts in value.items():  # A11, see docs/DECISIONS.md
                s["points"]["milestones"][int(length)] = pts
        else:
            s["points"][name] = value
    for name, value in ev.get("limits", {}).items():
        s["limits"][name] = value


def on_member(g: Guild, ev: dict[str, Any]) -> None:
    joined = ev.get("joined_at")
    g.members[ev["user"]] = {
        "bot": bool(ev.get("bot", False)),
        "joined_at": parse_ts(joined) if joined is not None else None,
    }


HANDLERS = {
    "settings": on_settings,
    "member": on_member,
    "message": on_message,
    "reaction": on_reaction,
    "kudos": on_kudos,
}


def replay(events: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    guilds: dict[int, Guild] = {}
    for ev in events:
        ev = copy.deepcopy(ev)
        gid = ev["guild"]
        g = guilds.setdefault(gid, Guild(gid))
        handler = HANDLERS.get(ev["type"])
        if handler is None:
            raise ValueError(f"model does not handle type {ev['type']!r}")
        handler(g, ev)
    return {"guilds": [render(guilds[gid], now) for gid in sorted(guilds)]}


def render(g: Guild, now: datetime) -> dict[str, Any]:
    today = g.day_of(now)
    pairs = []
    for pair in sorted(g.qualifying):
        days = g.qualifying[pair]
        if not days:
            continue
        st = reference_streak(days, today, g.max_freezes_on[pair])
        pairs.append(
            {
                "members": [pair[0], pair[1]],
                "current": st["current"],
                "best": st["best"],
                "freezes": st["freezes"],
                "last_day": st["last"].isoformat(),
                "at_risk": bool(st["at_risk"]),
            }
        )
    members = []
    for user in sorted(u for u in g.participants if not g.is_bot(u)):  # A18
        reputation = sum(e["delta"] for e in g.ledger if e["member"] == user)
        badges = set(g.badges.get(user, set()))
        badges |= {f"rep-{n}" for n in REP_BADGES if reputation >= n}  # A14
        partners = {
            p[1] if p[0] == user else p[0] for p, days in g.qualifying.items() if user in p and days
        }
        badges |= {f"connector-{n}" for n in CONNECTOR_BADGES if len(partners) >= n}
        members.append({"user": user, "reputation": reputation, "badges": sorted(badges)})
    return {"guild": g.id, "pairs": pairs, "members": members}


def replay_lines(lines: list[str], now_text: str) -> dict[str, Any]:
    import json

    events = [json.loads(line) for line in lines if line.strip()]
    return replay(events, parse_ts(now_text))
