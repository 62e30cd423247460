"""Real processes for the gateway tests: the engine's gRPC server (engine.app.EngineApp
over a small two-chain engine_rs market, tests/engine_support.py) on a thread with
its own event loop, the gateway (uvicorn) on another, and a real OpenID provider
(npm oidc-provider, gateway/devlogin/provider.mjs) as a subprocess. Logins go through
the full redirect flow: httpx follows the provider's redirects and submits its
development login and consent forms."""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
import uvicorn
import uvloop

from engine.app import EngineApp
from engine.config import EnvSecrets, parse_config
from gateway.auth.keys import KeyRing, new_private_key_pem
from gateway.config import GatewaySecrets, Settings
from gateway.config import parse_config as parse_gateway_config
from gateway.webserver import create_app
from tests.engine_support import (
    JWT_SECRET,
    KEYS,
    block,
    config_dict,
    free_port,
    gap_update,
    populate,
)

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]
PROVIDER_SCRIPT = REPO / "gateway" / "devlogin" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "arbx-gateway", "test-client-secret"
SESSION_SECRET = "test-session-secret-of-at-least-32-chars"
KID = "test-key-1"
ADMIN_LOGIN, TRADER_LOGIN = "alice", "bob"  # alice@example.test is allow-listed as admin


class LoopThread:
    """An event loop (uvloop) on a thread of its own."""

    def __init__(self, name: str) -> None:
        self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = 30) -> T:
        future: Future[T] = Future()

        def invoke() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

        self.loop.call_soon_threadsafe(invoke)
        return future.result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class EngineProcess:
    """The engine's real gRPC server (EngineApp: engine core, SQLite store, auth
    interceptor) accepting the gateway's RS256 tokens (kid ``KID``)."""

    def __init__(self, tmp: Path, ring: KeyRing) -> None:
        auth = {
            "api_keys": config_dict(tmp)["auth"]["api_keys"],
            "jwt": ring.engine_config("arbx-gateway", "arbx-engine"),
        }
        raw = config_dict(tmp, auth=auth)
        self.config = parse_config(raw, secrets=EnvSecrets(jwt_secret=JWT_SECRET))  # type: ignore[arg-type]
        self.thread = LoopThread("engine")
        # grpc.aio objects belong to the loop they are made on
        self.app = self.thread.call(lambda: EngineApp(self.config))
        self.thread.run(self.app.start())
        self.thread.call(lambda: populate(self.app.engine))
        self.port = self.app.port
        self.heads = {1: 0, 2: 0}
        self.reserve_step = 0

    def new_block(self, chain_id: int = 1) -> list[Any]:
        """Apply the next block on ``chain_id`` moving the V2 price (a new opportunity sizing)."""
        self.heads[chain_id] += 1
        self.reserve_step += 1
        reserve1 = 3 * 10**21 + self.reserve_step * 10**19
        update = block(chain_id, self.heads[chain_id], [gap_update(chain_id, reserve1)])
        return self.thread.call(lambda: self.app.engine.apply_block(update))

    def subscribers(self) -> int:
        return self.thread.call(lambda: self.app.engine.status().subscribers)

    def stop(self) -> None:
        self.thread.run(self.app.stop())
        self.thread.stop()


class OidcProvider:
    def __init__(self, redirect_uri: str) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is needed for the OpenID provider")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(self.port), redirect_uri, CLIENT_ID, CLIENT_SECRET],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        assert self.process.stdout is not None
        output = []
        for line in self.process.stdout:
            output.append(line)
            if line.startswith("listening"):
                break
        else:
            raise RuntimeError("oidc-provider did not start:\n" + "".join(output))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def gateway_settings(tmp: Path, engine_port: int, gateway_port: int, provider: OidcProvider | None,
                     pem: str, **overrides: Any) -> Settings:
    raw: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": gateway_port},
        "engine": {"target": f"127.0.0.1:{engine_port}", "timeout_s": 5, "retry_after_s": 7,
                   "status_poll_s": 0.2},
        "database": {"path": str(tmp / "gateway.db")},
        "tokens": {"signing_keys": [KID], "access_ttl_s": 300},
        "providers": [] if provider is None else [{
            "name": "local", "preset": "oidc", "client_id": CLIENT_ID,
            "server_metadata_url": f"{provider.issuer}/.well-known/openid-configuration",
        }],
        "roles": {"admins": {"emails": [f"{ADMIN_LOGIN}@example.test"]},
                  "traders": {"logins": [f"local:{TRADER_LOGIN}"]}},
        "cors": {"origins": ["http://dashboard.test"]},
        "rate_limits": {"per_ip": {"rate_per_s": 1000, "burst": 5000},
                        "per_user": {"rate_per_s": 1000, "burst": 5000},
                        "auth_per_ip": {"rate_per_s": 1000, "burst": 5000}},
        "websocket": {"heartbeat_s": 5, "idle_upstream_s": 0.5},
        "logging": {"json": True},
    }
    for key, value in overrides.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    config = parse_gateway_config(raw)
    from pydantic import SecretStr

    secrets = GatewaySecrets(
        session_secret=SecretStr(SESSION_SECRET), signing_keys={KID: SecretStr(pem)},
        client_secrets={"local": SecretStr(CLIENT_SECRET)} if provider is not None else {},
    )
    return Settings(config=config, secrets=secrets)


class GatewayServer:
    """The gateway app served by uvicorn on loopback, on a thread of its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.config.server.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = LoopThread("gateway")
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, loop="none",
                                log_config=None, access_log=False, lifespan="on",
                                proxy_headers=True, forwarded_allow_ips=["127.0.0.1"])
        self.server = uvicorn.Server(config)
        self.task = asyncio.run_coroutine_threadsafe(self.server.serve(), self.thread.loop)
        deadline = time.monotonic() + 30
        while not self.server.started:
            if self.task.done():
                self.task.result()
            if time.monotonic() > deadline:
                raise RuntimeError("gateway did not start")
            time.sleep(0.02)

    @property
    def ctx(self) -> Any:
        return self.app.state.ctx

    def stop(self) -> None:
        self.server.should_exit = True
        try:
            self.task.result(15)
        finally:
            self.thread.stop()


# --- the login flow ------------------------------------------------------------------


def _form(page: str, base: str) -> tuple[str, dict[str, str]]:
    match = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert match, f"no form in the provider's page:\n{page[:2000]}"
    action = urljoin(base, html.unescape(match.group(1)))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(
        r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', match.group(2))}
    return action, fields


def login(gateway_url: str, login_name: str, *, provider: str = "local") -> dict[str, Any]:
    """The whole authorization-code + PKCE flow as a browser would do it; the token
    response of the gateway's callback."""
    with httpx.Client(follow_redirects=True, timeout=20) as browser:
        page = browser.get(f"{gateway_url}/api/v1/auth/login/{provider}")
        for _ in range(4):  # the login form, then the consent form
            if page.request.url.path.startswith("/api/v1/auth/callback"):
                break
            assert page.status_code == 200, page.text
            action, fields = _form(page.text, str(page.request.url))
            if "login" in page.text and 'name="login"' in page.text:
                fields.update({"login": login_name, "password": "any"})
            page = browser.post(action, data=fields)
        assert page.request.url.path.startswith("/api/v1/auth/callback"), page.text
        assert page.status_code == 200, page.text
        return page.json()  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_pem() -> str:
    return new_private_key_pem()


def drain_until(receive: Callable[[], dict[str, Any]], wanted: Callable[[dict[str, Any]], bool],
                limit: int = 200) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read messages until one is ``wanted``; it and the ones before it."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        message = receive()
        seen.append(message)
        if wanted(message):
            return message, seen
    raise AssertionError(f"no wanted message in {limit}: {seen[-5:]}")


__all__ = [
    "KEYS",
    "EngineProcess",
    "GatewayServer",
    "Iterator",
    "OidcProvider",
    "bearer",
    "drain_until",
    "engine_proc",
    "gateway",
    "gateway_pem",
    "gateway_port",
    "gateway_settings",
    "http",
    "login",
    "new_pem",
    "oidc",
    "users",
]


# --- pytest fixtures (imported by the tests/test_gateway_*.py modules) -----------------

import pytest

# One engine, provider and gateway for the whole run, whichever module asks first:
# the fixtures are imported into several modules, and pytest would otherwise make
# one set per module.
_SHARED: dict[str, Any] = {}


def _shared(name: str, make: Callable[[], T]) -> T:
    if name not in _SHARED:
        _SHARED[name] = make()
    return _SHARED[name]  # type: ignore[no-any-return]


def _release(name: str) -> None:
    thing = _SHARED.pop(name, None)
    if thing is not None:
        thing.stop()


@pytest.fixture(scope="session")
def gateway_pem() -> str:
    return _shared("pem", new_pem)


@pytest.fixture(scope="session")
def engine_proc(tmp_path_factory: pytest.TempPathFactory, gateway_pem: str) -> Iterator[EngineProcess]:
    yield _shared("engine", lambda: EngineProcess(
        tmp_path_factory.mktemp("engine"), KeyRing.from_pems({KID: gateway_pem}, [KID])))
    _release("engine")


@pytest.fixture(scope="session")
def gateway_port() -> int:
    return _shared("gateway_port", free_port)


@pytest.fixture(scope="session")
def oidc(gateway_port: int) -> Iterator[OidcProvider]:
    yield _shared("oidc", lambda: OidcProvider(
        f"http://127.0.0.1:{gateway_port}/api/v1/auth/callback/local"))
    _release("oidc")


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, engine_proc: EngineProcess,
            oidc: OidcProvider, gateway_port: int, gateway_pem: str) -> Iterator[GatewayServer]:
    yield _shared("gateway", lambda: GatewayServer(gateway_settings(
        tmp_path_factory.mktemp("gateway"), engine_proc.port, gateway_port, oidc, gateway_pem)))
    _release("gateway")


@pytest.fixture(scope="session")
def users(gateway: GatewayServer) -> dict[str, dict[str, Any]]:
    """Token responses of an admin, a trader and a viewer, each logged in once."""
    return _shared("users", lambda: {
        "admin": login(gateway.url, ADMIN_LOGIN), "trader": login(gateway.url, TRADER_LOGIN),
        "viewer": login(gateway.url, "carol")})


@pytest.fixture
def http(gateway: GatewayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=20) as client:
        yield client
