"""The gateway's trading routes over the engine's execution RPCs: trades (filters,
pagination, history), simulate / execute (idempotency keys, 409 with the engine's
reason), mode and risk limits (admin only, audited), the WebSocket ``trades`` topic.

Two engines, both real gRPC servers:
- the shared one of the other gateway tests (tests/gateway_support.py), which runs
  without execution: every trading RPC is FAILED_PRECONDITION -> 409; the role
  checks and request validation are the gateway's and answer before the engine;
- an engine trading on a devnet (EngineApp on anvil, manual mining, auto trading off;
  tests/devnet_engine_support.py) in this process, with its own gateway in front: the
  round trips, a dry-run and a live trade mined on chain, seen through REST and the
  ``trades`` topic.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth.keys import KeyRing
from gateway.auth.oauth import Identity
from tests.devnet_engine_support import DevnetEngine
from tests.engine_support import free_port
from tests.execution_support import CHAIN_ID, Trading, World, wait_until, world
from tests.gateway_support import (  # noqa: F401 - fixtures
    KID,
    GatewayServer,
    LoopThread,
    bearer,
    drain_until,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    gateway_settings,
    http,
    new_pem,
    oidc,
    users,
)
from tests.test_gateway_ws import Ws

OPP = "1:0x" + "1" * 40 + ",0x" + "2" * 40 + ":10"  # an id of the shared engine's shape


def _headers(users: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {role: bearer(u["access_token"]) for role, u in users.items()}


def _loc(response: httpx.Response) -> list[Any]:
    assert response.status_code == 422, response.text
    return [e["loc"] for e in response.json()["detail"]]


# --- the shared engine: no execution ----------------------------------------------------


def test_an_engine_without_execution_answers_409_with_its_reason(
    http: httpx.Client, users: dict[str, dict[str, Any]]
) -> None:
    h = _headers(users)
    refusals = [
        http.get("/api/v1/trades", headers=h["viewer"]),
        http.get("/api/v1/trades/some-id", headers=h["viewer"]),
        http.get("/api/v1/mode", headers=h["viewer"]),
        http.get("/api/v1/risk-limits", headers=h["viewer"]),
        http.post(f"/api/v1/opportunities/{OPP}/simulate", headers=h["trader"]),
        http.post(f"/api/v1/opportunities/{OPP}/execute",
                  headers={**h["trader"], "Idempotency-Key": "k"}),
        http.put("/api/v1/mode", json={"mode": "live"}, headers=h["admin"]),
        http.put("/api/v1/risk-limits", json={"kill_switch": True}, headers=h["admin"]),
    ]
    for r in refusals:
        assert r.status_code == 409, (r.request.url, r.text)
        assert "execution is not configured" in r.json()["detail"]
    # nothing was changed, so nothing audited
    for action in ("engine.set_mode", "engine.set_risk_limits", "trade.execute"):
        assert http.get("/api/v1/admin/audit", params={"action": action},
                        headers=h["admin"]).json() == []
    # statistics still answer, without trading figures
    stats = http.get("/api/v1/stats", headers=h["viewer"])
    assert stats.status_code == 200, stats.text
    assert stats.json()["execution_enabled"] is False and stats.json()["trades"] is None


def test_trading_roles_and_validation_are_checked_by_the_gateway(
    http: httpx.Client, users: dict[str, dict[str, Any]]
) -> None:
    h = _headers(users)
    assert http.get("/api/v1/trades").status_code == 401
    denied = [
        http.put("/api/v1/mode", json={"mode": "live"}, headers=h["viewer"]),
        http.put("/api/v1/mode", json={"mode": "live"}, headers=h["trader"]),
        http.put("/api/v1/risk-limits", json={"kill_switch": True}, headers=h["trader"]),
        http.post(f"/api/v1/opportunities/{OPP}/simulate", headers=h["viewer"]),
        http.post(f"/api/v1/opportunities/{OPP}/execute",
                  headers={**h["viewer"], "Idempotency-Key": "k"}),
    ]
    for r in denied:
        assert r.status_code == 403, (r.request.url, r.text)

    admin, trader = h["admin"], h["trader"]
    assert _loc(http.put("/api/v1/mode", json={"mode": "turbo"}, headers=admin)) == [
        ["body", "mode"]]
    assert _loc(http.put("/api/v1/mode", json={"mode": "live", "x": 1}, headers=admin)) == [
        ["body", "x"]]
    assert _loc(http.put("/api/v1/risk-limits", json={"min_profit_net": "1.5"},
                         headers=admin)) == [["body", "min_profit_net"]]
    assert _loc(http.put("/api/v1/risk-limits", json={"max_amount_in": {"WETH": "-1"}},
                         headers=admin)) == [["body", "max_amount_in", "WETH"]]
    assert _loc(http.put("/api/v1/risk-limits", json={"max_in_flight": -1},
                         headers=admin)) == [["body", "max_in_flight"]]

    execute = f"/api/v1/opportunities/{OPP}/execute"
    missing = http.post(execute, headers=trader)
    assert _loc(missing) == [["header", "Idempotency-Key"]]
    assert "required" in missing.json()["detail"][0]["msg"]
    assert _loc(http.post(execute, json={"idempotency_key": "a"},
                          headers={**trader, "Idempotency-Key": "b"})) == [
        ["header", "Idempotency-Key"]]
    assert _loc(http.post(execute, headers={**trader, "Idempotency-Key": "k" * 129})) == [
        ["header", "Idempotency-Key"]]
    assert _loc(http.post(execute, json={"idempotency_key": "k" * 129}, headers=trader)) == [
        ["body", "idempotency_key"]]
    assert _loc(http.post(execute, json={"idempotency_key": "k", "block_number": -1},
                          headers=trader)) == [["body", "block_number"]]
    assert _loc(http.post("/api/v1/opportunities/nope/simulate", headers=trader)) == [
        ["path", "opportunity_id"]]
    assert _loc(http.post("/api/v1/opportunities/0:0xab:1/simulate", headers=trader)) == [
        ["path", "opportunity_id"]]

    assert _loc(http.get("/api/v1/trades", params={"status": "pending"},
                         headers=h["viewer"])) == [["query", "status", 0]]
    assert _loc(http.get("/api/v1/trades", params={"page_size": 0}, headers=h["viewer"])) == [
        ["query", "page_size"]]
    assert _loc(http.get("/api/v1/trades", params={"pool": "0x12"}, headers=h["viewer"])) == [
        ["query", "pool"]]


def test_engine_down_is_503_with_retry_after_and_nothing_audited(
    tmp_path: Path, gateway_pem: str
) -> None:
    server = GatewayServer(gateway_settings(tmp_path, free_port(), free_port(), None,
                                            gateway_pem, engine={"timeout_s": 1}))
    try:
        pair = server.thread.run(server.ctx.auth.login(
            Identity("local", "alice", "alice@example.test", "alice", None), None, None))
        admin = bearer(pair.access_token)
        with httpx.Client(base_url=server.url, timeout=20) as c:
            for r in (c.get("/api/v1/trades", headers=admin),
                      c.get("/api/v1/stats", headers=admin),
                      c.put("/api/v1/mode", json={"mode": "live"}, headers=admin),
                      c.post(f"/api/v1/opportunities/{OPP}/execute",
                             headers={**admin, "Idempotency-Key": "k"})):
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "7" and "unavailable" in r.json()["detail"]
            assert c.get("/api/v1/admin/audit", headers=admin).json() == []
    finally:
        server.stop()


# --- an engine trading on a devnet ------------------------------------------------------


@dataclass
class Stack:
    world: World
    thread: LoopThread  # the engine's loop
    trading: Trading
    gateway: GatewayServer
    headers: dict[str, dict[str, str]]
    user_ids: dict[str, int]

    def run(self, coro: Any, timeout: float = 60) -> Any:
        return self.thread.run(coro, timeout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("trading")
    pem = new_pem()
    with world(tmp) as w:
        # observe at start; auto trading off: every trade is one this module asks for
        engine = DevnetEngine(w, tmp, KeyRing.from_pems({KID: pem}, [KID]), mode="observe")
        try:
            t = engine.trading
            gw = GatewayServer(gateway_settings(tmp / "gateway", engine.port, free_port(), None,
                                                pem))
            try:
                # logged in as the OAuth callback would (that flow is tested elsewhere)
                people = {"admin": ("alice", "alice@example.test"), "trader": ("bob", None),
                          "viewer": ("carol", None)}
                pairs = {role: gw.thread.run(gw.ctx.auth.login(
                    Identity("local", login, email, login, None), "127.0.0.1", "pytest"))
                    for role, (login, email) in people.items()}
                assert {r: p.user.role for r, p in pairs.items()} == {r: r for r in pairs}
                yield Stack(w, engine.thread, t, gw,
                            {r: bearer(p.access_token) for r, p in pairs.items()},
                            {r: p.user.id for r, p in pairs.items()})
            finally:
                gw.stop()
        finally:
            engine.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway.url, timeout=30) as c:
        yield c


def _set_mode(client: httpx.Client, stack: Stack, mode: str) -> dict[str, Any]:
    r = client.put("/api/v1/mode", json={"mode": mode}, headers=stack.headers["admin"])
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _audit(client: httpx.Client, stack: Stack, action: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/admin/audit", params={"action": action},
                   headers=stack.headers["admin"])
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.chain
def test_mode_and_risk_limits_round_trip_admin_only_and_audited(
    stack: Stack, client: httpx.Client
) -> None:
    h = stack.headers
    admin_subject = f"user:{stack.user_ids['admin']}"
    assert client.get("/api/v1/mode", headers=h["viewer"]).json() == {"mode": "observe"}
    for role in ("viewer", "trader"):
        assert client.put("/api/v1/mode", json={"mode": "live"},
                          headers=h[role]).status_code == 403
    assert _set_mode(client, stack, "dry_run") == {"mode": "dry_run", "previous": "observe"}
    assert client.get("/api/v1/mode", headers=h["trader"]).json() == {"mode": "dry_run"}
    assert stack.trading.executor.mode.value == "dry_run"  # the engine's own state
    assert _set_mode(client, stack, "observe") == {"mode": "observe", "previous": "dry_run"}
    rows = _audit(client, stack, "engine.set_mode")
    assert [r["detail"] for r in rows] == [{"mode": "observe", "previous": "dry_run"},
                                           {"mode": "dry_run", "previous": "observe"}]
    assert all(r["actor"] == admin_subject and r["target"] == "mode" for r in rows)

    state = client.get("/api/v1/risk-limits", headers=h["viewer"]).json()
    before = state["limits"]
    assert state["mode"] == "observe" and state["in_flight"] == 0
    assert state["loss_today_wei"] == "0"
    assert before["max_in_flight"] == 50 and before["kill_switch"] is False
    assert client.put("/api/v1/risk-limits", json={"kill_switch": True},
                      headers=h["trader"]).status_code == 403
    changed = client.put("/api/v1/risk-limits", headers=h["admin"], json={
        "kill_switch": True, "pool_cooldown_blocks": 3,
        "max_amount_in": {"WETH": "5000000000000000000"}})
    assert changed.status_code == 200, changed.text
    limits = changed.json()
    assert limits == {**before, "kill_switch": True, "pool_cooldown_blocks": 3,
                      "max_amount_in": {"WETH": "5000000000000000000"}}
    assert client.get("/api/v1/risk-limits", headers=h["viewer"]).json()["limits"] == limits
    assert stack.trading.executor.risk.limits.kill_switch is True
    # a value only the engine knows is wrong: 422 naming the body's field, nothing changed
    zero = client.put("/api/v1/risk-limits", json={"max_amount_in": {"WETH": "0"}},
                      headers=h["admin"])
    assert _loc(zero) == [["body", "max_amount_in", "WETH"]]
    assert "greater than 0" in zero.json()["detail"][0]["msg"]
    cleared = client.put("/api/v1/risk-limits", json={"max_amount_in": {}}, headers=h["admin"])
    assert cleared.status_code == 200 and cleared.json()["max_amount_in"] == {}
    restored = client.put("/api/v1/risk-limits", headers=h["admin"], json={
        "kill_switch": False, "pool_cooldown_blocks": before["pool_cooldown_blocks"],
        "max_amount_in": before["max_amount_in"]})
    assert restored.status_code == 200 and restored.json() == before
    rows = _audit(client, stack, "engine.set_risk_limits")
    assert len(rows) == 3 and all(r["actor"] == admin_subject for r in rows)
    assert rows[-1]["detail"]["changes"] == {"kill_switch": True, "pool_cooldown_blocks": 3,
                                             "max_amount_in": {"WETH": "5000000000000000000"}}
    assert rows[-1]["detail"]["limits"]["kill_switch"] is True


def _until_status(client: httpx.Client, stack: Stack, trade_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        trade = client.get(f"/api/v1/trades/{trade_id}", headers=stack.headers["viewer"]).json()
        if trade["status"] == status:
            return trade  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"trade {trade_id} stuck at {trade['status']}"
        time.sleep(0.05)


@pytest.mark.chain
def test_simulate_execute_and_trades_through_rest_and_websocket(
    stack: Stack, client: httpx.Client
) -> None:
    w, t, h = stack.world, stack.trading, stack.headers
    _set_mode(client, stack, "observe")
    empty = client.get("/api/v1/trades", headers=h["viewer"])
    assert empty.status_code == 200 and empty.json() == {"trades": [], "next_page_token": ""}

    ws = Ws(stack.gateway, h["trader"]["Authorization"].split()[1])
    ws.send({"type": "subscribe", "topics": ["trades"]})
    ws.until(type="subscribed", topic="trades")
    stack.run(wait_until(lambda: len(t.executor.trades) == 1, "the gateway's StreamTrades"))

    w.open_gap()
    stack.run(t.synced())
    pool = w.weth_usdc_v2().address.lower()
    live = client.get("/api/v1/opportunities/live", params={"chain_id": CHAIN_ID},
                      headers=h["viewer"]).json()["opportunities"]
    opp = max((o for o in live if pool in o["pools"]), key=lambda o: int(o["profit_net"]))
    base = f"/api/v1/opportunities/{opp['id']}"

    # observe: refused with the engine's reason; nothing recorded
    refused = client.post(f"{base}/execute", headers={**h["trader"], "Idempotency-Key": "k-1"})
    assert refused.status_code == 409 and "observe" in refused.json()["detail"]
    # simulate: the executor's exact answer at the latest block
    sim = client.post(f"{base}/simulate", headers=h["trader"])
    assert sim.status_code == 200, sim.text
    s = sim.json()
    assert s["executable"] and int(s["profit"]) > 0 and s["gas_estimate"] > 0
    assert s["opportunity_id"] == opp["id"] and s["chain_id"] == CHAIN_ID and s["reason"] == ""
    stale = client.post(f"{base}/simulate", json={"block_number": opp["block_number"] - 1},
                        headers=h["trader"])
    assert stale.status_code == 409 and "stale" in stale.json()["detail"]
    other_chain = client.post("/api/v1/opportunities/999" + opp["id"][len(str(CHAIN_ID)):]
                              + "/simulate", headers=h["trader"])
    assert other_chain.status_code == 404 and other_chain.json()["detail"].startswith("chain_id")

    # dry run: simulated and recorded, never sent; the key is the trader's own
    _set_mode(client, stack, "dry_run")
    dry = client.post(f"{base}/execute", headers=h["trader"],
                      json={"idempotency_key": "k-1", "block_number": opp["block_number"]})
    assert dry.status_code == 200, dry.text
    d = dry.json()
    assert not d["duplicate"] and d["trade"]["status"] == "simulated" and d["trade"]["final"]
    assert d["trade"]["mode"] == "dry_run" and d["trade"]["source"] == "rpc"
    assert d["trade"]["idempotency_key"] == f"rpc:u{stack.user_ids['trader']}:k-1"
    assert not d["trade"]["has_nonce"] and d["trade"]["tx_hash"] == ""
    again = client.post(f"{base}/execute", headers={**h["trader"], "Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()["duplicate"]
    assert again.json()["trade"]["id"] == d["trade"]["id"]
    admins = client.post(f"{base}/execute", headers={**h["admin"], "Idempotency-Key": "k-1"})
    assert admins.status_code == 200 and not admins.json()["duplicate"]
    assert admins.json()["trade"]["id"] != d["trade"]["id"]

    # live: sent, then mined when the test mines a block
    _set_mode(client, stack, "live")
    sent = client.post(f"{base}/execute", headers={**h["trader"], "Idempotency-Key": "k-live"})
    assert sent.status_code == 200, sent.text
    trade = sent.json()["trade"]
    assert trade["status"] == "sent" and trade["tx_hash"] and trade["has_nonce"]
    stack.run(wait_until(lambda: w.chain.rpc("eth_getTransactionByHash", [trade["tx_hash"]]),
                         "the transaction in the node's pool"))
    w.mine()
    mined = _until_status(client, stack, trade["id"], "mined")
    assert [x["status"] for x in mined["history"]] == ["created", "simulated", "sent", "mined"]
    assert mined["history"][2]["tx_hash"] == trade["tx_hash"] and mined["final"]
    assert int(mined["profit_realized"]) > 0 and mined["mined_block"] > 0
    assert [(x["tx_hash"], x["kind"]) for x in mined["transactions"]] == [
        (trade["tx_hash"], "original")]
    _set_mode(client, stack, "observe")

    # statistics: the realized profit and the gas paid, to the unit, and the counts
    reply = client.get("/api/v1/stats", params={"chain_id": CHAIN_ID}, headers=h["viewer"])
    assert reply.status_code == 200, reply.text
    stats = reply.json()
    assert stats["execution_enabled"] is True
    (pnl,) = stats["pnl"]
    assert (pnl["chain_id"], pnl["token"]) == (CHAIN_ID, mined["base_token"])
    assert pnl["all_time"] == pnl["last_7d"] == mined["profit_realized"]
    gas_wei = str(mined["gas_used"] * int(mined["effective_gas_price"]))
    assert [g["all_time"] for g in stats["gas"]] == [gas_wei] and int(gas_wei) > 0
    counts = stats["trades"]
    assert counts["by_status"] == {"simulated": 2, "mined": 1}
    assert (counts["total"], counts["in_flight"], counts["success_rate"]) == (3, 0, 1.0)
    assert [(p["trade_id"], p["profit"], p["cumulative"], p["gas_wei"])
            for p in stats["pnl_series"]] == [
        (trade["id"], mined["profit_realized"], mined["profit_realized"], gas_wei)]
    samples = {x["stage"]: x["samples"] for x in stats["latencies"]}
    assert samples["send_to_mined"] == 1 and samples["block_to_opportunities"] > 0
    assert samples["opportunity_to_send"] == 0  # asked for over the API: not the engine's stage

    # the trades topic saw every status of the live trade, in order
    _, seen = drain_until(ws.recv, lambda m: m.get("type") == "event"
                          and m["data"]["trade"]["id"] == trade["id"]
                          and m["data"]["trade"]["status"] == "mined")
    events = [m for m in seen if m.get("type") == "event"]
    assert [m["data"]["trade"]["status"] for m in events
            if m["data"]["trade"]["id"] == trade["id"]] == ["created", "simulated", "sent", "mined"]
    assert [m["seq"] for m in events] == list(range(events[0]["seq"], events[-1]["seq"] + 1))
    ws.close()

    # the list: newest first, one per page, every trade once
    ids, token, pages = [], "", 0
    while True:
        page = client.get("/api/v1/trades", params={"page_size": 1, "page_token": token},
                          headers=h["viewer"]).json()
        ids += [x["id"] for x in page["trades"]]
        pages += 1
        token = page["next_page_token"]
        if not token:
            break
    expected = [trade["id"], admins.json()["trade"]["id"], d["trade"]["id"]]
    assert ids == expected and pages in (3, 4)

    def listed(**params: Any) -> list[str]:
        r = client.get("/api/v1/trades", params=params, headers=h["viewer"])
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["trades"]]

    assert listed(status="mined") == [trade["id"]]
    assert listed(status="simulated") == expected[1:]
    assert listed(status=["simulated", "mined"]) == expected
    assert listed(pool=pool, chain_id=CHAIN_ID) == expected
    assert listed(pool="0x" + "9" * 40) == [] and listed(chain_id=1) == []
    unknown = client.get("/api/v1/trades/no-such-trade", headers=h["viewer"])
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("id:")

    rows = _audit(client, stack, "trade.execute")
    assert [(r["detail"]["idempotency_key"], r["detail"]["duplicate"], r["detail"]["status"])
            for r in reversed(rows)] == [("k-1", False, "simulated"), ("k-1", True, "simulated"),
                                         ("k-1", False, "simulated"), ("k-live", False, "sent")]
    assert rows[0]["actor"] == f"user:{stack.user_ids['trader']}"
    assert rows[0]["target"] == f"trade:{trade['id']}"
