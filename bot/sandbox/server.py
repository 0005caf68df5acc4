"""A local Discord-compatible server (REST v10 + JSON gateway) for tests and the demo.

``Sandbox`` serves the part of Discord's API that discord.py and Kindling use, on
127.0.0.1, over real HTTP and a real websocket. State lives in a :class:`World`;
tests drive simulated members through :class:`~bot.sandbox.control.Control`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import mimetypes
import secrets
import socket
import struct
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.sandbox.control import Control
from bot.sandbox.errors import (
    ApiError,
    form_error,
    missing_permissions,
)
from bot.sandbox.model import (
    CHANNEL_PRIVATE_THREAD,
    FLAG_COMPONENTS_V2,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    JSON,
    Attachment,
    Channel,
    Dispatch,
    Guild,
    Interaction,
    Message,
)
from bot.sandbox.payloads import (
    application_payload,
    channel_payload,
    guild_create_payload,
    guild_payload,
    me_payload,
    member_payload,
    message_payload,
    role_payload,
    user_payload,
)
from bot.sandbox.permissions import (
    ADD_REACTIONS,
    ATTACH_FILES,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    PIN_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    base_permissions,
    top_role_position,
)
from bot.sandbox.validation import (
    parse_emoji,
    validate_message_body,
)
from bot.sandbox.world import World

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

# gateway opcodes
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# gateway intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_EXPRESSIONS = 1 << 3
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

_GUILD_INTENT = {
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE_BULK": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": INTENT_GUILD_MESSAGE_REACTIONS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_CREATE": INTENT_GUILDS,
    "GUILD_ROLE_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_DELETE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "CHANNEL_DELETE": INTENT_GUILDS,
    "CHANNEL_PINS_UPDATE": INTENT_GUILDS,
    "THREAD_CREATE": INTENT_GUILDS,
    "THREAD_UPDATE": INTENT_GUILDS,
    "THREAD_DELETE": INTENT_GUILDS,
    "GUILD_EMOJIS_UPDATE": INTENT_GUILD_EXPRESSIONS,
}
_DM_INTENT = {
    "MESSAGE_CREATE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_UPDATE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_DELETE": INTENT_DIRECT_MESSAGES,
    "CHANNEL_PINS_UPDATE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_DIRECT_MESSAGE_REACTIONS,
}
_CONTENT_FIELDS = ("content", "embeds", "attachments", "components", "poll")


def _json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (no charset)."""
    resp = web.Response(body=json.dumps(data).encode(), status=status, headers=headers)
    resp.headers["Content-Type"] = "application/json"
    return resp


_BODY: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("sandbox_request_body")


def _remember_body(body: Any) -> None:
    """Keep the parsed request body for :attr:`Sandbox.requests` (read by the middleware)."""
    holder = _BODY.get(None)
    if holder is not None:
        holder[0] = body


def _no_content() -> web.Response:
    return web.Response(status=204)


def _snowflake(request: web.Request, key: str) -> int:
    raw = request.match_info.get(key, "")
    if not raw.isdigit():
        raise form_error(key, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    return int(raw)


def _png(color: tuple[int, int, int], size: int = 32) -> bytes:
    """A solid-colour PNG, for the fake CDN (avatars)."""
    row = b"\x00" + bytes(color) * size
    raw = row * size

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class RequestRecord:
    """One REST request the sandbox answered."""

    method: str
    path: str
    route: str | None
    status: int
    at: float  # loop time
    body: Any = None


@dataclass
class RateLimitRule:
    limit: int
    per: float  # seconds


@dataclass
class _Bucket:
    reset_at: float
    count: int = 0


@dataclass
class GatewaySession:
    session_id: str
    intents: int
    shard: tuple[int, int] | None = None
    seq: int = 0
    invalid: bool = False
    buffer: deque[JSON] = field(default_factory=lambda: deque(maxlen=10_000))
    conn: _Connection | None = None


class _Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[JSON] = asyncio.Queue()
        self.session: GatewaySession | None = None
        self.writer: asyncio.Task[None] | None = None
        self.closing = False

    def send(self, frame: JSON) -> None:
        if not self.closing:
            self.queue.put_nowait(frame)

    async def write_loop(self) -> None:
        while True:
            frame = await self.queue.get()
            try:
                if not self.ws.closed and not self.closing:
                    await self.ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway write failed: %s", exc)
            finally:
                self.queue.task_done()

    def discard_unsent(self) -> None:
        """Drop the frames the writer will never send (the connection is gone), so that
        `flush()` waiting on this connection's queue is released instead of waiting forever
        (seen when a bot was killed while a flush waited on its connection)."""
        self.closing = True
        while not self.queue.empty():
            self.queue.get_nowait()
            self.queue.task_done()

    async def close(self, code: int, message: str = "") -> None:
        self.closing = True
        if self.ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=message.encode())


class Sandbox:
    """The local Discord-compatible server.

    ``await sandbox.start()`` listens on 127.0.0.1 (port 0 picks a free port). Point
    discord.py at :attr:`api_base` and :attr:`gateway_url` (see
    :func:`bot.sandbox.wiring.discord_endpoints`) and log in with :attr:`token`.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        token: str | None = None,
        heartbeat_interval: float = 41.25,
        privileged_intents: int = PRIVILEGED_INTENTS,
        interaction_deadline: float | None = None,
        shards: int = 1,
        max_guilds_per_shard: int | None = None,
    ) -> None:
        self.world = world or World(now=now, token=token)
        # sharding: what GET /gateway/bot recommends, and (like Discord's 2,500) how many
        # guilds one connection may hold before IDENTIFY is closed with 4011
        self.shards = shards
        self.max_guilds_per_shard = max_guilds_per_shard
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents
        self.interaction_deadline = interaction_deadline
        self.requests: list[RequestRecord] = []
        self.rate_limited: list[RequestRecord] = []
        self._failures: dict[str, tuple[int, int]] = {}  # route → (status, times left)
        self.identify_count = 0
        self.resume_count = 0
        self.connection_generation = 0
        self._rules: dict[str, RateLimitRule] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._sessions: dict[str, GatewaySession] = {}
        self._connections: set[_Connection] = set()
        self._paused = False
        self._host = "127.0.0.1"
        self._port = 0
        self._runner: web.AppRunner | None = None
        self._control = Control(self)
        self.world.add_listener(self._on_dispatch)

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("sandbox already started")
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024 * 1024)
        self._add_routes(app)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = sock.getsockname()[1]
        self.world.cdn_base = self.base_url
        log.info("sandbox listening on %s", self.base_url)

    async def stop(self) -> None:
        for conn in list(self._connections):
            await conn.close(int(WSCloseCode.GOING_AWAY), "sandbox stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.world.remove_listener(self._on_dispatch)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- addresses and identity --------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self._host}:{self._port}/"

    @property
    def cdn_base(self) -> str:
        return self.base_url

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user_id(self) -> int:
        return self.world.bot_user.id

    @property
    def control(self) -> Control:
        return self._control

    # -- gateway control ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while an identified (or resumed) gateway connection is open."""
        return any(
            c.session is not None and not c.closing and not c.ws.closed for c in self._connections
        )

    async def drop_gateway(self, code: int = 4000, *, invalidate: bool = False) -> None:
        """Close every gateway connection with ``code``.

        4000 (the default) lets discord.py RESUME and get the missed dispatches replayed.
        With ``invalidate=True`` the sessions are forgotten, so the client's RESUME gets
        INVALID_SESSION and it re-identifies (READY + GUILD_CREATE; missed events are lost,
        as on Discord).
        """
        for conn in list(self._connections):
            if invalidate and conn.session is not None:
                conn.session.invalid = True
            await conn.close(code, "sandbox drop")
        if invalidate:
            for session in self._sessions.values():
                session.invalid = True

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and resumes."""
        for conn in list(self._connections):
            conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
        await self.flush()

    def pause_gateway(self) -> None:
        """Refuse new gateway connections (HTTP 503) until :meth:`resume_gateway`."""
        self._paused = True

    def resume_gateway(self) -> None:
        self._paused = False

    async def wait_connected(self, *, since: int | None = None, timeout: float = 5.0) -> int:
        """Wait for a READY (after its GUILD_CREATEs) or RESUMED newer than generation ``since``.

        Returns the new :attr:`connection_generation`. ``since=None`` accepts the current
        connection if one is up.
        """
        floor = since if since is not None else 0

        def probe() -> int | None:
            if self.connection_generation > floor and self.connected:
                return self.connection_generation
            return None

        return await self.world.wait_until(probe, timeout=timeout, what="a gateway connection")

    async def flush(self) -> None:
        """Wait until every queued gateway frame has been written to its socket."""
        for conn in list(self._connections):
            if not conn.closing and not conn.ws.closed:
                await conn.queue.join()

    # -- rate limits -------------------------------------------------------------------------------

    def set_rate_limit(self, route: str, limit: int, per: float) -> None:
        """Limit a route, e.g. ``set_rate_limit("POST /channels/{channel_id}/messages", 5, 5.0)``.

        Buckets are per major parameter (channel, guild, webhook). ``"*"`` limits every route.
        Responses carry Discord's ``X-RateLimit-*`` headers; excess requests get a 429.
        """
        self._rules[route] = RateLimitRule(limit, per)

    def fail_next(self, route: str, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests of `route` (as in set_rate_limit) with an error
        status, as Discord does during an outage (fault injection for tests)."""
        self._failures[route] = (status, times)

    def clear_rate_limits(self) -> None:
        self._rules.clear()
        self._buckets.clear()

    def _rate_limit(self, route: str, major: str) -> tuple[dict[str, str], float | None]:
        rule = self._rules.get(route) or self._rules.get("*")
        if rule is None:
            return {}, None
        now = asyncio.get_running_loop().time()
        key = (route if route in self._rules else "*", major)
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            bucket = _Bucket(reset_at=now + rule.per)
            self._buckets[key] = bucket
        reset_after = max(bucket.reset_at - now, 0.0)
        wall_reset = time.time() + reset_after
        bucket_hash = f"{abs(hash(key[0])):x}"
        headers = {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Reset": f"{wall_reset:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }
        if bucket.count >= rule.limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            headers["Retry-After"] = f"{reset_after:.3f}"
            headers["Via"] = "1.1 sandbox"
            return headers, reset_after
        bucket.count += 1
        headers["X-RateLimit-Remaining"] = str(rule.limit - bucket.count)
        return headers, None

    # -- HTTP plumbing -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else None
        route = None
        if canonical is not None and canonical.startswith(API_PREFIX):
            route = f"{request.method} {canonical[len(API_PREFIX) :]}"
        body: Any = None
        holder: list[Any] = [None]
        _BODY.set(holder)
        headers: dict[str, str] = {}
        try:
            if request.path.startswith("/api/"):
                if route is not None:
                    self._check_auth(request, canonical or "")
                    failure = self._failures.get(route)
                    if failure is not None:
                        status, left = failure
                        if left <= 1:
                            del self._failures[route]
                        else:
                            self._failures[route] = (status, left - 1)
                        self.requests.append(
                            RequestRecord(
                                request.method, request.path, route, status, self._loop_time()
                            )
                        )
                        return _json_response(
                            {"message": f"{status}: Server Error", "code": 0}, status
                        )
                    major = self._major(request)
                    headers, retry = self._rate_limit(route, major)
                    if retry is not None:
                        resp: web.StreamResponse = _json_response(
                            {
                                "message": "You are being rate limited.",
                                "retry_after": round(retry, 3),
                                "global": False,
                            },
                            429,
                            headers,
                        )
                        record = RequestRecord(
                            request.method, request.path, route, 429, self._loop_time()
                        )
                        self.requests.append(record)
                        self.rate_limited.append(record)
                        return resp
                resp = await handler(request)
            else:
                resp = await handler(request)
        except ApiError as exc:
            resp = _json_response(exc.payload(), exc.status)
        except web.HTTPNotFound:
            resp = _json_response({"message": "404: Not Found", "code": 0}, 404)
        except web.HTTPMethodNotAllowed:
            resp = _json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
        except json.JSONDecodeError:
            resp = _json_response(
                {"message": "The request body contains invalid JSON.", "code": 50109}, 400
            )
        except web.HTTPException:
            raise
        except Exception:
            log.exception("sandbox: error handling %s %s", request.method, request.path)
            resp = _json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        if headers and isinstance(resp, web.Response):
            resp.headers.update(headers)
        if request.path.startswith("/api/"):
            body = holder[0]
            self.requests.append(
                RequestRecord(
                    request.method, request.path, route, resp.status, self._loop_time(), body
                )
            )
        return resp

    @staticmethod
    def _loop_time() -> float:
        return asyncio.get_running_loop().time()

    @staticmethod
    def _major(request: web.Request) -> str:
        info = request.match_info
        for key in ("channel_id", "guild_id", "webhook_token", "interaction_id"):
            if key in info:
                return f"{key}={info[key]}"
        return ""

    def _check_auth(self, request: web.Request, canonical: str) -> None:
        open_prefixes = (f"{API_PREFIX}/webhooks/", f"{API_PREFIX}/interactions/")
        if canonical.startswith(open_prefixes) or canonical == f"{API_PREFIX}/gateway":
            return
        auth = request.headers.get("Authorization", "")
        if auth != f"Bot {self.world.token}":
            raise ApiError(401, 0, "401: Unauthorized")

    async def _read_body(self, request: web.Request) -> tuple[JSON, list[Attachment]]:
        """JSON body, or multipart ``payload_json`` + ``files[n]`` turned into attachments."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            raw_payload = form.get("payload_json")
            payload: JSON = json.loads(raw_payload) if isinstance(raw_payload, str) else {}
            files: dict[int, web.FileField] = {}
            for key, value in form.items():
                if isinstance(value, web.FileField) and key.startswith("files["):
                    with contextlib.suppress(ValueError):
                        files[int(key[6:-1])] = value
            _remember_body(payload)
            data = payload.get("data") if "type" in payload and "data" in payload else payload
            meta = data.get("attachments") if isinstance(data, dict) else None
            described = {str(a.get("id")): a for a in meta or [] if isinstance(a, dict)}
            uploads: list[Attachment] = []
            channel_id = int(request.match_info.get("channel_id", "0") or 0)
            for index in sorted(files):
                upload = files[index]
                info = described.get(str(index), {})
                filename = str(info.get("filename") or upload.filename or f"file{index}")
                content_type = mimetypes.guess_type(filename)[0] or (
                    upload.content_type
                    if upload.content_type != "application/octet-stream"
                    else None
                )
                uploads.append(
                    self.world.create_attachment(
                        filename,
                        upload.file.read(),
                        channel_id=channel_id,
                        content_type=content_type,
                        description=info.get("description"),
                    )
                )
            return payload, uploads
        if not request.body_exists:
            _remember_body(None)
            return {}, []
        text = await request.text()
        parsed = json.loads(text) if text.strip() else {}
        _remember_body(parsed)
        if not isinstance(parsed, dict):
            raise form_error("_errors", "Expected an object")
        return parsed, []

    async def _read_json_list(self, request: web.Request) -> list[JSON]:
        text = await request.text()
        parsed = json.loads(text) if text.strip() else []
        _remember_body(parsed)
        if not isinstance(parsed, list):
            raise form_error("_errors", "Expected an array")
        return parsed

    # -- routes ------------------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        A = API_PREFIX
        cid = "{channel_id:\\d+}"
        mid = "{message_id:\\d+}"
        gid = "{guild_id:\\d+}"
        r = app.router
        add: Callable[[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]], Any]
        add = r.add_route
        add("GET", "/", self._gateway)
        add(
            "GET", "/attachments/{channel_id}/{attachment_id:\\d+}/{filename}", self._cdn_attachment
        )
        add("GET", "/embed/avatars/{index}.png", self._cdn_avatar)
        add("GET", "/avatars/{user_id}/{name}", self._cdn_avatar)
        # users, application, gateway
        add("GET", f"{A}/users/@me", self._get_me)
        add("GET", f"{A}/users/@me/guilds", self._get_my_guilds)
        add("POST", f"{A}/users/@me/channels", self._create_dm)
        add("GET", f"{A}/users/{{user_id:\\d+}}", self._get_user)
        add("GET", f"{A}/oauth2/applications/@me", self._get_application)
        add("GET", f"{A}/applications/@me", self._get_application)
        add("GET", f"{A}/gateway", self._get_gateway)
        add("GET", f"{A}/gateway/bot", self._get_gateway_bot)
        # application commands
        for prefix in (
            f"{A}/applications/{{application_id:\\d+}}",
            f"{A}/applications/{{application_id:\\d+}}/guilds/{gid}",
        ):
            add("GET", f"{prefix}/commands", self._list_commands)
            add("PUT", f"{prefix}/commands", self._put_commands)
            add("POST", f"{prefix}/commands", self._post_command)
            add("GET", f"{prefix}/commands/{{command_id:\\d+}}", self._get_command)
            add("PATCH", f"{prefix}/commands/{{command_id:\\d+}}", self._patch_command)
            add("DELETE", f"{prefix}/commands/{{command_id:\\d+}}", self._delete_command)
        add(
            "GET",
            f"{A}/applications/{{application_id:\\d+}}/guilds/{gid}/commands/permissions",
            self._empty_list,
        )
        # channels and messages (pins before {message_id})
        add("GET", f"{A}/channels/{cid}", self._get_channel)
        add("GET", f"{A}/channels/{cid}/messages/pins", self._get_pins)
        add("PUT", f"{A}/channels/{cid}/messages/pins/{mid}", self._pin)
        add("DELETE", f"{A}/channels/{cid}/messages/pins/{mid}", self._unpin)
        add("GET", f"{A}/channels/{cid}/pins", self._get_pins_legacy)
        add("PUT", f"{A}/channels/{cid}/pins/{mid}", self._pin)
        add("DELETE", f"{A}/channels/{cid}/pins/{mid}", self._unpin)
        add("POST", f"{A}/channels/{cid}/messages/bulk-delete", self._bulk_delete)
        add("GET", f"{A}/channels/{cid}/messages", self._get_messages)
        add("POST", f"{A}/channels/{cid}/messages", self._post_message)
        add("GET", f"{A}/channels/{cid}/messages/{mid}", self._get_message)
        add("PATCH", f"{A}/channels/{cid}/messages/{mid}", self._patch_message)
        add("DELETE", f"{A}/channels/{cid}/messages/{mid}", self._delete_message)
        add("POST", f"{A}/channels/{cid}/typing", self._typing)
        add("PUT", f"{A}/channels/{cid}/messages/{mid}/reactions/{{emoji}}/@me", self._add_reaction)
        add(
            "DELETE",
            f"{A}/channels/{cid}/messages/{mid}/reactions/{{emoji}}/@me",
            self._remove_own_reaction,
        )
        add(
            "DELETE",
            f"{A}/channels/{cid}/messages/{mid}/reactions/{{emoji}}/{{user_id:\\d+}}",
            self._remove_user_reaction,
        )
        add(
            "GET",
            f"{A}/channels/{cid}/messages/{mid}/reactions/{{emoji}}",
            self._get_reaction_users,
        )
        add("DELETE", f"{A}/channels/{cid}/messages/{mid}/reactions/{{emoji}}", self._clear_emoji)
        add("DELETE", f"{A}/channels/{cid}/messages/{mid}/reactions", self._clear_reactions)
        add("POST", f"{A}/channels/{cid}/threads", self._create_thread)
        add("POST", f"{A}/channels/{cid}/messages/{mid}/threads", self._create_thread)
        # guilds, members, roles
        add("GET", f"{A}/guilds/{gid}", self._get_guild)
        add("GET", f"{A}/guilds/{gid}/channels", self._get_guild_channels)
        add("GET", f"{A}/guilds/{gid}/roles", self._get_roles)
        add("POST", f"{A}/guilds/{gid}/roles", self._create_role)
        add("PATCH", f"{A}/guilds/{gid}/roles/{{role_id:\\d+}}", self._edit_role)
        add("GET", f"{A}/guilds/{gid}/members", self._list_members)
        add("GET", f"{A}/guilds/{gid}/members/{{user_id:\\d+}}", self._get_member)
        add("PATCH", f"{A}/guilds/{gid}/members/{{user_id:\\d+}}", self._edit_member)
        add(
            "PUT",
            f"{A}/guilds/{gid}/members/{{user_id:\\d+}}/roles/{{role_id:\\d+}}",
            self._add_member_role,
        )
        add(
            "DELETE",
            f"{A}/guilds/{gid}/members/{{user_id:\\d+}}/roles/{{role_id:\\d+}}",
            self._remove_member_role,
        )
        # interactions and webhooks
        add(
            "POST",
            f"{A}/interactions/{{interaction_id:\\d+}}/{{interaction_token}}/callback",
            self._interaction_callback,
        )
        wh = f"{A}/webhooks/{{webhook_id:\\d+}}/{{webhook_token}}"
        add("POST", wh, self._execute_webhook)
        add("GET", f"{wh}/messages/{{message_id:(@original|\\d+)}}", self._get_webhook_message)
        add("PATCH", f"{wh}/messages/{{message_id:(@original|\\d+)}}", self._edit_webhook_message)
        add(
            "DELETE", f"{wh}/messages/{{message_id:(@original|\\d+)}}", self._delete_webhook_message
        )

    # -- CDN ---------------------------------------------------------------------------------------

    async def _cdn_attachment(self, request: web.Request) -> web.StreamResponse:
        attachment = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            return _json_response({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(
            body=attachment.data,
            content_type=attachment.content_type or "application/octet-stream",
        )

    async def _cdn_avatar(self, request: web.Request) -> web.StreamResponse:
        seed = sum(
            (request.match_info.get("index") or request.match_info.get("user_id", "0")).encode()
        )
        color = ((seed * 53) % 200 + 40, (seed * 97) % 200 + 40, (seed * 31) % 200 + 40)
        return web.Response(body=_png(color), content_type="image/png")

    # -- users / application / gateway info --------------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return _json_response(me_payload(self.world))

    async def _get_my_guilds(self, request: web.Request) -> web.StreamResponse:
        out: list[JSON] = [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "owner": False,
                "permissions": str(base_permissions(g, self.bot_user_id)),
                "features": [],
            }
            for g in self.world.guilds.values()
            if self.bot_user_id in g.members
        ]
        return _json_response(out)

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.world.user(_snowflake(request, "user_id"))
        return _json_response(user_payload(user))

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        return _json_response(application_payload(self.world))

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url.rstrip("/")})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.identify_count,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _create_dm(self, request: web.Request) -> web.StreamResponse:
        body, _ = await self._read_body(request)
        raw = body.get("recipient_id")
        if raw is None or not str(raw).isdigit():
            raise form_error("recipient_id", "Value is not snowflake.", "NUMBER_TYPE_COERCE")
        channel = self.world.dm_channel(int(raw))
        return _json_response(channel_payload(self.world, channel))

    async def _empty_list(self, request: web.Request) -> web.StreamResponse:
        return _json_response([])

    # -- application commands ----------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        if _snowflake(request, "application_id") != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" in request.match_info:
            guild_id = _snowflake(request, "guild_id")
            self.world.guild(guild_id)
            return guild_id
        return None

    def _command(self, request: web.Request) -> tuple[int | None, JSON]:
        scope = self._command_scope(request)
        command_id = _snowflake(request, "command_id")
        for cmd in self.world.commands.get(scope, []):
            if int(cmd["id"]) == command_id:
                return scope, cmd
        raise ApiError(404, 10063, "Unknown application command")

    async def _list_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        return _json_response(self.world.commands.get(scope, []))

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        payload = await self._read_json_list(request)
        return _json_response(self.world.overwrite_commands(scope, payload))

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        body, _ = await self._read_body(request)
        existed = any(
            c["name"] == body.get("name") and c.get("type", 1) == body.get("type", 1)
            for c in self.world.commands.get(scope, [])
        )
        cmd = self.world.upsert_command(scope, body)
        return _json_response(cmd, 200 if existed else 201)

    async def _get_command(self, request: web.Request) -> web.StreamResponse:
        _, cmd = self._command(request)
        return _json_response(cmd)

    async def _patch_command(self, request: web.Request) -> web.StreamResponse:
        scope, cmd = self._command(request)
        body, _ = await self._read_body(request)
        merged = {**cmd, **body}
        others = [c for c in self.world.commands.get(scope, []) if c["id"] != cmd["id"]]
        result = self.world.overwrite_commands(scope, [*others, merged])
        return _json_response(next(c for c in result if c["name"] == merged["name"]))

    async def _delete_command(self, request: web.Request) -> web.StreamResponse:
        scope, cmd = self._command(request)
        self.world.delete_command(scope, int(cmd["id"]))
        return _no_content()

    # -- channels and messages ---------------------------------------------------------------------

    def _bot_channel(self, request: web.Request, *needed: int) -> Channel:
        channel = self.world.channel(_snowflake(request, "channel_id"))
        if channel.guild_id is not None:
            self.world.require(channel.id, self.bot_user_id, *needed)
        return channel

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request)
        return _json_response(channel_payload(self.world, channel))

    async def _get_messages(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, READ_MESSAGE_HISTORY)
        query = request.query
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            raise form_error("limit", "Value is not int.", "NUMBER_TYPE_COERCE") from None
        if not 1 <= limit <= 100:
            raise form_error("limit", "int value should be between 1 and 100.", "NUMBER_TYPE_MAX")

        def snow(key: str) -> int | None:
            value = query.get(key)
            if value is None:
                return None
            if not value.isdigit():
                raise form_error(key, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
            return int(value)

        msgs = self.world.history(
            channel.id,
            limit=limit,
            before=snow("before"),
            after=snow("after"),
            around=snow("around"),
        )
        return _json_response([message_payload(self.world, m) for m in msgs])

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, READ_MESSAGE_HISTORY)
        msg = self.world.message(channel.id, _snowflake(request, "message_id"))
        if msg.ephemeral_for is not None:
            raise ApiError(404, 10008, "Unknown Message")
        return _json_response(message_payload(self.world, msg))

    def _check_dm_target(self, channel: Channel) -> None:
        recipient = self.world.dm_recipient(channel)
        if recipient is not None:
            user = self.world.user(recipient)
            if user.bot or not user.dms_open:
                raise ApiError(403, 50007, "Cannot send messages to this user")

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        channel = self.world.channel(_snowflake(request, "channel_id"))
        body, uploads = await self._read_body(request)
        if channel.guild_id is not None:
            send = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
            needed = [send]
            if uploads:
                needed.append(ATTACH_FILES)
            if body.get("message_reference"):
                needed.append(READ_MESSAGE_HISTORY)
            self.world.require(channel.id, self.bot_user_id, *needed)
        else:
            self._check_dm_target(channel)
        validate_message_body(body, uploads)
        reply_to: int | None = None
        ref = body.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id") is not None:
            target = self.world.messages.get(int(ref["message_id"]))
            if target is None or target.deleted or target.channel_id != channel.id:
                if ref.get("fail_if_not_exists", True):
                    raise form_error(
                        "message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
                    )
            else:
                reply_to = target.id
        flags = int(body.get("flags") or 0) & (
            FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
        )
        embeds = body.get("embeds")
        if embeds is None and body.get("embed"):
            embeds = [body["embed"]]
        msg = self.world.create_message(
            channel.id,
            self.bot_user_id,
            content=str(body.get("content") or ""),
            embeds=embeds or [],
            components=body.get("components") or [],
            attachments=uploads,
            flags=flags,
            reply_to=reply_to,
            allowed_mentions=body.get("allowed_mentions"),
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
        )
        return _json_response(message_payload(self.world, msg))

    async def _patch_message(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request)
        msg = self.world.message(channel.id, _snowflake(request, "message_id"))
        body, uploads = await self._read_body(request)
        if msg.author_id != self.bot_user_id:
            only_flags = set(body) <= {"flags"}
            if not only_flags:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        changes = {
            k: v
            for k, v in body.items()
            if k
            in (
                "content",
                "embeds",
                "embed",
                "components",
                "flags",
                "attachments",
                "allowed_mentions",
            )
        }
        after = {
            "content": changes.get("content", msg.content),
            "embeds": changes.get("embeds", msg.embeds),
            "components": changes.get("components", msg.components),
            "flags": changes.get("flags", msg.flags),
        }
        validate_message_body(after, [*msg.attachments, *uploads])
        self.world.edit_message(msg, changes, uploaded=uploads)
        return _json_response(message_payload(self.world, msg))

    async def _delete_message(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request)
        msg = self.world.message(channel.id, _snowflake(request, "message_id"))
        if msg.author_id != self.bot_user_id and channel.guild_id is not None:
            self.world.require(channel.id, self.bot_user_id, MANAGE_MESSAGES)
        elif msg.author_id != self.bot_user_id:
            raise missing_permissions()
        self.world.delete_message(msg)
        return _no_content()

    async def _bulk_delete(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, MANAGE_MESSAGES)
        body, _ = await self._read_body(request)
        ids = [int(x) for x in body.get("messages") or []]
        if not 2 <= len(ids) <= 100:
            raise form_error("messages", "Must be between 2 and 100 in length.")
        for message_id in ids:
            msg = self.world.messages.get(message_id)
            if msg is not None and not msg.deleted and msg.channel_id == channel.id:
                self.world.delete_message(msg)
        return _no_content()

    async def _typing(self, request: web.Request) -> web.StreamResponse:
        self._bot_channel(request)
        return _no_content()

    # -- reactions ---------------------------------------------------------------------------------

    def _reaction_target(self, request: web.Request) -> tuple[Channel, Message, JSON]:
        channel = self._bot_channel(request, READ_MESSAGE_HISTORY)
        msg = self.world.message(channel.id, _snowflake(request, "message_id"))
        emoji = parse_emoji(request.match_info["emoji"], self.world.guilds.values())
        return channel, msg, emoji

    async def _add_reaction(self, request: web.Request) -> web.StreamResponse:
        channel, msg, emoji = self._reaction_target(request)
        exists = any(
            str(r.emoji.get("id") or r.emoji.get("name"))
            == str(emoji.get("id") or emoji.get("name"))
            for r in msg.reactions
        )
        if channel.guild_id is not None and not exists:
            self.world.require(channel.id, self.bot_user_id, ADD_REACTIONS)
        self.world.add_reaction(msg, self.bot_user_id, emoji)
        return _no_content()

    async def _remove_own_reaction(self, request: web.Request) -> web.StreamResponse:
        _, msg, emoji = self._reaction_target(request)
        self.world.remove_reaction(msg, self.bot_user_id, emoji)
        return _no_content()

    async def _remove_user_reaction(self, request: web.Request) -> web.StreamResponse:
        channel, msg, emoji = self._reaction_target(request)
        user_id = _snowflake(request, "user_id")
        if user_id != self.bot_user_id:
            self.world.require(channel.id, self.bot_user_id, MANAGE_MESSAGES)
        self.world.remove_reaction(msg, user_id, emoji)
        return _no_content()

    async def _get_reaction_users(self, request: web.Request) -> web.StreamResponse:
        _, msg, emoji = self._reaction_target(request)
        key = str(emoji.get("id") or emoji.get("name"))
        users: list[int] = []
        for reaction in msg.reactions:
            if str(reaction.emoji.get("id") or reaction.emoji.get("name")) == key:
                users = sorted(reaction.users)
        after = request.query.get("after")
        if after and after.isdigit():
            users = [u for u in users if u > int(after)]
        limit = int(request.query.get("limit", "25"))
        return _json_response([user_payload(self.world.user(u)) for u in users[:limit]])

    async def _clear_emoji(self, request: web.Request) -> web.StreamResponse:
        channel, msg, emoji = self._reaction_target(request)
        self.world.require(channel.id, self.bot_user_id, MANAGE_MESSAGES)
        key = str(emoji.get("id") or emoji.get("name"))
        for reaction in list(msg.reactions):
            if str(reaction.emoji.get("id") or reaction.emoji.get("name")) == key:
                for user_id in list(reaction.users):
                    self.world.remove_reaction(msg, user_id, reaction.emoji)
        return _no_content()

    async def _clear_reactions(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, MANAGE_MESSAGES)
        msg = self.world.message(channel.id, _snowflake(request, "message_id"))
        for reaction in list(msg.reactions):
            for user_id in list(reaction.users):
                self.world.remove_reaction(msg, user_id, reaction.emoji)
        return _no_content()

    # -- pins --------------------------------------------------------------------------------------

    def _pin_target(self, request: web.Request) -> Message:
        channel = self._bot_channel(request)
        if channel.guild_id is not None:
            perms = self.world.permissions_in(channel.id, self.bot_user_id)
            if not perms & (MANAGE_MESSAGES | PIN_MESSAGES):
                raise missing_permissions()
        return self.world.message(channel.id, _snowflake(request, "message_id"))

    async def _pin(self, request: web.Request) -> web.StreamResponse:
        msg = self._pin_target(request)
        if not msg.pinned and len(self.world.pinned_messages(msg.channel_id)) >= 250:
            raise ApiError(400, 30003, "Maximum number of pins reached (250)")
        self.world.set_pinned(msg, True)
        return _no_content()

    async def _unpin(self, request: web.Request) -> web.StreamResponse:
        msg = self._pin_target(request)
        self.world.set_pinned(msg, False)
        return _no_content()

    async def _get_pins(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, READ_MESSAGE_HISTORY)
        pins = self.world.pinned_messages(channel.id)
        before = request.query.get("before")
        if before:
            cutoff = datetime.fromisoformat(before)
            pins = [m for m in pins if m.pinned_at is not None and m.pinned_at < cutoff]
        limit = int(request.query.get("limit", "50"))
        items = [
            {
                "pinned_at": (m.pinned_at or m.timestamp).isoformat(),
                "message": message_payload(self.world, m),
            }
            for m in pins[:limit]
        ]
        return _json_response({"items": items, "has_more": len(pins) > limit})

    async def _get_pins_legacy(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request, READ_MESSAGE_HISTORY)
        pins = self.world.pinned_messages(channel.id)
        return _json_response([message_payload(self.world, m) for m in pins])

    # -- threads -----------------------------------------------------------------------------------

    async def _create_thread(self, request: web.Request) -> web.StreamResponse:
        channel = self._bot_channel(request)
        body, _ = await self._read_body(request)
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "Must be between 1 and 100 in length.")
        thread_id: int | None = None
        private = body.get("type") == CHANNEL_PRIVATE_THREAD
        if "message_id" in request.match_info:
            msg = self.world.message(channel.id, _snowflake(request, "message_id"))
            thread_id = msg.id
            private = False
        self.world.require(
            channel.id,
            self.bot_user_id,
            CREATE_PRIVATE_THREADS if private else CREATE_PUBLIC_THREADS,
        )
        thread = self.world.create_thread(
            channel.id, name, owner_id=self.bot_user_id, private=private, thread_id=thread_id
        )
        return _json_response(channel_payload(self.world, thread), 201)

    # -- guilds ------------------------------------------------------------------------------------

    def _bot_guild(self, request: web.Request) -> int:
        guild = self.world.guild(_snowflake(request, "guild_id"))
        if self.bot_user_id not in guild.members:
            raise ApiError(403, 50001, "Missing Access")
        return guild.id

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        guild = self.world.guild(self._bot_guild(request))
        data = guild_payload(guild)
        if request.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return _json_response(data)

    async def _get_guild_channels(self, request: web.Request) -> web.StreamResponse:
        guild = self.world.guild(self._bot_guild(request))
        channels = [self.world.channels[c] for c in guild.channel_ids]
        return _json_response([channel_payload(self.world, c) for c in channels if not c.is_thread])

    async def _get_roles(self, request: web.Request) -> web.StreamResponse:
        guild = self.world.guild(self._bot_guild(request))
        return _json_response([role_payload(r) for r in guild.roles.values()])

    async def _create_role(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        if not base_permissions(self.world.guild(guild_id), self.bot_user_id) & MANAGE_ROLES:
            raise missing_permissions()
        body, _ = await self._read_body(request)
        role = self.world.create_role(
            guild_id,
            str(body.get("name") or "new role"),
            permissions=int(body.get("permissions") or 0),
            color=int(body.get("color") or 0),
            hoist=bool(body.get("hoist", False)),
            mentionable=bool(body.get("mentionable", False)),
        )
        return _json_response(role_payload(role))

    async def _edit_role(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        role = self.world.role(guild_id, _snowflake(request, "role_id"))
        self._check_role_manageable(guild_id, role.id)
        body, _ = await self._read_body(request)
        if "name" in body:
            role.name = str(body["name"])
        if "permissions" in body:
            role.permissions = int(body["permissions"])
        if "color" in body:
            role.color = int(body["color"] or 0)
        if "hoist" in body:
            role.hoist = bool(body["hoist"])
        if "mentionable" in body:
            role.mentionable = bool(body["mentionable"])
        self.world.update_role(role)
        return _json_response(role_payload(role))

    async def _list_members(self, request: web.Request) -> web.StreamResponse:
        guild = self.world.guild(self._bot_guild(request))
        limit = int(request.query.get("limit", "1"))
        if not 1 <= limit <= 1000:
            raise form_error("limit", "int value should be between 1 and 1000.", "NUMBER_TYPE_MAX")
        after = int(request.query.get("after", "0") or 0)
        members = sorted(
            (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
        )
        return _json_response([member_payload(self.world, m) for m in members[:limit]])

    async def _get_member(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        member = self.world.member(guild_id, _snowflake(request, "user_id"))
        return _json_response(member_payload(self.world, member))

    def _check_role_manageable(self, guild_id: int, role_id: int) -> None:
        guild = self.world.guild(guild_id)
        role = self.world.role(guild_id, role_id)
        if not base_permissions(self.world.guild(guild_id), self.bot_user_id) & MANAGE_ROLES:
            raise missing_permissions()
        if role.id == guild.id or role.managed:
            raise missing_permissions()
        if role.position >= top_role_position(self.world.guild(guild_id), self.bot_user_id):
            raise missing_permissions()

    async def _edit_member(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        user_id = _snowflake(request, "user_id")
        member = self.world.member(guild_id, user_id)
        body, _ = await self._read_body(request)
        if "roles" in body:
            wanted = [int(r) for r in body["roles"] or []]
            for role_id in set(wanted) ^ set(member.roles):
                self._check_role_manageable(guild_id, role_id)
            self.world.set_member_roles(guild_id, user_id, wanted, by=self.bot_user_id)
        if "nick" in body:
            member.nick = body["nick"] or None
            self.world.emit_member_update(member)
        return _json_response(member_payload(self.world, member))

    async def _add_member_role(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        user_id = _snowflake(request, "user_id")
        role_id = _snowflake(request, "role_id")
        member = self.world.member(guild_id, user_id)
        self._check_role_manageable(guild_id, role_id)
        if role_id not in member.roles:
            self.world.set_member_roles(
                guild_id, user_id, [*member.roles, role_id], by=self.bot_user_id
            )
        return _no_content()

    async def _remove_member_role(self, request: web.Request) -> web.StreamResponse:
        guild_id = self._bot_guild(request)
        user_id = _snowflake(request, "user_id")
        role_id = _snowflake(request, "role_id")
        member = self.world.member(guild_id, user_id)
        self._check_role_manageable(guild_id, role_id)
        if role_id in member.roles:
            self.world.set_member_roles(
                guild_id, user_id, [r for r in member.roles if r != role_id], by=self.bot_user_id
            )
        return _no_content()

    # -- interactions and webhooks -----------------------------------------------------------------

    def _interaction_for_callback(self, request: web.Request) -> Interaction:
        interaction = self.world.interactions.get(_snowflake(request, "interaction_id"))
        if interaction is None or interaction.token != request.match_info["interaction_token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if self.interaction_deadline is not None and not interaction.acknowledged:
            age = self._loop_time() - interaction.created_monotonic
            if age > self.interaction_deadline:
                raise ApiError(404, 10062, "Unknown interaction")
        return interaction

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interaction_for_callback(request)
        body, uploads = await self._read_body(request)
        result = self.world.interaction_callback(interaction, body, uploads)
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json_response(result)
        return _no_content()

    def _webhook_interaction(self, request: web.Request) -> Interaction:
        if _snowflake(request, "webhook_id") != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        interaction = self.world.interactions_by_token.get(request.match_info["webhook_token"])
        if interaction is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return interaction

    def _webhook_message(self, request: web.Request, interaction: Interaction) -> Message:
        raw = request.match_info["message_id"]
        if raw == "@original":
            return self.world.original_message(interaction)
        msg = self.world.messages.get(int(raw))
        if (
            msg is None
            or msg.deleted
            or (msg.interaction_id != interaction.id and msg.id != interaction.original_message_id)
        ):
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _execute_webhook(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        body, uploads = await self._read_body(request)
        msg = self.world.create_followup(interaction, body, uploads)
        if request.query.get("wait") in ("1", "true", "True"):
            return _json_response(message_payload(self.world, msg))
        return _no_content()

    async def _get_webhook_message(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        msg = self._webhook_message(request, interaction)
        return _json_response(message_payload(self.world, msg))

    async def _edit_webhook_message(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        msg = self._webhook_message(request, interaction)
        body, uploads = await self._read_body(request)
        if msg.author_id != self.bot_user_id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self.world.edit_interaction_message(interaction, msg, body, uploads)
        return _json_response(message_payload(self.world, msg))

    async def _delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        msg = self._webhook_message(request, interaction)
        if msg.author_id != self.bot_user_id:
            raise missing_permissions()
        self.world.delete_message(msg)
        return _no_content()

    # -- gateway -----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self._paused:
            return _json_response({"message": "gateway unavailable (paused)", "code": 0}, 503)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        if not ws.can_prepare(request).ok:
            return _json_response(
                {"message": "sandbox gateway: websocket upgrade required", "code": 0}, 400
            )
        if request.query.get("encoding", "json") != "json":
            return _json_response({"message": "only encoding=json is supported", "code": 0}, 400)
        await ws.prepare(request)
        conn = _Connection(ws)
        conn.writer = asyncio.create_task(conn.write_loop(), name="sandbox-gateway-writer")
        self._connections.add(conn)
        conn.send(
            {
                "op": OP_HELLO,
                "d": {
                    "heartbeat_interval": int(self.heartbeat_interval * 1000),
                    "_trace": ["sandbox"],
                },
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                    except json.JSONDecodeError:
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    if not isinstance(frame, dict):
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    await self._handle_frame(conn, frame)
                elif msg.type == WSMsgType.BINARY:
                    await conn.close(4002, "Error while decoding payload.")
                    break
                elif msg.type == WSMsgType.ERROR:
                    break
                if conn.closing:
                    break
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if not conn.closing and ws.close_code in (1000, 1001):
                    # a clean close by the client ends the session, as on Discord
                    session.invalid = True
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conn.writer
            conn.discard_unsent()
            if not ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.close()
            self.world.changed()
        return ws

    async def _handle_frame(self, conn: _Connection, frame: JSON) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == OP_HEARTBEAT:
            conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            return
        if op == OP_IDENTIFY:
            await self._identify(conn, data if isinstance(data, dict) else {})
            return
        if op == OP_RESUME:
            await self._resume(conn, data if isinstance(data, dict) else {})
            return
        if conn.session is None:
            await conn.close(4003, "Not authenticated.")
            return
        if op == OP_REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, data if isinstance(data, dict) else {})
            return
        if op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            return
        await conn.close(4001, "Unknown opcode.")

    def _token_ok(self, token: object) -> bool:
        if not isinstance(token, str):
            return False
        token = token.removeprefix("Bot ")
        return secrets.compare_digest(token, self.world.token)

    async def _identify(self, conn: _Connection, data: JSON) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard_raw = data.get("shard")
        shard: tuple[int, int] | None = None
        if isinstance(shard_raw, list) and len(shard_raw) == 2:
            shard = (int(shard_raw[0]), int(shard_raw[1]))
            if not 0 <= shard[0] < shard[1]:
                await conn.close(4010, "Invalid shard.")
                return
        guilds = [
            g
            for g in self.world.guilds.values()
            if self._sees(shard, g.id) and self.bot_user_id in g.members
        ]
        limit = self.max_guilds_per_shard
        if limit is not None and len(guilds) > limit:
            await conn.close(4011, "Sharding required.")
            return
        # a fresh IDENTIFY means older, disconnected sessions of the same shard will not be
        # resumed (each shard is a session of its own; others are left alone)
        for old in self._sessions.values():
            if old.conn is None and (old.shard or (0, 1))[0] == (shard or (0, 1))[0]:
                old.invalid = True
        self._sessions = {k: v for k, v in self._sessions.items() if not v.invalid}
        session = GatewaySession(secrets.token_hex(16), intents, shard)
        self._sessions[session.session_id] = session
        session.conn = conn
        conn.session = session
        self.identify_count += 1
        ready: JSON = {
            "v": 10,
            "user": me_payload(self.world),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {
                "id": str(self.application_id),
                "flags": application_payload(self.world)["flags"],
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["sandbox"],
            "session_type": "normal",
            "auth": {},
            "_trace": ["sandbox"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        self._send_dispatch(session, "READY", ready)
        include_members = bool(intents & INTENT_GUILD_MEMBERS)
        for guild in guilds:
            self._send_dispatch(
                session,
                "GUILD_CREATE",
                guild_create_payload(self.world, guild, include_members=include_members),
            )
        self.connection_generation += 1
        self.world.changed()

    async def _resume(self, conn: _Connection, data: JSON) -> None:
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or session.invalid:
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not conn:
            # the client resumed before the old socket finished closing: take the session over
            session.conn.session = None
            session.conn.closing = True
        raw_seq = data.get("seq")
        seq = int(raw_seq) if isinstance(raw_seq, int) else 0
        if session.buffer and session.buffer[0]["s"] > seq + 1:
            # the frames the client missed are no longer buffered
            session.invalid = True
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session.conn = conn
        conn.session = session
        for frame in session.buffer:
            if frame["s"] > seq:
                conn.send(frame)
        session.seq += 1
        conn.send(
            {"op": OP_DISPATCH, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["sandbox"]}}
        )
        self.resume_count += 1
        self.connection_generation += 1
        self.world.changed()

    def _request_members(self, session: GatewaySession, data: JSON) -> None:
        raw_guild = data.get("guild_id")
        guild_ids: list[object] = raw_guild if isinstance(raw_guild, list) else [raw_guild]
        nonce = data.get("nonce")
        for raw in guild_ids:
            guild = self.world.guilds.get(int(str(raw))) if str(raw).isdigit() else None
            if guild is None:
                continue
            members = list(guild.members.values())
            not_found: list[str] = []
            user_ids = data.get("user_ids")
            if user_ids is not None:
                wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
                members = [m for m in members if m.user_id in wanted]
                not_found = [str(u) for u in wanted if u not in guild.members]
            else:
                query = str(data.get("query") or "").lower()
                if query:
                    members = [
                        m
                        for m in members
                        if self.world.users[m.user_id].username.lower().startswith(query)
                        or (m.nick or "").lower().startswith(query)
                    ]
                limit = int(data.get("limit") or 0)
                if limit:
                    members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                payload: JSON = {
                    "guild_id": str(guild.id),
                    "members": [member_payload(self.world, m) for m in chunk],
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                    "not_found": not_found if index == 0 else [],
                }
                if data.get("presences"):
                    payload["presences"] = []
                if nonce is not None:
                    payload["nonce"] = nonce
                self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", payload)

    def _session_sees_guild(self, session: GatewaySession, guild_id: int) -> bool:
        guild = self.world.guilds.get(guild_id)
        if guild is None or self.bot_user_id not in guild.members:
            return False
        return self._sees(session.shard, guild_id)

    @staticmethod
    def _sees(shard: tuple[int, int] | None, guild_id: int | None) -> bool:
        """Does a connection on `shard` get the events of `guild_id` (None: DMs and other
        guild-less events, which Discord sends to shard 0 only)?"""
        if shard is None:
            return True
        shard_id, count = shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def _send_dispatch(self, session: GatewaySession, name: str, data: JSON) -> None:
        session.seq += 1
        frame: JSON = {"op": OP_DISPATCH, "t": name, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if session.conn is not None:
            session.conn.send(frame)

    def _filtered(self, session: GatewaySession, dispatch: Dispatch) -> JSON | None:
        gid = dispatch.guild_id
        if gid is not None and not self._session_sees_guild(session, gid):
            # GUILD_MEMBER_REMOVE for the bot itself etc. are not modelled
            return None
        if gid is None and not self._sees(session.shard, None):
            return None  # DMs arrive on shard 0 only
        table = _GUILD_INTENT if gid is not None else _DM_INTENT
        needed = table.get(dispatch.name)
        if needed is not None and not session.intents & needed:
            return None
        data = dispatch.data
        if (
            dispatch.name in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and gid is not None
            and not session.intents & INTENT_MESSAGE_CONTENT
        ):
            bot_id = str(self.bot_user_id)
            author = data.get("author") or {}
            mentioned = any(m.get("id") == bot_id for m in data.get("mentions") or [])
            if author.get("id") != bot_id and not mentioned:
                data = dict(data)
                for key in _CONTENT_FIELDS:
                    if key in data:
                        data[key] = "" if key == "content" else []
                data.pop("poll", None)
        return data

    def _on_dispatch(self, dispatch: Dispatch) -> None:
        for session in list(self._sessions.values()):
            if session.invalid:
                continue
            data = self._filtered(session, dispatch)
            if data is not None:
                self._send_dispatch(session, dispatch.name, data)

    def announce_guild(self, guild: Guild) -> None:
        """Send GUILD_CREATE for a guild the bot just joined (``on_guild_join``)."""
        for session in list(self._sessions.values()):
            if session.invalid or not self._session_sees_guild(session, guild.id):
                continue
            include_members = bool(session.intents & INTENT_GUILD_MEMBERS)
            payload = guild_create_payload(self.world, guild, include_members=include_members)
            payload.pop("unavailable", None)  # absent for a new guild (present: became available)
            self._send_dispatch(session, "GUILD_CREATE", payload)

    # -- misc helpers for tests --------------------------------------------------------------------

    def requests_to(self, route: str) -> list[RequestRecord]:
        """Requests whose route key matches, e.g. ``"POST /channels/{channel_id}/messages"``."""
        return [r for r in self.requests if r.route == route]

    def sessions(self) -> Sequence[GatewaySession]:
        return list(self._sessions.values())

    def connected_shards(self) -> dict[int, int]:
        """Shard id → shard count of every identified connection that is open (an
        unsharded connection counts as shard 0 of 1)."""
        out: dict[int, int] = {}
        for c in self._connections:
            if c.session is not None and not c.closing and not c.ws.closed:
                shard_id, count = c.session.shard or (0, 1)
                out[shard_id] = count
        return out

    async def drop_shard(self, shard_id: int, code: int = 4000) -> None:
        """Close the connections of one shard only (4000: discord.py resumes it)."""
        for conn in list(self._connections):
            if conn.session is not None and (conn.session.shard or (0, 1))[0] == shard_id:
                await conn.close(code, "sandbox drop")
