"""The wire protocol itself: headers, errors, rate limits, gateway opcodes and close codes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
import pytest

from bot.sandbox import Control, Sandbox, running_client, sandbox_endpoints

from .conftest import make_bot

pytestmark = pytest.mark.filterwarnings("error")


def _auth(sandbox: Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bot {sandbox.token}"}


async def test_rest_basics(sandbox: Sandbox, ctl: Control) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.api_base}/users/@me", headers=_auth(sandbox)) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            me = await resp.json()
            assert me["id"] == str(sandbox.bot_user_id) and me["bot"] is True
        async with http.get(f"{sandbox.api_base}/users/@me") as resp:
            assert resp.status == 401
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["message"] == "401: Unauthorized"
        async with http.get(f"{sandbox.api_base}/no/such/route", headers=_auth(sandbox)) as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
        url = f"{sandbox.api_base}/channels/{ctl.channel().id}/messages/123"
        async with http.get(url, headers=_auth(sandbox)) as resp:
            assert resp.status == 404
            assert (await resp.json())["code"] == 10008
        async with http.get(
            f"{sandbox.api_base}/oauth2/applications/@me", headers=_auth(sandbox)
        ) as resp:
            app = await resp.json()
            assert app["id"] == str(sandbox.application_id)
            assert app["interactions_endpoint_url"] is None
        async with http.get(f"{sandbox.api_base}/gateway/bot", headers=_auth(sandbox)) as resp:
            assert (await resp.json())["url"] == sandbox.gateway_url.rstrip("/")
        url = f"{sandbox.api_base}/guilds/{ctl.guild.id}/roles"
        async with http.get(url, headers=_auth(sandbox)) as resp:
            roles = await resp.json()
            everyone = next(r for r in roles if r["name"] == "@everyone")
            assert everyone["id"] == str(ctl.guild.id)


async def test_command_validation_errors(sandbox: Sandbox) -> None:
    url = f"{sandbox.api_base}/applications/{sandbox.application_id}/commands"
    bad = [{"name": "Bad Name", "description": "x", "type": 1}]
    async with aiohttp.ClientSession() as http:
        async with http.put(url, json=bad, headers=_auth(sandbox)) as resp:
            assert resp.status == 400
            body = await resp.json()
            assert body["code"] == 50035 and "0" in body["errors"]
        ok = [
            {
                "name": "streak",
                "description": "Pair streak",
                "options": [
                    {"name": "member", "description": "who", "type": 6, "required": True},
                    {"name": "other", "description": "who else", "type": 6},
                ],
            }
        ]
        async with http.put(url, json=ok, headers=_auth(sandbox)) as resp:
            first = (await resp.json())[0]
        async with http.put(url, json=ok, headers=_auth(sandbox)) as resp:
            again = (await resp.json())[0]
        assert first["id"] == again["id"] and first["version"] == again["version"]
        wrong_order = [{**ok[0], "options": list(reversed(ok[0]["options"]))}]
        async with http.put(url, json=wrong_order, headers=_auth(sandbox)) as resp:
            assert resp.status == 400


async def test_interaction_callback_answers_200_json_and_only_once(
    sandbox: Sandbox, ctl: Control
) -> None:
    alice = await ctl.add_member("alice")
    sandbox.world.overwrite_commands(None, [{"name": "ping", "description": "Ping"}])
    inter = await ctl.invoke(alice, "ping")
    url = f"{sandbox.api_base}/interactions/{inter.id}/{inter.token}/callback?with_response=1"
    body: dict[str, Any] = {"type": 4, "data": {"content": "pong", "flags": 64}}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            data = await resp.json()
            assert data["interaction"]["id"] == str(inter.id)
            assert data["interaction"]["response_message_ephemeral"] is True
            assert data["resource"]["type"] == 4
            assert data["resource"]["message"]["content"] == "pong"
        async with http.post(url, json=body) as resp:
            assert resp.status == 400
            assert (await resp.json())["code"] == 40060
        follow = f"{sandbox.api_base}/webhooks/{sandbox.application_id}/{inter.token}?wait=1"
        async with http.post(follow, json={"content": "more"}) as resp:
            assert (await resp.json())["content"] == "more"
    response = await ctl.wait_for_response(inter)
    assert response.ephemeral and response.content == "pong"
    assert [m.content for m in ctl.followups(inter)] == ["more"]


async def test_rate_limit_429_headers_and_client_pacing(sandbox: Sandbox, ctl: Control) -> None:
    route = "POST /channels/{channel_id}/messages"
    sandbox.set_rate_limit(route, 2, 0.4)
    url = f"{sandbox.api_base}/channels/{ctl.channel().id}/messages"
    async with aiohttp.ClientSession() as http:
        statuses = []
        for i in range(3):
            async with http.post(url, json={"content": f"raw {i}"}, headers=_auth(sandbox)) as resp:
                statuses.append(resp.status)
                last_headers = resp.headers
                last_body = await resp.json()
        assert statuses == [200, 200, 429]
        assert last_headers["X-RateLimit-Remaining"] == "0"
        assert last_headers["Content-Type"] == "application/json"
        assert float(last_headers["Retry-After"]) > 0
        assert last_body["global"] is False and last_body["retry_after"] > 0
    await asyncio.sleep(0.45)

    bot = make_bot()
    async with running_client(bot, sandbox):
        channel = bot.get_channel(ctl.channel().id)
        assert isinstance(channel, discord.TextChannel)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(channel.send(f"paced {i}") for i in range(5)))
        elapsed = loop.time() - started
    contents = [m.content for m in ctl.bot_messages() if m.content.startswith("paced")]
    assert sorted(contents) == [f"paced {i}" for i in range(5)]
    assert elapsed >= 0.75  # 5 sends at 2 per 0.4 s need at least two waits
    ok = [r for r in sandbox.requests_to(route) if r.status == 200]
    assert len(ok) == 7


async def _receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def test_gateway_hello_heartbeat_and_bad_token(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{sandbox.gateway_url}?v=10&encoding=json") as ws:
            hello = await _receive_json(ws)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await _receive_json(ws))["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 513, "properties": {}}})
            closing = await ws.receive(timeout=5)
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert ws.close_code == 4004 or closing.data == 4004
        async with http.ws_connect(sandbox.gateway_url) as ws:
            await _receive_json(ws)
            await ws.send_json({"op": 8, "d": {"guild_id": "1", "query": "", "limit": 0}})
            closing = await ws.receive(timeout=5)
            assert closing.data == 4003  # not authenticated


async def test_gateway_identify_ready_and_raw_resume(sandbox: Sandbox, ctl: Control) -> None:
    alice = await ctl.add_member("alice")
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sandbox.gateway_url)
        await _receive_json(ws)
        await ws.send_json({"op": 2, "d": {"token": sandbox.token, "intents": 0b1000001000000011}})
        ready = await _receive_json(ws)
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == sandbox.gateway_url
        session_id = ready["d"]["session_id"]
        guild_create = await _receive_json(ws)
        assert guild_create["t"] == "GUILD_CREATE"
        members = guild_create["d"]["members"]
        assert all("flags" in m for m in members)
        assert str(alice.id) in {m["user"]["id"] for m in members}
        assert guild_create["d"]["roles"][0]["id"] == str(ctl.guild.id)
        await ws.close(code=4000)  # not 1000: a clean close would end the session

        m = await ctl.send_message(alice, "missed while away")
        ws = await http.ws_connect(sandbox.gateway_url)
        await _receive_json(ws)
        await ws.send_json(
            {"op": 6, "d": {"token": sandbox.token, "session_id": session_id, "seq": 2}}
        )
        replayed = await _receive_json(ws)
        assert replayed["t"] == "MESSAGE_CREATE" and replayed["d"]["id"] == str(m.id)
        assert replayed["d"]["member"]["roles"] == []
        assert (await _receive_json(ws))["t"] == "RESUMED"
        await ws.close()

        ws = await http.ws_connect(sandbox.gateway_url)
        await _receive_json(ws)
        await ws.send_json({"op": 6, "d": {"token": sandbox.token, "session_id": "nope", "seq": 1}})
        invalid = await _receive_json(ws)
        assert invalid == {"op": 9, "d": False, "s": None, "t": None}
        await ws.close()


async def test_privileged_intents_can_be_refused() -> None:
    sb = Sandbox(privileged_intents=0)
    await sb.start()
    try:
        with sandbox_endpoints(sb):
            bot = make_bot()
            with pytest.raises(discord.PrivilegedIntentsRequired):
                async with running_client(bot, sb):
                    pass
    finally:
        await sb.stop()


async def test_paused_gateway_refuses_connections(sandbox: Sandbox) -> None:
    sandbox.pause_gateway()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(sandbox.gateway_url)
        assert info.value.status == 503
    sandbox.resume_gateway()
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(sandbox.gateway_url) as ws:
            assert (await _receive_json(ws))["op"] == 10


async def test_interaction_deadline_expires_unanswered_interactions() -> None:
    sb = Sandbox(interaction_deadline=0.05)
    await sb.start()
    try:
        ctl = sb.control
        alice = await ctl.add_member("alice")
        sb.world.overwrite_commands(None, [{"name": "ping", "description": "Ping"}])
        inter = await ctl.invoke(alice, "ping")
        await asyncio.sleep(0.1)
        url = f"{sb.api_base}/interactions/{inter.id}/{inter.token}/callback?with_response=1"
        async with aiohttp.ClientSession() as http, http.post(url, json={"type": 5}) as resp:
            assert resp.status == 404
            assert (await resp.json())["code"] == 10062
    finally:
        await sb.stop()


async def test_flush_is_released_when_a_connection_dies_with_frames_unsent(
    sandbox: Sandbox, ctl: Control
) -> None:
    """A bot killed while `flush()` waits on its connection's unsent frames: the flush ends
    (it used to wait forever, which hung the chaos test's traffic)."""
    alice = await ctl.add_member("alice")
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sandbox.gateway_url)
        await _receive_json(ws)
        await ws.send_json({"op": 2, "d": {"token": sandbox.token, "intents": 0b1000001000000011}})
        assert (await _receive_json(ws))["t"] == "READY"
        # the connection's writer is stuck in a send, as on a socket whose peer stopped
        # reading: frames queue up behind it
        [conn] = [c for c in sandbox._connections if c.session is not None]
        assert conn.writer is not None
        conn.writer.cancel()
        conn.writer = asyncio.ensure_future(asyncio.Event().wait())
        ctl.world.create_message(ctl.channel().id, alice.id, content="queued, never sent")
        waiting = asyncio.ensure_future(sandbox.flush())
        await asyncio.sleep(0.2)
        assert not waiting.done(), "nothing was left unsent: the test tests nothing"
        transport = ws._response.connection.transport  # type: ignore[union-attr]
        assert transport is not None
        transport.abort()  # as a SIGKILL does: no close frame, the socket just goes
        await asyncio.wait_for(waiting, timeout=10)
        await ws.close()
