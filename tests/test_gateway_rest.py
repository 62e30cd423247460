"""REST reads over the real engine, errors (422 naming the field, 404, 503 with
Retry-After), CORS, security headers, rate limits, health and metrics."""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.engine_support import free_port, token_a, token_b, v2_pool, v3_pool
from tests.gateway_support import (  # noqa: F401 - fixtures
    GatewayServer,
    bearer,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    gateway_settings,
    http,
    oidc,
    users,
)


@pytest.fixture
def viewer(users: dict[str, dict[str, Any]]) -> dict[str, str]:
    return bearer(users["viewer"]["access_token"])


def test_status_tokens_pools_prices(http: httpx.Client, viewer: dict[str, str]) -> None:
    status = http.get("/api/v1/status", headers=viewer)
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["mode"] == "watch" and [c["chain_id"] for c in body["chains"]] == [1, 2]
    assert body["chains"][0]["state"] == "idle" and body["pools"] == 4
    tokens = http.get("/api/v1/tokens", params={"chain_id": 1}, headers=viewer).json()
    assert {t["address"] for t in tokens} == {token_a(1), token_b(1)}
    pools = http.get("/api/v1/pools", params={"chain_id": 1}, headers=viewer).json()
    kinds = {p["address"]: p["kind"] for p in pools}
    assert kinds == {v2_pool(1): "v2", v3_pool(1): "v3"}
    v2 = next(p for p in pools if p["kind"] == "v2")
    assert v2["v3"] is None and isinstance(v2["v2"]["reserve0"], str)
    # no price feeds configured: no reference prices (the demo's check has them)
    assert all(t["usd_price"] is None and t["usd_price_feed"] == "" for t in tokens)
    assert all(p["oracle_deviation"] is None and p["off_oracle"] is False for p in pools)
    one = http.get(f"/api/v1/pools/1/{v3_pool(1)}", headers=viewer).json()
    assert one["v3"]["ticks"] and one["v3"]["initialized_ticks"] == 2
    prices = http.get("/api/v1/prices", headers=viewer).json()
    assert len(prices) == 4 and all(p["price"] > 0 for p in prices)


def test_quote_and_best_route_are_exact_integers(http: httpx.Client, viewer: dict[str, str],
                                                  engine_proc: Any) -> None:
    amount = str(10**18)
    quote = http.get("/api/v1/quote", headers=viewer, params={
        "chain_id": 1, "pools": [v2_pool(1)], "token_in": token_a(1), "amount_in": amount})
    assert quote.status_code == 200, quote.text
    expected = engine_proc.thread.call(
        lambda: engine_proc.app.engine.quote(1, [v2_pool(1)], token_a(1), 10**18))
    assert [int(a) for a in quote.json()["amounts"]] == list(expected.amounts)
    assert int(quote.json()["amount_out"]) == expected.amounts[-1]
    route = http.get("/api/v1/routes/best", headers=viewer, params={
        "chain_id": 1, "token_in": token_a(1), "token_out": token_b(1), "amount_in": amount})
    assert route.status_code == 200, route.text
    assert route.json()["route"]["tokens"] == [token_a(1), token_b(1)]


def test_validation_errors_name_the_field(http: httpx.Client, viewer: dict[str, str]) -> None:
    bad = http.get("/api/v1/quote", headers=viewer, params={
        "chain_id": 1, "pools": [v2_pool(1)], "token_in": "0xnope", "amount_in": "1"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "token_in"]
    missing = http.get("/api/v1/routes/best", headers=viewer, params={"chain_id": 1})
    assert {tuple(d["loc"]) for d in missing.json()["detail"]} >= {("query", "token_in"),
                                                                   ("query", "amount_in")}
    # the engine's own INVALID_ARGUMENT keeps naming the field (amount 0)
    zero = http.get("/api/v1/quote", headers=viewer, params={
        "chain_id": 1, "pools": [v2_pool(1)], "token_in": token_a(1), "amount_in": "0"})
    assert zero.status_code == 422 and zero.json()["detail"][0]["loc"] == ["query", "amount_in"]
    # a pool that does not hold token_in
    wrong = http.get("/api/v1/quote", headers=viewer, params={
        "chain_id": 1, "pools": [v2_pool(1)], "token_in": token_a(2), "amount_in": "5"})
    assert wrong.status_code in (404, 422) and "detail" in wrong.json()
    holds = http.get("/api/v1/quote", headers=viewer, params={
        "chain_id": 1, "pools": [v2_pool(1)], "token_in": token_b(1), "amount_in": "5"})
    assert holds.status_code == 200


def test_unknown_ids_are_404(http: httpx.Client, viewer: dict[str, str]) -> None:
    chain = http.get("/api/v1/tokens", params={"chain_id": 99}, headers=viewer)
    assert chain.status_code == 404 and "chain_id" in chain.json()["detail"]
    pool = http.get(f"/api/v1/pools/1/0x{'9' * 40}", headers=viewer)
    assert pool.status_code == 404 and "address" in pool.json()["detail"]
    assert http.get("/api/v1/nope", headers=viewer).status_code == 404


def test_opportunities_recent_and_live(http: httpx.Client, viewer: dict[str, str],
                                       engine_proc: Any) -> None:
    opps = engine_proc.new_block(1)
    assert opps
    live = http.get("/api/v1/opportunities/live", params={"chain_id": 1}, headers=viewer).json()
    assert [o["profit_net"] for o in live["opportunities"]] == [str(o.profit_net) for o in opps]
    page = None
    for _ in range(100):  # the engine's store writes behind; wait for the row
        page = http.get("/api/v1/opportunities", params={"chain_id": 1, "page_size": 5},
                        headers=viewer).json()
        if page["opportunities"]:
            break
        import time
        time.sleep(0.05)
    assert page is not None and page["opportunities"][0]["chain_id"] == 1
    bad = http.get("/api/v1/opportunities", params={"min_profit_net": "1.5"}, headers=viewer)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "min_profit_net"]


def test_cors_allow_list_and_security_headers(http: httpx.Client, viewer: dict[str, str]) -> None:
    preflight = http.options("/api/v1/status", headers={
        "Origin": "http://dashboard.test", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://dashboard.test"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    evil = http.options("/api/v1/status", headers={
        "Origin": "http://evil.test", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in evil.headers
    response = http.get("/api/v1/status", headers={**viewer, "Origin": "http://dashboard.test"})
    assert response.headers["access-control-allow-origin"] == "http://dashboard.test"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert http.get("/api/v1/auth/providers").headers["cache-control"] == "no-store"


def test_health_ready_metrics_openapi(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "ok", "engine": None, "database": None}
    ready = http.get("/ready")
    assert ready.status_code == 200 and ready.json()["engine"] is True
    metrics = http.get("/metrics").text
    assert "arbx_gateway_http_requests_total" in metrics
    assert "arbx_gateway_ws_connections" in metrics
    spec = http.get("/openapi.json").json()
    assert "/api/v1/quote" in spec["paths"] and "/api/v1/admin/audit" in spec["paths"]
    trades = spec["paths"]["/api/v1/trades"]["get"]["responses"]
    assert "409" in trades and "501" not in trades
    assert "501" not in spec["paths"]["/api/v1/stats"]["get"]["responses"]


def test_stats_of_an_engine_without_execution(http: httpx.Client, viewer: dict[str, str],
                                              users: dict[str, dict[str, Any]],
                                              engine_proc: Any) -> None:
    engine_proc.new_block(1)
    engine_proc.new_block(2)
    engine_proc.thread.call(engine_proc.app.store.flush)

    def stored(chain_id: int = 0) -> int:
        where = f" WHERE chain_id = {chain_id}" if chain_id else ""
        ((count,),) = engine_proc.thread.call(lambda: engine_proc.app.store.query(
            "SELECT COUNT(*) FROM opportunities" + where))
        return int(count)

    response = http.get("/api/v1/stats", headers=viewer)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["execution_enabled"] is False and stats["trades"] is None
    assert stats["pnl"] == [] and stats["gas"] == [] and stats["pnl_series"] == []
    assert stats["usd"] is None
    assert stats["opportunities_total"] == stored() >= 2
    assert 2 <= stats["opportunities_today"] <= stats["opportunities_total"]
    stages = {s["stage"]: s for s in stats["latencies"]}
    assert list(stages) == ["block_to_opportunities", "opportunity_to_send", "send_to_mined"]
    blocks = stages["block_to_opportunities"]
    assert blocks["samples"] >= 2 and 0 < blocks["p50_ms"] <= blocks["p99_ms"] <= blocks["max_ms"]
    assert stages["send_to_mined"]["samples"] == 0
    assert {p["stage"] for p in stats["latency_series"]} == {"block_to_opportunities"}
    engine = stats["resources"]
    assert engine["rss_bytes"] > 10**6 and engine["threads"] >= 2 and engine["open_files"] > 0
    one = http.get("/api/v1/stats", params={"chain_id": 2, "max_points": 1}, headers=viewer).json()
    assert one["opportunities_total"] == stored(2)
    assert len(one["latency_series"]) == 1  # the newest minute of the one stage with samples

    for params, field in (({"max_points": 0}, "max_points"), ({"max_points": 5001}, "max_points"),
                          ({"chain_id": -1}, "chain_id")):
        bad = http.get("/api/v1/stats", params=params, headers=viewer)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", field]
    unknown = http.get("/api/v1/stats", params={"chain_id": 99}, headers=viewer)
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("chain_id")
    assert http.get("/api/v1/stats").status_code == 401

    # the gateway's own resource use (admin: the Health page)
    assert http.get("/api/v1/admin/resources", headers=viewer).status_code == 403
    own = http.get("/api/v1/admin/resources",
                   headers=bearer(users["admin"]["access_token"])).json()
    assert own["rss_bytes"] > 10**6 and own["threads"] >= 1 and own["cpu_seconds"] > 0
    assert own["open_files"] > 0 and own["uptime_seconds"] >= 0


@pytest.fixture
def lonely_gateway(tmp_path: Path, gateway_pem: str) -> Any:
    """A gateway whose engine is not running, with tight rate limits."""
    server = GatewayServer(gateway_settings(
        tmp_path, free_port(), free_port(), None, gateway_pem,
        rate_limits={"per_ip": {"rate_per_s": 0.1, "burst": 12},
                     "per_user": {"rate_per_s": 0.1, "burst": 5}}))
    yield server
    server.stop()


def test_engine_down_is_503_with_retry_after_and_rate_limits(lonely_gateway: GatewayServer) -> None:
    ctx = lonely_gateway.ctx
    user = lonely_gateway.thread.run(ctx.db.call(
        ctx.db.upsert_login, "local", "zed", None, "zed", None, "viewer", None))
    token = lonely_gateway.thread.run(ctx.auth.api_keys.create(user.id, "k", "viewer", None)).key
    with httpx.Client(base_url=lonely_gateway.url, timeout=20) as http:
        down = http.get("/api/v1/status", headers=bearer(token))
        assert down.status_code == 503, down.text
        assert down.headers["retry-after"] == "7" and "unavailable" in down.json()["detail"]
        ready = http.get("/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"] == "7"
        # per user: 5 in a burst, then 429 with Retry-After
        codes = [http.get("/api/v1/me", headers=bearer(token)).status_code for _ in range(5)]
        assert 429 not in codes[:4]
        limited = http.get("/api/v1/me", headers=bearer(token))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        # per IP: anonymous requests too (12 in the burst, 7 spent above)
        codes = [http.get("/api/v1/auth/providers").status_code for _ in range(8)]
        assert codes[-1] == 429
        # another client IP (through the trusted proxy header) has its own bucket
        other = http.get("/api/v1/auth/providers", headers={"X-Forwarded-For": "203.0.113.9"})
        assert other.status_code == 200
        assert http.get("/health").status_code == 200  # probes are not limited
