"""A real PostgreSQL server for the tests (a pytest plugin, see tests/conftest.py).

`KINDLING_TEST_POSTGRES_URL` (a superuser's URL) is used when set; otherwise a throwaway
cluster is made with the system's `initdb` and `pg_ctl` (Debian's postgresql package:
`make db-deps`) in a temporary folder on a free port, run as the `postgres` user when the
tests run as root (PostgreSQL refuses root), and removed at the end. Each test gets a fresh
database, created from a migrated template (fast).

When no server can be had the tests that need one skip with the reason - but fail when `CI`
is set or `KINDLING_REQUIRE_POSTGRES=1` (`.ci/run` sets it): CI must run them.

`python -m tests.postgres` starts a cluster and prints its URL (for `bench/ingest.py
--database` or manual runs) until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_URL = "KINDLING_TEST_POSTGRES_URL"
ENV_REQUIRE = "KINDLING_REQUIRE_POSTGRES"
TEMPLATE = "kindling_template"


def postgres_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get(ENV_REQUIRE) == "1"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version_key(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class Cluster:
    """A running PostgreSQL server: `url` names its `postgres` database as a superuser."""

    url: str
    folder: Path | None = None
    _runas: list[str] = field(default_factory=list)
    _bin: Path | None = None

    def stop(self) -> None:
        if self.folder is None or self._bin is None:
            return
        subprocess.run(  # noqa: S603
            [
                *self._runas,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(*, fast: bool = True) -> Cluster:
    """initdb + pg_ctl start in a temporary folder; raises RuntimeError saying why not.
    `fast`: no fsync (a throwaway test cluster); benchmarks pass False."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            f"PostgreSQL is not installed (no initdb found): run `make db-deps` or set {ENV_URL}"
        )
    runas: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="kindling-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise RuntimeError("running as root and no runuser to start PostgreSQL as postgres")
        runas = [runuser, "-u", "postgres", "--"]
        shutil.chown(folder, user="postgres")
    data = folder / "data"
    port = _free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*runas, *args], capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {proc.stderr.strip()[-500:]}")

    run(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if fast:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
    except RuntimeError as exc:
        log = folder / "log"
        tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"{exc} {tail}") from None
    return Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, runas, bin_dir)


class PostgresServer:
    """The session's server: hands out fresh databases cloned from a migrated template."""

    def __init__(self, url: str, cluster: Cluster | None) -> None:
        self.url = url
        self.cluster = cluster
        self._names = itertools.count(1)
        self._template_ready = False

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    async def _template(self) -> None:
        if self._template_ready:
            return
        from bot.storage.postgres import PostgresDatabase

        await self._admin(
            f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}"
        )
        db = await PostgresDatabase.open(with_database(self.url, TEMPLATE))
        await db.close()
        self._template_ready = True

    async def new_database(self, migrated: bool = True) -> str:
        """A fresh, empty database (migrated to the latest schema, or not) → its URL."""
        name = f"kindling_t{os.getpid()}_{next(self._names)}"
        if migrated:
            await self._template()
        template = TEMPLATE if migrated else "template0"
        await self._admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            f"CREATE DATABASE {name} TEMPLATE {template}",
        )
        return with_database(self.url, name)

    async def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with contextlib.suppress(Exception):
            await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL is needed for this test: {reason}"
    if postgres_required():
        pytest.fail(message + f" (CI / {ENV_REQUIRE}=1: the PostgreSQL tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (found or started once; see the module docs)."""
    url = os.environ.get(ENV_URL)
    try:
        server = PostgresServer(url, None) if url else _started()
    except RuntimeError as exc:
        _unavailable(str(exc))
        raise
    try:
        yield server
    finally:
        if server.cluster is not None:
            server.cluster.stop()


def _started() -> PostgresServer:
    cluster = start_cluster()
    return PostgresServer(cluster.url, cluster)


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh migrated database of the session's server, dropped afterwards."""
    url = await postgres_server.new_database()
    try:
        yield url
    finally:
        await postgres_server.drop_database(url)


def main() -> int:
    """Start a cluster (`--fast`: without fsync), print its URL, stop it on Ctrl-C or
    SIGTERM."""
    cluster = start_cluster(fast="--fast" in sys.argv)
    sys.stdout.write(cluster.url + "\n")
    sys.stdout.flush()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(serve())
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
