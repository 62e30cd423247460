"""The dashboard end to end, in a real browser: Debian's Chromium driven by
playwright-core (frontend/e2e/dashboard.e2e.mjs) against the real system on a devnet:

- anvil with the real Uniswap V2 / PancakeSwap / Uniswap V3 bytecode, the executor
  contract and a keystore-held trader (tests/execution_support.world); the market
  simulator opens price gaps, one mined block per step (tests/devnet_engine_support);
- the engine (EngineApp: chain layer, SQLite store, executor, gRPC server) following
  it, execution configured in observe mode with auto trading off, so the only trade
  is the one the trader clicks, after the admin switched the engine to live on the
  dashboard's Admin page; the test then checks that trade in trades.db, its receipt
  and TradeExecuted log on chain, its page in the dashboard and the overview's PnL;
- the gateway (REST, /ws, OAuth2 login through a real local OpenID provider) serving
  frontend/dist (build it first: ``cd frontend && npm ci && npm run build``).

The browser script asks this side, one line at a time on its stdout ("control:
<command>"), to pause or resume the market, open a gap, mine a block or stop the
engine or the gateway, and reads "ok[ <answer>]" on its stdin. Screenshots and
timings land in frontend/e2e/artifacts/ (or $ARBX_E2E_ARTIFACTS). Without a built
dist/, playwright-core or Chromium the test is skipped, or fails when
ARBX_E2E_REQUIRED is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.core.engine import opportunity_id
from engine.devnet.market import MarketOptions
from gateway.auth.keys import KeyRing
from tests.devnet_engine_support import DevnetEngine, MarketFeeder
from tests.engine_support import free_port
from tests.execution_support import CHAIN_ID, SEED, World, read_trades, world
from tests.gateway_support import (
    ADMIN_LOGIN,
    KID,
    TRADER_LOGIN,
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
VIEWER_LOGIN = "carol"
# gaps every few seconds, so the table changes while the browser watches
MARKET = MarketOptions(seed=SEED, swaps_per_second=4.0, gaps_per_minute=20.0)


def _dashboard_units(raw: int, decimals: int, digits: int = 6) -> str:
    """``raw`` as the dashboard's formatUnits shows it: the fraction cut (not rounded)
    to ``digits``, trailing zeros dropped, thousands separated."""
    whole, fraction = divmod(raw, 10**decimals)
    shown = str(fraction).rjust(decimals, "0")[:digits].rstrip("0")
    return f"{whole:,}" + (f".{shown}" if shown else "")


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
    """Devnet, market simulator, engine, OpenID provider and gateway; the engine and
    the gateway each stoppable on its own."""

    def __init__(self, w: World, tmp: Path, stops: contextlib.ExitStack) -> None:
        pem = new_pem()
        self.world = w
        self.engine = DevnetEngine(w, tmp / "engine", KeyRing.from_pems({KID: pem}, [KID]),
                                   mode="observe")
        stops.callback(self.stop_engine)
        self.market = MarketFeeder(w, MARKET)
        port = free_port()
        self.oidc = OidcProvider(f"http://127.0.0.1:{port}/api/v1/auth/callback/local")
        stops.callback(self.oidc.stop)
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
        self.gateway_up = True
        stops.callback(self.stop_gateway)

    # --- what the browser script may ask for ----------------------------------------

    def pause_blocks(self) -> str:
        """The chain stands still and the engine has applied its head: the table shows
        opportunities of the head block, which is what simulate / execute send."""
        self.market.pause()
        self.engine.synced()
        return ""

    def resume_blocks(self) -> str:
        self.market.start()
        return ""

    def open_gap(self) -> str:
        """A 3 % gap on Uniswap V2's WETH/USDC, mined alone; the id of the best
        opportunity through that pool. The simulator may have moved that pool the other
        way: the same swap again widens the gap."""
        self.pause_blocks()
        pool = self.world.weth_usdc_v2().address.lower()
        for _ in range(3):
            self.world.open_gap()
            self.engine.synced()
            through = self.engine.thread.call(lambda: [
                o for o in self.engine.app.engine.opportunities if pool in o.pools])
            if through:
                return opportunity_id(max(through, key=lambda o: o.profit_net))
        raise AssertionError(f"no opportunity through {pool} after three gaps")

    def mine_block(self) -> str:
        """One block with only what is pending (a trade the engine sent)."""
        self.world.mine()
        self.engine.synced()
        return ""

    def stop_engine(self) -> str:
        try:
            self.market.pause()
        finally:
            self.engine.stop()
        return ""

    def stop_gateway(self) -> str:
        if self.gateway_up:
            self.gateway_up = False
            self.gateway.stop()
        return ""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("ARBX_E2E_REQUIRED"):  # make test / CI: missing parts are a failure
            pytest.fail(reason)
        pytest.skip(reason)
    for part in ("engine", "gateway"):
        (tmp_path / part).mkdir()
    with world(tmp_path) as w, contextlib.ExitStack() as stops:  # stopped in reverse order
        yield Stack(w, tmp_path, stops)


@pytest.mark.chain
def test_dashboard_in_chromium(stack: Stack) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    stack.world.open_gap()  # an opportunity from the first block the browser sees
    stack.market.start()
    env = {**os.environ, "ARBX_E2E_BASE_URL": stack.gateway.url, "ARBX_E2E_ARTIFACTS": str(ARTIFACTS),
           "CHROMIUM_PATH": CHROMIUM, "ARBX_E2E_ADMIN": ADMIN_LOGIN, "ARBX_E2E_TRADER": TRADER_LOGIN,
           "ARBX_E2E_VIEWER": VIEWER_LOGIN, "ARBX_E2E_CHAIN_ID": str(CHAIN_ID)}
    process = subprocess.Popen(["node", str(SCRIPT)], cwd=FRONTEND, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdin is not None and process.stdout is not None
    log: list[str] = []
    commands: dict[str, Callable[[], str]] = {
        "pause-blocks": stack.pause_blocks, "resume-blocks": stack.resume_blocks,
        "open-gap": stack.open_gap, "mine-block": stack.mine_block,
        "stop-engine": stack.stop_engine, "stop-gateway": stack.stop_gateway}
    started = time.monotonic()
    deadline = started + 420  # a hang guard, not a timing assert
    try:
        for line in process.stdout:
            log.append(line)
            print(line, end="")
            if line.startswith("control: "):
                answer = commands[line.removeprefix("control: ").strip()]()
                process.stdin.write(f"ok {answer}".rstrip() + "\n")
                process.stdin.flush()
            if time.monotonic() > deadline:
                pytest.fail("the browser test ran past 420 s:\n" + "".join(log[-40:]))
        code = process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    print(f"browser script: {time.monotonic() - started:.1f} s, {stack.market.blocks} simulated blocks")
    assert code == 0, "browser test failed:\n" + "".join(log[-60:])
    results = json.loads((ARTIFACTS / "results.json").read_text())
    for name in ("login", "overview", "opportunities", "opportunity-detail", "trades", "markets",
                 "predictions", "performance", "trader-simulate", "admin-mode-live",
                 "trader-execute", "trader-trade-sent", "trader-trades", "trader-overview",
                 "health", "admin", "engine-down", "gateway-down"):
        assert (ARTIFACTS / f"{name}.png").exists(), f"no screenshot {name}.png"
    checks = results["checks"]
    assert checks["opportunities_streamed"] >= 2
    assert checks["viewer_execute_disabled"] is True
    assert checks["viewer_direct_execute_status"] == 403
    # the engine runs without models: the predictions page shows its reason verbatim
    assert checks["viewer_predictions"] == (
        "Predictions are off: this engine runs without models (models.enabled is false)")
    assert checks["trader_observe_refused"] == "mode is observe: nothing is simulated or sent"
    assert checks["admin_mode_changed"] == "Mode changed from observe to live."
    assert checks["trader_idempotency_keys"] == 2

    # the trade the browser saw is the one the engine recorded and the chain mined
    trade_id, tx_hash = checks["trade_id"], checks["trade_tx_hash"]
    trades = read_trades(stack.engine.trades_db)
    assert [(t["id"], t["source"], t["mode"], t["status"]) for t in trades] == [
        (trade_id, "rpc", "live", "mined")], "the trader's click is the only trade"
    trade = trades[0]
    assert trade["opportunity_id"] == checks["traded_opportunity"]
    assert trade["history"] == ["created", "simulated", "sent", "mined"]
    assert [x["tx_hash"] for x in trade["txs"]] == [tx_hash]
    receipt = stack.world.chain.receipt(tx_hash)
    assert int(receipt["status"], 16) == 1
    assert stack.world.trade_executed_logs(int(receipt["blockNumber"], 16)), "no TradeExecuted"
    assert int(trade["profit_realized"]) > 0
    assert checks["trade_detail"]["status"] == "mined"
    assert checks["trade_detail"]["tx"] == tx_hash
    assert checks["trade_detail"]["timeline"] == ["created", "simulated", "sent", "mined"]
    # the overview (GetStats): the realized PnL of WETH, today, 7 days and all time
    realized = f"{_dashboard_units(int(trade['profit_realized']), 18)} WETH"
    assert checks["overview"]["pnl_row"] == [f"WETH chain {CHAIN_ID}", realized, realized, realized]
    assert checks["overview"]["pnl_rows"] == 1
    assert checks["overview"]["trades_today"] == "1"
    assert checks["overview"]["success_rate"] == "100.0 %"
    assert checks["overview"]["outcomes"] == "1 mined · 0 reverted · 0 dropped"

    assert results["timing"]["first_meaningful_paint_ms"]["p50"] < 1000
