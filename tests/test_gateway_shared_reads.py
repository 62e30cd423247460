"""The gateway's hot-path shortcuts keep their meaning: shared engine reads (one engine
call for many callers, read-your-writes after a change), verified-token reuse (never
past the token's expiry), the login-cookie middleware limited to /auth, and
WebSocket compression negotiated only when configured."""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.middleware.sessions import SessionMiddleware
from websockets.sync.client import connect

from gateway.api.middleware import OnlyUnder
from gateway.auth.keys import KeyRing
from gateway.auth.tokens import TokenError, TokenIssuer
from gateway.cli import server_config
from gateway.config import TokenConfig
from gateway.upstream.shared_reads import SharedReads
from gateway.webserver import create_app
from tests.engine_support import free_port
from tests.gateway_support import (  # noqa: F401 - fixtures
    KID,
    EngineProcess,
    GatewayServer,
    LoopThread,
    bearer,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    gateway_settings,
    oidc,
    users,
)

# --- SharedReads on its own ------------------------------------------------------------


class Engine:
    """Counts the calls that reached it; each answers after the caller's go."""

    def __init__(self) -> None:
        self.calls = 0
        self.go = asyncio.Event()
        self.fail = False

    async def read(self) -> int:
        self.calls += 1
        await self.go.wait()
        if self.fail:
            raise RuntimeError("engine unavailable")
        return self.calls


def test_concurrent_misses_share_one_call_and_the_answer_is_kept() -> None:
    async def scenario() -> None:
        engine, reads = Engine(), SharedReads(60)
        waiting = [asyncio.create_task(reads.get("status", engine.read)) for _ in range(5)]
        await asyncio.sleep(0)
        engine.go.set()
        assert await asyncio.gather(*waiting) == [1] * 5 and engine.calls == 1
        assert await reads.get("status", engine.read) == 1 and engine.calls == 1
        assert await reads.get("pools", engine.read) == 2 and engine.calls == 2  # its own key

    asyncio.run(scenario())


def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    async def scenario() -> None:
        engine, reads = Engine(), SharedReads(60)
        engine.fail = True
        waiting = [asyncio.create_task(reads.get("status", engine.read)) for _ in range(3)]
        await asyncio.sleep(0)
        engine.go.set()
        results = await asyncio.gather(*waiting, return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results) and engine.calls == 1
        engine.fail = False
        assert await reads.get("status", engine.read) == 2  # asked again

    asyncio.run(scenario())


def test_clear_drops_answers_and_the_calls_in_flight() -> None:
    async def scenario() -> None:
        engine, reads = Engine(), SharedReads(60)
        before = asyncio.create_task(reads.get("status", engine.read))
        await asyncio.sleep(0)
        reads.clear()  # e.g. SetMode while the read was on its way
        engine.go.set()
        assert await before == 1  # its caller still gets its answer ...
        assert await reads.get("status", engine.read) == 2  # ... but nobody after it

    asyncio.run(scenario())


def test_a_caller_that_goes_away_does_not_cancel_the_others() -> None:
    async def scenario() -> None:
        engine, reads = Engine(), SharedReads(60)
        first = asyncio.create_task(reads.get("status", engine.read))
        second = asyncio.create_task(reads.get("status", engine.read))
        await asyncio.sleep(0)
        first.cancel()
        engine.go.set()
        assert await second == 1 and engine.calls == 1

    asyncio.run(scenario())


# --- verified access tokens --------------------------------------------------------------


def test_a_kept_token_is_refused_once_it_expires(gateway_pem: str) -> None:
    tokens = TokenIssuer(TokenConfig(leeway_s=0), KeyRing.from_pems({KID: gateway_pem}, [KID]))
    token, _ = tokens.mint("user:7", "viewer", 1, sid="s1", uid=7)
    assert tokens.verify(token).uid == 7
    assert tokens.verify(token).uid == 7  # the kept claims
    time.sleep(2.1)  # past exp (whole seconds) with no leeway
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token)
    with pytest.raises(TokenError):
        tokens.verify(token[:-4] + "AAAA")  # a tampered token is checked, not looked up


# --- through a real gateway and engine -----------------------------------------------------


@pytest.fixture
def caching_gateway(tmp_path: Path, engine_proc: EngineProcess,
                    gateway_pem: str) -> Iterator[GatewayServer]:
    """A gateway keeping shared reads for a minute, on the shared engine."""
    server = GatewayServer(gateway_settings(tmp_path, engine_proc.port, free_port(), None,
                                            gateway_pem, engine={"read_cache_s": 60}))
    yield server
    server.stop()


def _engine_reads(http: httpx.Client) -> dict[str, float]:
    text = http.get("/metrics").text
    return {source: float(value) for source, value in re.findall(
        r'^arbx_gateway_engine_shared_reads_total\{source="(\w+)"\} (\S+)$', text, re.MULTILINE)}


def test_shared_reads_reach_the_engine_once_and_a_change_is_read_back(
    caching_gateway: GatewayServer, engine_proc: EngineProcess,
    users: dict[str, dict[str, Any]],
) -> None:
    viewer = bearer(users["viewer"]["access_token"])
    admin = bearer(users["admin"]["access_token"])
    with httpx.Client(base_url=caching_gateway.url, timeout=20) as http:
        def head() -> int:
            response = http.get("/api/v1/status", headers=viewer)
            assert response.status_code == 200, response.text
            return int(response.json()["chains"][0]["head_number"])

        first = head()
        engine_proc.new_block(1)
        assert head() == first  # the kept answer: the engine was not asked again
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(
                lambda _: http.get("/api/v1/pools", headers=viewer).status_code, range(8)))
        assert answers == [200] * 8
        assert _engine_reads(http) == {"engine": 2, "cache": 8}  # status once, pools once
        # a call that may change the engine (refused here: no execution) drops the answers
        assert http.put("/api/v1/mode", json={"mode": "live"}, headers=admin).status_code == 409
        assert head() == first + 1


def test_the_login_cookie_middleware_runs_under_auth_only() -> None:
    """(The login flow through it: tests/test_gateway_auth.py.)"""
    sessions: dict[str, bool] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        sessions[scope["path"]] = "session" in scope
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = OnlyUnder(app, prefix="/api/v1/auth", middleware=SessionMiddleware,
                        secret_key="s" * 32)

    async def requests() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped),
                                     base_url="http://gateway.test") as http:
            for path in ("/api/v1/auth/login/local", "/api/v1/status", "/health"):
                assert (await http.get(path)).status_code == 204

    asyncio.run(requests())
    assert sessions == {"/api/v1/auth/login/local": True, "/api/v1/status": False,
                        "/health": False}


@pytest.mark.parametrize("compression", [False, True])
def test_websocket_compression_is_negotiated_only_when_configured(
    tmp_path: Path, gateway_pem: str, compression: bool
) -> None:
    """The gateway as ``python -m gateway`` serves it (gateway.cli.server_config)."""
    settings = gateway_settings(tmp_path, free_port(), free_port(), None, gateway_pem,
                                websocket={"compression": compression})
    thread = LoopThread("gateway-ws")
    server = uvicorn.Server(server_config(create_app(settings), settings.config, loop="none"))
    serving = asyncio.run_coroutine_threadsafe(server.serve(), thread.loop)
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert not serving.done() and time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.02)
        url = f"ws://127.0.0.1:{settings.config.server.port}/ws"
        with connect(url, compression="deflate") as socket:  # a browser offers it too
            negotiated = [e.name for e in socket.protocol.extensions]
        assert negotiated == (["permessage-deflate"] if compression else [])
    finally:
        server.should_exit = True
        serving.result(15)
        thread.stop()
