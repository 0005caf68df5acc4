"""`python -m bot demo`: the real bot, unchanged, against the local sandbox with a simulated
community, on an accelerated clock. A week passes in well under a minute; the transcript shows
members' messages in brief and everything the bot posts in full."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from bot.config import Settings
from bot.harness import KindlingHarness, SandboxBot
from bot.sandbox import Control, Message
from bot.sandbox.model import Overwrite
from bot.sandbox.permissions import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL

log = logging.getLogger(__name__)

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
DAYS = 7


def clip_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


class Transcript:
    """Readable, coloured output: members in brief, the bot in full."""

    def __init__(self, ctl: Control, clock: ManualClock, colour: bool) -> None:
        self.ctl = ctl
        self.clock = clock
        self.colour = colour
        self.seen: dict[int, int] = {}  # message id → number of edits shown
        self.shown: dict[int, str] = {}  # message id → what was printed for it

    def _c(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def write(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def names(self, text: str) -> str:
        def user(match: re.Match[str]) -> str:
            uid = int(match.group(1))
            try:
                return "@" + self.ctl.user(uid).username
            except Exception:
                return "@someone"

        def stamp(match: re.Match[str]) -> str:
            when = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
            delta = when - self.clock()
            hours = abs(delta.total_seconds()) / 3600
            span = f"{hours:.0f} h" if hours >= 1 else f"{abs(delta.total_seconds()) / 60:.0f} min"
            if match.group(2) in ("R", None):
                return f"in {span}" if delta.total_seconds() >= 0 else f"{span} ago"
            return when.strftime("%a %d %b %H:%M")

        text = re.sub(r"<@!?(\d+)>", user, text)
        text = re.sub(r"<#(\d+)>", lambda m: f"#{self.ctl.channel(int(m.group(1))).name}", text)
        return re.sub(r"<t:(\d+)(?::([a-zA-Z]))?>", stamp, text)

    def day(self, title: str) -> None:
        self.write()
        self.write(self._c("1;33", f"══ {title} ══"))

    def member(self, who: str, text: str, full: bool = False) -> None:
        """A member's line: messages in brief (clipped at a word), commands in full."""
        stamp = self.clock().strftime("%H:%M")
        shown = self.names(text)
        if not full:
            shown = clip_words(shown, 70)
        self.write(self._c("2", f"  {stamp} {who}: {shown}"))

    def note(self, text: str) -> None:
        self.write(self._c("36", f"  · {text}"))

    def _render(
        self,
        payload_content: str | None,
        embeds: list[dict[str, Any]],
        components: list[dict[str, Any]],
    ) -> list[str]:
        lines: list[str] = []
        if payload_content:
            lines += self.names(payload_content).splitlines()
        for embed in embeds:
            if embed.get("title"):
                lines.append(self._c("1", self.names(str(embed["title"]))))
            if embed.get("description"):
                lines += self.names(str(embed["description"])).splitlines()
            for f in embed.get("fields", []):
                value = self.names(str(f["value"])).splitlines() or [""]
                lines.append(f"{self._c('1', self.names(str(f['name'])))}: {value[0]}")
                lines += ["  " + more for more in value[1:]]
            footer = (embed.get("footer") or {}).get("text")
            if footer:
                lines.append(self._c("2", self.names(str(footer))))
        buttons = [
            c.get("label") or c.get("custom_id")
            for row in components
            for c in row.get("components", [])
            if c.get("type") == 2
        ]
        if buttons:
            lines.append(self._c("2", "[" + "] [".join(str(b) for b in buttons) + "]"))
        return lines

    def bot_says(
        self,
        where: str,
        content: str | None,
        embeds: list[dict[str, Any]],
        components: list[dict[str, Any]],
        edited: bool = False,
    ) -> None:
        label = "Kindling (edited)" if edited else "Kindling"
        self.write(self._c("1;35", f"  ▶ {label} in {where}:"))
        for line in self._render(content, embeds, components):
            self.write("    " + line)

    def new_bot_messages(self, users: Iterable[Any]) -> list[Message]:
        """Print what the bot posted or edited since last time (channels and DMs)."""
        shown: list[Message] = []
        messages = list(self.ctl.bot_messages(all_channels=True))
        for user in users:
            messages += self.ctl.dms(user)
        for msg in sorted(messages, key=lambda m: m.id):
            if msg.ephemeral:
                continue
            edits = len(msg.edits)
            if msg.id in self.seen and self.seen[msg.id] == edits:
                continue
            edited = msg.id in self.seen
            self.seen[msg.id] = edits
            rendered = "\n".join(self._render(msg.content, msg.embeds, msg.components))
            if self.shown.get(msg.id) == rendered:
                continue  # edited to the same thing: nothing new to read
            self.shown[msg.id] = rendered
            if msg.guild_id is None:
                where = "a DM"
            else:
                where = f"#{self.ctl.channel(msg.channel_id).name}"
            self.bot_says(where, msg.content, msg.embeds, msg.components, edited)
            shown.append(msg)
        return shown


class DemoHarness(KindlingHarness):
    """The shared harness with the public web boards on (any free port) and the history
    import unpaced (the sandbox has no rate limit to keep to)."""

    def settings(self) -> Settings:
        return (
            super()
            .settings()
            .model_copy(
                update={
                    "web_enabled": True,
                    "web_port": 0,
                    "history_pause_seconds": 0.0,
                    "backup_keep": 0,
                }
            )
        )


HISTORY_DAYS = 14  # how long ana & ben and cleo & dev talked before Kindling joined


class Demo:
    def __init__(self, harness: KindlingHarness, transcript: Transcript) -> None:
        self.harness = harness
        self.sandbox = harness.sandbox
        self.ctl = harness.ctl
        self.clock = harness.clock
        self.t = transcript
        self.people: dict[str, Any] = {}
        self.day_seconds = 0.0

    @property
    def bot(self) -> SandboxBot | None:
        return self.harness.bot

    async def start_bot(self) -> SandboxBot:
        return await self.harness.start_bot()

    async def stop_bot(self) -> None:
        await self.harness.stop_bot()

    async def settle(self) -> None:
        await self.sandbox.flush()
        await asyncio.sleep(0.03)
        await self.harness.drain_bot()

    async def say(
        self, who: str, text: str, reply_to: Message | None = None, channel: str = "general"
    ) -> Message:
        msg = await self.ctl.send_message(
            self.people[who], text, reply_to=reply_to, channel=channel
        )
        self.t.member(who, text if reply_to is None else f"↪ {text}")
        return msg

    async def chat(self, a: str, b: str, topic: str) -> None:
        first = await self.say(a, f"<@{self.people[b].id}> {topic}?")
        self.clock.advance(minutes=3)
        await self.say(b, f"sure, {topic} sounds good", reply_to=first)
        self.clock.advance(minutes=7)

    async def command(
        self,
        who: Any,
        name: str,
        options: dict[str, Any] | None = None,
        label: str | None = None,
        show: bool = True,
    ) -> Any:
        inter = await self.ctl.invoke(who, name, options or {})
        response = await self.ctl.wait_for_response(inter, timeout=15)
        if response.type == 5:
            await self.ctl.wait_for_reply(inter, timeout=15)
            response = await self.ctl.wait_for_response(inter, timeout=15)
        opts = " ".join(f"{k}:{self.label(v)}" for k, v in (options or {}).items())
        self.t.member(label or self.label(who), f"/{name} {opts}".rstrip(), full=True)
        if show:
            where = "reply (only they see it)" if response.ephemeral else "reply"
            self.t.bot_says(where, response.content, response.embeds, response.components)
        if response.message is not None:
            self.t.seen[response.message.id] = len(response.message.edits)
        await self.settle()
        return response

    def label(self, value: Any) -> str:
        if hasattr(value, "user_id"):
            return str(self.ctl.user(value.user_id).username)
        return str(getattr(value, "username", value))

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        self.clock.set(START.replace(hour=hour, minute=minute) + timedelta(days=day))

    async def slot(self) -> None:
        """What the 15-minute scheduler job does at this (simulated) moment."""
        if self.bot is None or self.bot.jobs is None:
            raise RuntimeError("the demo bot is not running")
        await self.settle()
        await self.bot.jobs.run_slot(self.clock())
        await self.bot.jobs.run_challenges(self.clock())
        await self.settle()
        self.t.new_bot_messages(self.people.values())

    async def run(self) -> None:
        ctl, t = self.ctl, self.t
        for name in (
            "ana",
            "ben",
            "cleo",
            "dev",
            "eli",
            "fay",
            "gus",
            "hana",
            "ivo",
            "jun",
            "kai",
            "lea",
        ):
            self.people[name] = await ctl.add_member(name, joined_at=START - timedelta(days=90))
        self.people["spammy"] = await ctl.add_member("spammy", joined_at=START - timedelta(days=30))
        await ctl.add_channel("announcements")
        await ctl.add_channel("leaderboard")
        await ctl.add_channel(
            "mods",
            overwrites=[
                Overwrite(ctl.guild.id, 0, deny=VIEW_CHANNEL),
                Overwrite(
                    ctl.world.bot_user.id, 1, allow=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
                ),
            ],
        )
        mod = ctl.owner
        await self.past_fortnight()
        t.day("Kindling joins the server")
        self.clock.set(START)
        await self.start_bot()
        await self.settle()
        t.new_bot_messages(self.people.values())  # the welcome post with its setup checklist
        await self.history_imported()
        t.day("Setting up (a moderator follows the checklist)")
        await self.command(
            mod,
            "settings channels",
            {
                "reminders": "#general",
                "announcements": "#announcements",
                "leaderboard": "#leaderboard",
            },
            label="moderator",
        )
        await self.command(mod, "settings review", {"channel": "#mods"}, label="moderator")
        t.note(
            "reminders → #general at 18:00, badges and challenges → #announcements, the live "
            "weekly board in #leaderboard with a recap every Monday 12:00, authenticity "
            "flags → #mods (only moderators see it)"
        )
        await self.command(self.people["cleo"], "help")
        await self.command(self.people["ana"], "streak", {"member": self.people["ben"]})
        t.note("ana & ben's streak was there from the first minute: the history import")
        await self.web_boards(mod)
        for day in range(DAYS):
            began = time.monotonic()
            await self.simulate_day(day, mod)
            # pace the week over the wall time asked for, so a person can follow along
            await asyncio.sleep(max(0.0, self.day_seconds - (time.monotonic() - began)))
        t.day((START + timedelta(days=DAYS)).strftime("%A %d %B: the week is over"))
        self.at(DAYS, 12)
        t.note("Monday 12:00: the week's recap is posted as a new message")
        await self.slot()
        board = await self.command(self.people["ana"], "leaderboard", {"board": "streaks"})
        self.save_card(board, "the page as a picture", "leaderboard")
        profile = await self.command(self.people["ana"], "profile")
        self.save_card(profile, "an image card (a 12-week calendar)", "profile")
        await self.command(self.people["gus"], "streak", {"member": self.people["hana"]})
        await self.command(mod, "mod audit", {}, label="moderator")

    async def past_fortnight(self) -> None:
        """Before the bot joins: two weeks of conversation it will import (SPEC §8)."""
        self.t.day(f"Before Kindling joins: the last {HISTORY_DAYS} days")
        for back in range(HISTORY_DAYS, 0, -1):
            self.clock.set(START - timedelta(days=back) + timedelta(hours=10))
            for a, b in (("ana", "ben"), ("cleo", "dev")):
                first = await self.ctl.send_message(
                    self.people[a], f"<@{self.people[b].id}> standup notes, day -{back}?"
                )
                self.clock.advance(minutes=4)
                await self.ctl.send_message(self.people[b], "sure, here they are", reply_to=first)
        self.t.note(
            f"ana & ben and cleo & dev talked every day for {HISTORY_DAYS} days "
            "(56 messages the bot has not seen yet)"
        )

    async def history_imported(self) -> None:
        """Wait for the import of the tracked channels' recent past, then show it."""
        if self.bot is None:
            raise RuntimeError("the demo bot is not running")
        tracking = self.bot.get_cog("TrackingCog")
        idle = getattr(tracking, "imports_idle", None)
        if idle is not None:
            await asyncio.wait_for(idle(), timeout=30)
        await self.settle()
        progress = await self.bot.services.history.progress(self.ctl.guild.id)
        self.t.note(f"history import of the tracked channels: {progress.summary()}")

    async def web_boards(self, mod: Any) -> None:
        """The public web leaderboard (off until a moderator opts in)."""
        if self.bot is None or self.bot.web_url is None:
            return
        await self.command(mod, "settings web", {"enabled": "on"}, label="moderator")
        self.t.note(
            "the boards are also a web page (the link above, while the demo runs); "
            "private and opted-out members never appear there"
        )

    def save_card(self, response: Any, what: str, command: str) -> None:
        """Keep a reply's picture where a person can open it."""
        message = getattr(response, "message", None)
        if message is not None and message.id in self.ctl.world.messages:
            message = self.ctl.world.messages[message.id]  # as the follow-up left it
        for attachment in getattr(message, "attachments", None) or []:
            if attachment.filename.endswith(".png") and attachment.data:
                path = Path(tempfile.gettempdir()) / f"kindling-demo-{command}.png"
                path.write_bytes(attachment.data)
                self.t.note(f"/{command} answered with {what}: saved to {path}")
                return

    async def simulate_day(self, day: int, mod: Any) -> None:
        t = self.t
        t.day((START + timedelta(days=day)).strftime("%A %d %B"))
        self.at(day, 9)
        await self.chat("ana", "ben", "pair on the parser")
        await self.chat("cleo", "dev", "review my pull request")
        if day < 3:
            await self.chat("gus", "hana", "coffee chat")  # they lapse after three days
        if day != 3:
            await self.chat("ivo", "jun", "plan the meetup")  # they miss Thursday
        if day == 0:
            t.note(
                "spammy floods the channel: cooldown, duplicates and the daily allowance "
                "keep the points small"
            )
            for _ in range(6):
                await self.say("spammy", f"<@{self.people['ana'].id}> check my stuff!!!")
                self.clock.advance(seconds=20)
        if day in (1, 2, 4):
            self.at(day, 10)
            msg = await self.say("kai", "wrote up the onboarding notes")
            await self.ctl.react(self.people["lea"], msg, "⭐")
            t.member("lea", "reacts ⭐ (kudos)")
            await self.chat("kai", "lea", "thanks for the notes")
            await self.chat("lea", "ana", "can you look at the notes too")
        if day == 1:
            self.at(day, 11)
            await self.command(
                mod,
                "challenge create",
                {
                    "name": "Helping hands",
                    "goal": "distinct_partners",
                    "target": 2,
                    "duration": "4d",
                    "multiplier": 2.0,
                    "description": "Talk both ways with two different people: double points!",
                },
                label="moderator",
            )
            self.clock.advance(minutes=1)
            await self.slot()
            for name in ("ana", "kai", "lea", "ben"):
                await self.command(self.people[name], "challenge join", {}, show=False)
            t.note("ana, ben, kai and lea join the challenge")
        if day == 4:
            self.at(day, 11)
            t.note("ivo and jun missed Thursday (they were at the meetup) and kept talking")
            await self.command(
                mod,
                "mod restore-streak",
                {"member": self.people["ivo"], "partner": self.people["jun"], "reason": "meetup"},
                label="moderator",
            )
        if day == 2:
            self.at(day, 10, 30)
            await self.command(
                self.people["ben"],
                "thanks",
                {"member": self.people["ana"], "reason": "unblocked my build"},
            )
        self.at(day, 12)
        await self.slot()  # the live board: posted on day one, then edited in place
        self.at(day, 18)
        await self.slot()  # reminders for streaks at risk
        digest = [
            m
            for m in self.ctl.bot_messages("general")
            if "at risk" in (m.content or "") and m.timestamp >= self.clock()
        ]
        if digest and day == 3:
            message = digest[-1]
            buttons = message.custom_ids()
            if buttons:
                hana = self.people["hana"]
                target = next((b for b in buttons if str(hana.id) in b), buttons[0])
                inter = await self.ctl.press_button(hana, message, target)
                response = await self.ctl.wait_for_response(inter, timeout=15)
                t.member("hana", "presses 👋 Nudge")
                t.bot_says("#general", response.content, response.embeds, response.components)
                if response.message is not None:
                    t.seen[response.message.id] = len(response.message.edits)
                await self.settle()
        self.at(day, 20)
        await self.chat("eli", "fay", "evening sync")
        if day == 3:
            await self.farming_ring(mod)
        await self.settle()
        self.t.new_bot_messages(self.people.values())

    async def farming_ring(self, mod: Any) -> None:
        """Five alt accounts farm each other; the hourly review flags them; a moderator
        decides in /mod review (SPEC §10)."""
        t, ctl = self.t, self.ctl
        alts = [await ctl.add_member(f"alt{i}") for i in range(1, 6)]
        canned = ("great point, totally agree", "thanks, really helpful stuff", "so true!!")
        t.note("five brand-new accounts reply canned text to each other every 61 s for two hours")
        self.at(3, 20, 30)
        for i in range(125):
            a, b = alts[i % 5], alts[(i + 2) % 5]
            await ctl.send_message(a, f"{canned[i % 3]} <@{b.id}>")
            self.clock.advance(seconds=61)
        await self.settle()
        if self.bot is None or self.bot.jobs is None:
            raise RuntimeError("the demo bot is not running")
        self.at(3, 23, 23)
        t.note("the hourly authenticity review runs")
        await self.bot.jobs.run_reviews(self.clock())
        await self.settle()
        self.t.new_bot_messages([*self.people.values(), *alts])
        inter = await ctl.invoke(mod, "mod review", {})
        response = await ctl.wait_for_response(inter, timeout=15)
        t.member("moderator", "/mod review")
        t.bot_says("reply (only they see it)", response.content, response.embeds, [])
        message = await ctl.wait_for_reply(inter, timeout=15)
        reject = message.custom_ids()[1]  # Approve, Reject, Next
        pressed = await ctl.press_button(mod, message, reject)
        decided = await ctl.wait_for_response(pressed, timeout=15)
        t.member("moderator", "presses ⛔ Reject")
        t.bot_says("reply (only they see it)", decided.content, [], [])
        t.note("the other four wait in the queue; their points stay held until someone decides")
        await self.settle()


def run_demo(settings: Settings, wall_seconds: float = 45.0) -> int:
    """Run the demo; returns the exit code."""
    colour = sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))
    return asyncio.run(_main(colour, wall_seconds))


async def _main(colour: bool, wall_seconds: float) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kindling-demo-") as tmp:
        harness = DemoHarness(
            Path(tmp) / "demo.db",
            # the sandbox starts before the fortnight the bot imports (message ids carry
            # their time, and ids only move forward)
            start=START - timedelta(days=HISTORY_DAYS + 1),
            badge_announce_seconds=0,
            timeout=15,
            task_name="kindling-demo",
        )
        async with harness:
            transcript = Transcript(harness.ctl, harness.clock, colour)
            transcript.write(
                transcript._c(
                    "1",
                    "Kindling demo: the real bot against a local Discord sandbox on "
                    + harness.sandbox.base_url,
                )
            )
            transcript.write("A simulated week of a small community; no token, no network.")
            demo = Demo(harness, transcript)
            demo.day_seconds = max(0.0, min(wall_seconds, 55.0)) / (DAYS + 2)
            runner = asyncio.create_task(demo.run(), name="kindling-demo-run")
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, runner.cancel)
            try:
                await asyncio.wait_for(runner, timeout=max(wall_seconds, 10) + 30)
            except asyncio.CancelledError:
                transcript.write()
                transcript.write("Demo stopped.")
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
                await demo.stop_bot()
    transcript.write()
    transcript.write(f"Demo finished in {time.monotonic() - started:.1f} s of wall time.")
    transcript.write(
        "Next: run Kindling on your own server. Copy .env.example to .env, set DISCORD_TOKEN "
        "(the README's operator guide walks through creating the bot, its intents and the "
        "invite link), then `make run` starts the real bot."
    )
    return 0
