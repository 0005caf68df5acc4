"""UI shared by the cogs: pagers, the visibility check, and the embeds that both commands and
scheduled posts show (leaderboard pages, challenges). Cogs import this, never each other."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

import discord

from bot.domain.challenges import Challenge, Progress
from bot.domain.errors import DomainError
from bot.reads import BoardPage
from cogs._common import BRAND, guild_of, kbot, relative, user_tag

log = logging.getLogger(__name__)

# -- paging ---------------------------------------------------------------------------------
PAGE_SIZE = 10
PageRenderer = Callable[[int], Awaitable[tuple[discord.Embed, int]]]
"""Renders page n (from 0); returns the embed and how many pages there are now."""
OwnPage = Callable[[], Awaitable[int | None]]
"""The page on which the person who opened the pager appears; None when they are not on it."""
PagePicture = Callable[[int], Awaitable[discord.File | None]]
"""The picture of page n, drawn after the page's embed (None: text only, or not drawn)."""


def page_count(entries: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for `entries` (at least 1: an empty list is one empty page)."""
    return max(1, -(-entries // size))


def paged(embed: discord.Embed, page: int, pages: int) -> discord.Embed:
    """Put `Page x/y` first in the footer (after it, whatever the footer said)."""
    label = f"Page {page + 1}/{max(pages, page + 1)}"
    text = embed.footer.text
    embed.set_footer(text=f"{label} · {text}" if text else label)
    return embed


class OwnedView(discord.ui.View):
    """Buttons only their owner may press (others are told so, ephemerally), disabled when
    the view times out."""

    refusal = "Only the person who opened this can use its buttons."
    failure = "That didn't work. Run the command again."  # a button that failed unexpectedly

    def __init__(self, owner: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner = owner
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(self.refusal, ephemeral=True)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """A button that fails is a short ephemeral note, never a failed interaction."""
        if isinstance(error, DomainError):
            text = str(error)
        else:
            log.exception("%s button failed", type(self).__name__, exc_info=error)
            text = self.failure
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass  # the message is gone or no longer editable: nothing left to stop


class PagerView(OwnedView):
    """◀ Prev · Next ▶ · 📍 My page under a paged embed that shows `Page x/y`. Prev and Next
    are disabled at the ends; My page (only with `own_page`) jumps to the owner's page, or
    tells them, ephemerally, that they are not on it."""

    failure = "That page could not be shown. Run the command again."

    live: ClassVar[weakref.WeakSet[PagerView]] = weakref.WeakSet()
    refusal = (
        "Only the person who opened this leaderboard can turn its pages. "
        "Run `/leaderboard` to get your own."
    )
    not_on_it = "You're not on this board yet."

    @classmethod
    def stop_all(cls) -> None:
        """Stop every pager still waiting for presses (on cog unload / bot close)."""
        for view in list(cls.live):
            view.stop()

    def __init__(
        self,
        owner: int,
        render: PageRenderer,
        *,
        own_page: OwnPage | None = None,
        refusal: str | None = None,
        not_on_it: str | None = None,
        picture: PagePicture | None = None,
        timeout: float = 180,
    ) -> None:
        super().__init__(owner, timeout)
        PagerView.live.add(self)
        self.page = 0
        self.pages = 1
        self.render = render
        self.own_page = own_page
        self.picture = picture
        self.file: discord.File | None = None  # the shown page's picture, when it has one
        if refusal is not None:
            self.refusal = refusal
        if not_on_it is not None:
            self.not_on_it = not_on_it
        if own_page is None:
            self.remove_item(self.my_page)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.prev_page.disabled = self.page <= 0
        self.next_page.disabled = self.page + 1 >= self.pages

    async def open(self, page: int = 0) -> discord.Embed:
        """The embed of `page` (clamped to the last page), buttons set for it."""
        embed, pages = await self.render(page)
        if page >= pages > 0:  # the list shrank: show its last page instead
            page = pages - 1
            embed, pages = await self.render(page)
        self.page, self.pages = page, max(pages, page + 1)
        self._sync_buttons()
        embed = paged(embed, self.page, self.pages)
        self.file = await self.picture(self.page) if self.picture is not None else None
        if self.file is not None:  # the picture shows inside the embed; the text stays
            embed.set_image(url=f"attachment://{self.file.filename}")
        return embed

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        if self.picture is None:  # text only: answered at once with the new page
            embed = await self.open(page)
            await interaction.response.edit_message(embed=embed, view=self, attachments=[])
            return
        # reading the page and drawing its picture may pass Discord's 3 s: acknowledge the
        # press first, then edit the message once, the previous page's picture replaced (or
        # dropped when this page has none)
        await interaction.response.defer()
        embed = await self.open(page)
        files = [self.file] if self.file is not None else []
        await interaction.edit_original_response(embed=embed, view=self, attachments=files)

    @discord.ui.button(label="📍 My page", style=discord.ButtonStyle.primary)
    async def my_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]
    ) -> None:
        target = await self.own_page() if self.own_page is not None else None
        if target is None:
            await interaction.response.send_message(self.not_on_it, ephemeral=True)
            return
        await self._show(interaction, target)

    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary)
    async def prev_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]
    ) -> None:
        await self._show(interaction, max(0, self.page - 1))

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next_page(
        self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]
    ) -> None:
        await self._show(interaction, min(self.page + 1, self.pages - 1))


# -- who may be looked at -------------------------------------------------------------------
async def check_visible(interaction: discord.Interaction, member: discord.abc.User) -> None:
    """Others' private stats are refused; opted-out members are not tracked."""
    bot = kbot(interaction)
    row = await bot.reads.member(guild_of(interaction), member.id)
    if member.bot:
        raise DomainError(f"{member.display_name} is a bot; bots don't have streaks.")
    if row.opted_out:
        raise DomainError(f"{member.display_name} has opted out of tracking.")
    if member.id != interaction.user.id and row.visibility == "private":
        raise DomainError(f"{member.display_name} keeps their stats private.")


# -- leaderboard pages ----------------------------------------------------------------------
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
Unit = tuple[str, str]
"""A value's unit, singular and plural."""
UNITS: dict[str, Unit] = {
    "streaks": ("day", "days"),
    "best": ("day", "days"),
    "reputation": ("point", "points"),
    "weekly": ("point", "points"),
    "monthly": ("point", "points"),
    "challenge": ("", ""),
}
CHALLENGE_UNITS: dict[str, Unit] = {
    "community_interactions": ("interaction", "interactions"),
    "pair_streak": ("day in a row", "days in a row"),
    "distinct_partners": ("partner", "partners"),
    "points": ("point", "points"),
}
BOARD_LABELS: dict[str, str] = {
    "reputation": "Reputation (all time)",
    "weekly": "Points this week",
    "monthly": "Points this month",
    "streaks": "Running streaks",
    "best": "Best streaks ever",
    "challenge": "Current challenge",
}
"""Human names of the boards, for choice lists (the values stay the SPEC §7 names)."""


def with_unit(value: int, unit: Unit, bold: bool = False) -> str:
    """`12 days`, `1 point`, `1,250 points`."""
    number = f"**{value:,}**" if bold else f"{value:,}"
    word = unit[0] if value == 1 else unit[1]
    return f"{number} {word}".rstrip()


def readable_title(title: str) -> str:
    """A board title's `(since 2026-05-04)` as `(since Mon 4 May)` (no ISO dates shown)."""
    head, sep, tail = title.rpartition("(since ")
    if not sep or not tail.endswith(")"):
        return title
    try:
        day = datetime.fromisoformat(tail[:-1]).date()
    except ValueError:
        return title
    return f"{head}(since {day:%a} {day.day} {day:%b})"


def board_embed(
    page: BoardPage, own: tuple[int, int] | None = None, unit: Unit | None = None
) -> discord.Embed:
    """A board page for a phone: rank (medals for the top three), names as mentions, values
    with their unit; `own` (rank, value) of the viewer goes in the footer. A pager adds
    `Page x/y` in front of it (`paged`)."""
    embed = discord.Embed(title=f"🏆 {readable_title(page.title)}", colour=BRAND)
    unit = unit or UNITS.get(page.board, ("", ""))
    flame = "🔥 " if page.board in ("streaks", "best") else ""
    lines = []
    for entry in page.entries:
        who = " & ".join(user_tag(u) for u in entry.users)
        marker = MEDALS.get(entry.rank, f"`#{entry.rank}`")
        detail = f" {entry.detail}" if entry.detail else ""
        lines.append(f"{marker} {who} — {flame}{with_unit(entry.value, unit, bold=True)}{detail}")
    embed.description = "\n".join(lines) if lines else "Nobody on this board yet."
    if own is not None:
        embed.set_footer(text=f"You: #{own[0]} · {with_unit(own[1], unit)}")
    return embed


# -- challenges -----------------------------------------------------------------------------
GOAL_TEXT = {
    "community_interactions": "interactions by the whole server",
    "pair_streak": "days in a row with one partner",
    "distinct_partners": "different partners (both ways)",
    "points": "points earned",
}
GOAL_UNITS = {  # what one member's value counts, singular and plural
    "community_interactions": ("interaction", "interactions"),
    "pair_streak": ("day", "days"),
    "distinct_partners": ("partner", "partners"),
    "points": ("point", "points"),
}
NAMED_AT_MOST = 10
BOARD_TOP = 3  # ranks shown in the results post
BOARD_LINES = 5  # at most, when ranks are shared
POST_LIMIT = 1900  # under Discord's 2,000 characters
MENTIONS_PER_POST = 90  # under Discord's 100 users in allowed_mentions


def plural(count: int, one: str, many: str) -> str:
    """`1 member`, `3 members`, `1,200 points`."""
    return f"{count:,} {one if count == 1 else many}"


def goal_text(ch: Challenge) -> str:
    """`**5** days in a row with one partner` (a target of 1 is singular)."""
    if ch.target == 1:
        singular = {
            "community_interactions": "interaction by the whole server",
            "pair_streak": "day with a partner",
            "distinct_partners": "partner (both ways)",
            "points": "point earned",
        }
        return f"**1** {singular.get(ch.goal, ch.goal)}"
    return f"**{ch.target:,}** {GOAL_TEXT.get(ch.goal, ch.goal)}"


def value_text(goal: str, value: int) -> str:
    """A member's value on a challenge board with its unit: `249 points`, `1 day`."""
    one, many = GOAL_UNITS.get(goal, ("", ""))
    return plural(value, one, many).strip() if one else f"{value:,}"


def name_list(users: list[int], more: int = 0, limit: int = NAMED_AT_MOST) -> str:
    """`<@1>, <@2> and <@3>`; past `limit` (plus `more` not named): `… and 4 more`."""
    shown = [user_tag(u) for u in users[:limit]]
    rest = len(users) - len(shown) + more
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more" if shown else f"{rest} members"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def progress_bar(value: int, target: int, width: int = 16) -> str:
    filled = min(width, value * width // target) if target > 0 else width
    return "█" * filled + "░" * (width - filled)


def challenge_embed(
    ch: Challenge, now: datetime, progress: Progress | None, viewer: int | None = None
) -> discord.Embed:
    state = ch.state_at(now)
    embed = discord.Embed(title=f"🏁 {ch.name}", colour=BRAND, description=ch.description or None)
    embed.add_field(name="Goal", value=goal_text(ch))
    embed.add_field(name="State", value=state)
    if state == "scheduled":
        embed.add_field(name="Starts", value=relative(ch.starts))
    elif state == "active":
        embed.add_field(name="Ends", value=relative(ch.ends))
    if ch.multiplier > 1 and state in ("scheduled", "active"):
        embed.add_field(name="Bonus", value=f"×{ch.multiplier:g} points while it runs")
    embed.add_field(
        name="Joining",
        value="required (`/challenge join`)" if ch.join_required else "everyone takes part",
    )
    if progress is not None and state in ("active", "ended"):
        if ch.goal == "community_interactions":
            embed.add_field(
                name="Progress",
                inline=False,
                value=f"`{progress_bar(progress.total, ch.target)}` {progress.total}/{ch.target}",
            )
        elif viewer is not None:
            mine = progress.per_member.get(viewer, 0)
            embed.add_field(
                name="Your progress",
                inline=False,
                value=f"`{progress_bar(mine, ch.target)}` {mine}/{ch.target}",
            )
        if progress.completed:
            embed.add_field(
                name=f"Completed ({len(progress.completed)})",
                inline=False,
                value=name_list(progress.completed, limit=20),
            )
    embed.set_footer(text=challenge_footer(ch))
    return embed


def challenge_footer(ch: Challenge) -> str:
    if not ch.join_required:
        return f"Challenge #{ch.id} · open to everyone"
    return f"Challenge #{ch.id} · {plural(len(ch.participants), 'member', 'members')} joined"


def challenge_start_text(ch: Challenge) -> str:
    how = "Use `/challenge join` to take part." if ch.join_required else "Everyone takes part."
    return f"🏁 **{ch.name}** has started! {how}"


def challenge_end_embed(
    ch: Challenge, progress: Progress, board: BoardPage | None, unnamed: int = 0
) -> discord.Embed:
    """The one results post: what it was, how many completed it, the top of the final board
    with units, then the other completers; everyone is named at most once.
    `progress.completed` are the completers who may be named; `unnamed` more completed it."""
    lines = [f"The goal: {goal_text(ch)}."]
    if ch.goal == "community_interactions":
        reached = "✅ reached" if progress.total >= ch.target else "not reached"
        lines[0] += f" The server got to **{progress.total:,}**: {reached}."
    count = len(progress.completed) + unnamed
    if count:
        lines.append(f"✅ {plural(count, 'member', 'members')} completed it and earned its badge.")
    else:
        lines.append("Nobody completed it this time.")
    completed = set(progress.completed)
    entries = board.entries if board is not None else []
    top = [e for e in entries if e.rank <= BOARD_TOP][:BOARD_LINES]
    on_board = {u for e in top for u in e.users}
    if top:
        lines += ["", "**Final board**"]
        for entry in top:
            marker = MEDALS.get(entry.rank, f"`#{entry.rank}`")
            who = " & ".join(user_tag(u) for u in entry.users)
            done = " ✅" if completed.intersection(entry.users) else ""
            lines.append(f"{marker} {who} · {value_text(ch.goal, entry.value)}{done}")
    others = [u for u in progress.completed if u not in on_board]
    if others:
        label = "Also completed" if top else "Completed by"
        lines.append(f"{label}: {name_list(others, unnamed)}")
    embed = discord.Embed(
        title=f"🏁 {ch.name} has ended", colour=BRAND, description="\n".join(lines)
    )
    embed.set_footer(text=challenge_footer(ch))
    return embed


def challenge_cancel_embed(ch: Challenge, reason: str = "") -> discord.Embed:
    lines = []
    if reason.strip():
        lines.append(f"Reason: {reason.strip()}")
    lines.append("No badges are awarded for it.")
    embed = discord.Embed(
        title=f"❌ {ch.name} was cancelled",
        colour=discord.Colour.from_rgb(200, 80, 70),
        description="\n".join(lines),
    )
    embed.set_footer(text=f"Challenge #{ch.id}")
    return embed


def when_line(label: str, at: datetime) -> str:
    """`Starts <t:…:F> · <t:…:R>`: the exact time in each reader's own zone, and how soon."""
    stamp = int(at.timestamp())
    return f"{label} <t:{stamp}:F> · <t:{stamp}:R>"


def challenge_saved_embed(
    ch: Challenge, now: datetime, title: str, channel: int | None, announced: bool
) -> discord.Embed:
    """The moderator's short, private confirmation of a created or edited challenge: what was
    understood (the times as timestamps) and where it is announced (`announced`: just now)."""
    started = ch.starts <= now
    bonus = f" · ×{ch.multiplier:g} points while it runs" if ch.multiplier > 1 else ""
    lines = [
        f"Goal: {goal_text(ch)}{bonus}",
        when_line("Started" if started else "Starts", ch.starts),
        when_line("Ends", ch.ends),
    ]
    if channel is None:
        lines.append(
            "📣 No announcement channel is set, so nobody has been told. "
            "Set one with `/settings channels announcements:`."
        )
    elif announced:
        lines.append(f"📣 Announced in <#{channel}>.")
    else:
        soon = "in a moment" if started else f"when it starts, {relative(ch.starts)}"
        lines.append(f"📣 It will be announced in <#{channel}> {soon}.")
    embed = discord.Embed(title=title, colour=BRAND, description="\n".join(lines))
    embed.set_footer(text=challenge_footer(ch))
    return embed


def mention_chunks(
    users: list[int],
    head: str,
    limit: int = POST_LIMIT,
    per_post: int = MENTIONS_PER_POST,
) -> list[tuple[str, list[int]]]:
    """Mentions of `users` split into message texts under `limit` characters with at most
    `per_post` users each (the first starts with `head`): (text, the users it pings)."""
    out: list[tuple[str, list[int]]] = []
    text, pinged = head, list[int]()
    for user in users:
        tag = user_tag(user)
        if pinged and (len(text) + 1 + len(tag) > limit or len(pinged) >= per_post):
            out.append((text, pinged))
            text, pinged = "", []
        text = f"{text} {tag}" if text else tag
        pinged.append(user)
    if pinged:
        out.append((text, pinged))
    return out


# -- authenticity review ---------------------------------------------------------------------
REASON_TEXT = {
    "shared_text": "shared text",
    "regular_timing": "machine-regular timing",
    "closed_cluster": "closed cluster",
    "new_accounts": "new account",
    "kudos_ring": "kudos circle",
    "other": "other",
}


def _people(users: list[int], limit: int = 6) -> str:
    shown = ", ".join(user_tag(u) for u in users[:limit])
    return shown + (f" +{len(users) - limit}" if len(users) > limit else "")


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """The evidence of a flag in brief: which partners, sample texts, timing."""
    lines = []
    if (ev := evidence.get("shared_text")) is not None:
        sample = (
            f" e.g. “{discord.utils.escape_markdown(ev['samples'][0])}”"
            if ev.get("samples")
            else ""
        )
        lines.append(
            f"📝 {ev['shared']} of {ev['messages']} longer messages also sent by "
            f"{_people(ev.get('with', []))}.{sample}"
        )
    if (ev := evidence.get("regular_timing")) is not None:
        lines.append(
            f"⏱️ {ev['gaps']} gaps, median {ev['median_gap_s']} s, variation {ev['cv']}, "
            f"{round(100 * ev['under_cooldown'])}% faster than the cooldown."
        )
    if (ev := evidence.get("closed_cluster")) is not None:
        members = ev.get("members", [])
        lines.append(
            f"🔒 A group of {len(members)} ({_people(members)}): "
            f"{round(100 * ev['conductance'])}% of their interactions leave it."
        )
    if (ev := evidence.get("new_accounts")) is not None:
        when = ev.get("joined") or ev.get("created")
        if when:
            lines.append(f"🆕 Joined {relative(datetime.fromisoformat(when))}.")
    if (ev := evidence.get("kudos_ring")) is not None:
        lines.append(
            f"💛 Kudos circle {_people(ev.get('circle', []))}: gave {ev['given']}, "
            f"received {ev['received']} inside it."
        )
    return lines


def flag_embed(
    user: int,
    reasons: tuple[str, ...],
    evidence: dict[str, Any],
    held: int,
    mode: str,
    since: datetime,
    position: str = "",
) -> discord.Embed:
    embed = discord.Embed(
        title="🚩 Authenticity review" + (f" · {position}" if position else ""),
        colour=discord.Colour.from_rgb(220, 90, 70),
    )
    held_text = (
        f"**{held}** points held until you decide (earned since <t:{int(since.timestamp())}:d>)."
        if mode == "hold"
        else "Flag only: nothing is held."
    )
    embed.description = (
        f"{user_tag(user)} looks coordinated or automated: "
        f"{', '.join(REASON_TEXT.get(r, r) for r in reasons)}.\n{held_text}"
    )
    lines = evidence_lines(evidence)
    if lines:
        embed.add_field(name="Evidence", value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text="Approve releases held points; reject voids them. Both are audited.")
    return embed
