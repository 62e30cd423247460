"""The dashboard end to end, in a real browser: Debian's Chromium driven by
playwright-core (frontend/e2e/dashboard.e2e.mjs) against the real gateway (its
REST API, /ws and OAuth2 login through a real local OpenID provider) in front of
the real engine gRPC server, whose market gets a new block every few hundred ms.

The gateway serves frontend/dist (build it first: ``cd frontend && npm ci && npm
run build``). The browser script asks this side, one line at a time on its
stdout ("control: <command>"), to feed blocks or stop the engine or the gateway,
and reads "ok" on its stdin. Screenshots and timings land in
frontend/e2e/artifacts/ (or $ARBX_E2E_ARTIFACTS). Without a built dist/, playwright-core
or Chromium the test is skipped, or fails when ARBX_E2E_REQUIRED is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.auth.keys import KeyRing
from tests.engine_support import free_port
from tests.gateway_support import (
    ADMIN_LOGIN,
    KID,
    TRADER_LOGIN,
    EngineProcess,
    GatewayServer,
    OidcProvider,
    gateway_settings,
    new_pem,
)

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
DIST = FRONTEND / "dist"
SCRIPT = FRONTEND / "e2e" / "dashboard.e2e.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ARBX_E2E_ARTIFACTS", FRONTEND / "e2e" / "artifacts"))


def _missing() -> str | None:
    """Why the browser test cannot run here, or None when everything it needs exists."""
    if not (DIST / "index.html").exists():
        return "frontend/dist is not built (make frontend)"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (FRONTEND / "node_modules" / "playwright-core").exists():
        return "frontend/node_modules lacks playwright-core (cd frontend && npm ci)"
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


class Stack:
    """Engine, OpenID provider and gateway, each stoppable on its own."""

    def __init__(self, tmp: Path) -> None:
        pem = new_pem()
        self.engine = EngineProcess(tmp / "engine", KeyRing.from_pems({KID: pem}, [KID]))
        port = free_port()
        self.oidc = OidcProvider(f"http://127.0.0.1:{port}/api/v1/auth/callback/local")
        # the local OpenID provider stands in for Google (an OpenID provider): the
        # login page shows "Sign in with Google"
        provider = {"name": "local", "preset": "google", "client_id": "arbx-gateway",
                    "display_name": "Google",
                    "server_metadata_url": f"{self.oidc.issuer}/.well-known/openid-configuration"}
        settings = gateway_settings(tmp / "gateway", self.engine.port, port, self.oidc, pem,
                                    server={"dashboard_dir": str(DIST)},
                                    providers=[provider], cors={"origins": []},
                                    websocket={"heartbeat_s": 2, "idle_upstream_s": 0.5})
        self.gateway = GatewayServer(settings)
        self.engine_up = True
        self.gateway_up = True
        self._feeding = threading.Event()
        self._feeder: threading.Thread | None = None
        self.blocks = 0

    # --- the market moves while the browser watches -------------------------------

    def start_feeding(self, period_s: float = 0.4) -> None:
        self._feeding.set()

        def feed() -> None:
            while self._feeding.is_set():
                for chain_id in (1, 2):
                    self.engine.new_block(chain_id)
                    self.blocks += 1
                time.sleep(period_s)

        self._feeder = threading.Thread(target=feed, name="block-feeder", daemon=True)
        self._feeder.start()

    def stop_feeding(self) -> None:
        self._feeding.clear()
        if self._feeder is not None:
            self._feeder.join(10)
            self._feeder = None

    def stop_engine(self) -> None:
        self.stop_feeding()
        if self.engine_up:
            self.engine_up = False
            self.engine.stop()

    def stop_gateway(self) -> None:
        if self.gateway_up:
            self.gateway_up = False
            self.gateway.stop()

    def close(self) -> None:
        self.stop_engine()
        self.stop_gateway()
        self.oidc.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("ARBX_E2E_REQUIRED"):  # make test / CI: missing parts are a failure
            pytest.fail(reason)
        pytest.skip(reason)
    (tmp_path / "engine").mkdir()
    (tmp_path / "gateway").mkdir()
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.close()


def test_dashboard_in_chromium(stack: Stack) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    stack.start_feeding()
    env = {**os.environ, "ARBX_E2E_BASE_URL": stack.gateway.url, "ARBX_E2E_ARTIFACTS": str(ARTIFACTS),
           "CHROMIUM_PATH": CHROMIUM, "ARBX_E2E_ADMIN": ADMIN_LOGIN, "ARBX_E2E_TRADER": TRADER_LOGIN,
           "ARBX_E2E_VIEWER": "carol"}
    process = subprocess.Popen(["node", str(SCRIPT)], cwd=FRONTEND, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdin is not None and process.stdout is not None
    log: list[str] = []
    commands = {"stop-engine": stack.stop_engine, "stop-gateway": stack.stop_gateway,
                "pause-blocks": stack.stop_feeding, "resume-blocks": stack.start_feeding}
    deadline = time.monotonic() + 300
    for line in process.stdout:
        log.append(line)
        print(line, end="")
        if line.startswith("control: "):
            command = line.removeprefix("control: ").strip()
            commands[command]()
            process.stdin.write("ok\n")
            process.stdin.flush()
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the browser test ran past 300 s:\n" + "".join(log[-40:]))
    code = process.wait(30)
    assert code == 0, "browser test failed:\n" + "".join(log[-60:])
    results = json.loads((ARTIFACTS / "results.json").read_text())
    for name in ("login", "overview", "opportunities", "opportunity-detail", "trades", "markets",
                 "predictions", "performance", "trader-execute", "trader-trades", "health",
                 "admin", "engine-down"):
        assert (ARTIFACTS / f"{name}.png").exists(), f"no screenshot {name}.png"
    checks = results["checks"]
    assert checks["opportunities_streamed"] >= 2
    # the engine here runs without execution: every execution RPC answers 409 with its reason
    no_execution = "execution is not configured (no `execution` in the config)"
    assert checks["viewer_execute_disabled"] is True
    assert no_execution in checks["viewer_trades"]
    # ... and without models: the predictions page shows the engine's reason verbatim
    assert checks["viewer_predictions"] == (
        "Predictions are off: this engine runs without models (models.enabled is false)")
    assert checks["trader_simulate_refused"] == no_execution
    assert checks["trader_execute_refused"] == no_execution
    assert checks["trader_idempotency_keys"] == 2
    assert "execution is not configured on the engine" in checks["trader_trades_topic"]
    assert no_execution in checks["admin_mode"]
    assert results["timing"]["first_meaningful_paint_ms"]["p50"] < 1000
