"""Command line: `python -m bot run | demo | replay | backup | restore | quarantine |
migrate-db`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.logging_setup import configure_logging
from bot.replay import ReplayError, parse_time, run_replay
from bot.storage.backends import is_postgres, open_database
from bot.storage.backup import backup_file, restore_file, staged
from bot.storage.database import latest_version
from bot.storage.filecheck import DatabaseFileError, check_database_file
from bot.storage.quarantine import QuarantineRepository
from bot.storage.sql import STORE_ERRORS

log = logging.getLogger(__name__)
_WRITE_FAILURES: tuple[type[Exception], ...] = (*STORE_ERRORS, OSError)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Kindling Discord bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with settings from the environment / .env")
    demo = sub.add_parser(
        "demo",
        help="run the bot against a local sandbox with a simulated "
        "community (no token, no network)",
    )
    demo.add_argument(
        "--seconds", type=float, default=45.0, help="wall-clock seconds for the simulated week"
    )
    backup = sub.add_parser(
        "backup", help="copy the database (DATABASE_PATH) to a file; safe while the bot runs"
    )
    backup.add_argument("path", type=Path, help="backup file, or a folder for a dated file")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup (stop the bot first)"
    )
    restore.add_argument("path", type=Path, help="the backup file to restore")
    sub.add_parser(
        "quarantine", help="rows the bot could not store (kept aside so tracking went on)"
    )
    replay = sub.add_parser("replay", help="run recorded events and print the resulting state")
    replay.add_argument("file", type=Path, help="JSONL events file")
    replay.add_argument("--now", required=True, help="ISO 8601 time to evaluate state at")
    replay.add_argument(
        "--db",
        default=None,
        help="database to apply the events to: an SQLite file, or postgresql://…",
    )
    replay.add_argument("--format", choices=["json"], default="json")
    migrate = sub.add_parser(
        "migrate-db",
        help="copy an SQLite database into PostgreSQL (every table, verified by counts)",
    )
    migrate.add_argument(
        "--from", dest="source", required=True, help="sqlite:///path (or a path) to copy"
    )
    migrate.add_argument(
        "--to", dest="target", required=True, help="postgresql://user:password@host/db"
    )
    migrate.add_argument(
        "--replace",
        action="store_true",
        help="empty the target first when it holds data (otherwise it is refused)",
    )
    return parser


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
    return code


def _replay(args: argparse.Namespace) -> int:
    configure_logging(logging.WARNING)
    code, out, err = replay_command(args.file, args.now, args.db)
    if err:
        return _fail(err, code)
    sys.stdout.write(out)
    return code


def replay_command(file: Path, now_text: str, db: str | None = None) -> tuple[int, str, str]:
    """`replay FILE --now NOW [--db DB]` without the process: (exit code, stdout, error).

    stdout is the state JSON exactly as printed (keys sorted, UTF-8 as is, one line); error
    is the message for stderr, empty on success.
    """
    try:
        now = parse_time(now_text, "--now")
    except ValueError as exc:
        return 2, "", str(exc)
    if not file.is_file():
        return 2, "", f"no such events file: {file}"
    try:
        if db and is_postgres(db):
            # PostgreSQL: applied in place (batches commit as they go; applying the file
            # again completes a run that failed half-way and changes nothing else)
            result = asyncio.run(run_replay(file, now, db))
        elif db:
            # applied to a copy that replaces the database only once everything is in: a
            # failure half-way (a full disk) leaves --db as it was
            with staged(db) as work:
                result = asyncio.run(run_replay(file, now, str(work)))
        else:
            with tempfile.TemporaryDirectory(prefix="kindling-replay-") as tmp:
                result = asyncio.run(run_replay(file, now, str(Path(tmp) / "replay.db")))
    except (ReplayError, DatabaseFileError) as exc:
        return 2, "", str(exc)
    except UnicodeDecodeError as exc:
        return 2, "", f"events file is not UTF-8: {exc.reason}"
    except _WRITE_FAILURES as exc:
        if db and is_postgres(db):
            return 1, "", f"the replay could not be written to PostgreSQL ({exc})"
        where = f" to {db}" if db else ""
        return 1, "", f"the replay could not be written ({exc}); nothing was applied{where}"
    return 0, json.dumps(result, sort_keys=True, ensure_ascii=False) + "\n", ""


def _run() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), 78)
    configure_logging(settings.log_level_number)
    if not settings.discord_token:
        return _fail(
            "missing setting DISCORD_TOKEN: put the bot token in .env or the "
            "environment (or run `python -m bot demo` to try it without one)",
            78,
        )
    try:
        if not settings.postgres_url:
            check_database_file(settings.database_path, latest_version())
    except DatabaseFileError as exc:
        return _fail(str(exc), 78)
    from bot.app import run_bot

    return int(run_bot(settings))


def _demo(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), 78)
    configure_logging(logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # e.g. "voice not supported"
    from bot.demo import run_demo

    return int(run_demo(settings, wall_seconds=args.seconds))


def _backup(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), 78)
    if settings.postgres_url:
        tool = "pg_dump -Fc" if args.command == "backup" else "pg_restore"
        return _fail(
            f"DATABASE_URL is a PostgreSQL server: {args.command} is for the SQLite file; "
            f"use the server's own tools ({tool})",
            2,
        )
    try:
        if args.command == "backup":
            written = backup_file(settings.database_path, args.path)
            sys.stdout.write(f"backed up {settings.database_path} to {written}\n")
        else:
            restore_file(args.path, settings.database_path)
            sys.stdout.write(f"restored {settings.database_path} from {args.path}\n")
    except DatabaseFileError as exc:
        return _fail(str(exc), 2)
    except (OSError, sqlite3.Error) as exc:
        return _fail(f"{args.command} failed: {exc}", 1)
    return 0


def _quarantine() -> int:
    try:
        settings = load_settings()
        if not settings.postgres_url:
            check_database_file(settings.database_path, latest_version())
    except (SettingsError, DatabaseFileError) as exc:
        return _fail(str(exc), 78)
    if not settings.postgres_url and not Path(settings.database_path).is_file():
        sys.stdout.write("no database yet: nothing quarantined\n")
        return 0

    async def read() -> tuple[int, list[tuple[int | None, str, str, str, int]]]:
        db = await open_database(settings.database_target)
        try:
            return await QuarantineRepository(db).recent(20)
        finally:
            await db.close()

    try:
        total, rows = asyncio.run(read())
    except DatabaseFileError as exc:
        return _fail(str(exc), 78)
    sys.stdout.write(f"{total} quarantined row(s)" + (", newest first:\n" if rows else "\n"))
    for guild, table, row, error, ts in rows:
        when = datetime.fromtimestamp(ts / 1_000_000, tz=UTC).isoformat(timespec="seconds")
        sys.stdout.write(f"{when} guild {guild} {table}: {error}\n    {row[:300]}\n")
    return 0


class _ProgressBar:
    """A text progress bar on stderr: redrawn in place on a terminal, a line per tenth
    otherwise (logs, CI)."""

    WIDTH = 30

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.tenth = -1

    def __call__(self, table: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if not self.tty:
            if int(share * 10) == self.tenth:
                return
            self.tenth = int(share * 10)
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"[{bar}] {share:4.0%} {done:,}/{total:,} rows {table}"
        sys.stderr.write(f"\r{line:<80}" if self.tty else line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _migrate_db(args: argparse.Namespace) -> int:
    """`migrate-db --from sqlite:///kindling.db --to postgresql://…`."""
    from bot.storage.backends import sqlite_path
    from bot.storage.migrate import MigrationError, copy_sqlite_to_postgres

    configure_logging(logging.WARNING)
    if is_postgres(args.source) or not is_postgres(args.target):
        return _fail(
            "migrate-db copies SQLite into PostgreSQL: --from sqlite:///path --to postgresql://…", 2
        )
    try:
        source = sqlite_path(args.source)
    except ValueError as exc:
        return _fail(str(exc), 2)
    bar = _ProgressBar()
    try:
        copied = asyncio.run(
            copy_sqlite_to_postgres(source, args.target, replace=args.replace, progress=bar)
        )
    except (MigrationError, DatabaseFileError) as exc:
        bar.end()
        return _fail(str(exc), 2)
    except _WRITE_FAILURES as exc:
        bar.end()
        return _fail(f"migrate-db failed, nothing copied: {type(exc).__name__}: {exc}", 1)
    bar.end()
    rows = sum(t.rows for t in copied)
    sys.stdout.write(
        f"copied {rows:,} rows in {len(copied)} tables from {source}; every table's count matches\n"
    )
    for table in copied:
        sys.stdout.write(f"  {table.name}: {table.rows:,}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "migrate-db":
        return _migrate_db(args)
    if args.command == "quarantine":
        return _quarantine()
    if args.command == "replay":
        return _replay(args)
    if args.command in ("backup", "restore"):
        return _backup(args)
    if args.command == "run":
        return _run()
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
