"""GetStats: PnL, gas and trade counts from a real trades.db written through TradeStore,
opportunity counts from arbitrage.db, latency percentiles and series, the process's
resources, over the real gRPC server (with and without execution)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from eth_account import Account

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.api.server import ApiServer
from engine.api.stats import StatsBuilder
from engine.config import EngineConfig, ExecutionConfig
from engine.core import Engine
from engine.core.latency import MINUTE_NS, LatencyRecorder, percentile
from engine.execution import Executor
from engine.execution.signer import Signer
from engine.store import Store
from engine.store.stats import DAY_NS, trade_stats
from engine.store.trades import SignedTx, Trade, TradeStatus, TradeStore
from tests.engine_support import (
    KEYS,
    bearer,
    block,
    gap_update,
    make_config,
    populate,
    run,
    running_app,
    token_a,
    token_b,
)

VIEWER = bearer(KEYS["viewer"])
GWEI = 10**9
# noon UTC of some day: "today" is [NOW - 12 h, NOW]
NOW = 1_750_000_000 * 10**9 // DAY_NS * DAY_NS + DAY_NS // 2
HOUR = 3600 * 10**9


# --- latency samples ---------------------------------------------------------------------


def test_latency_percentiles_over_a_bounded_ring() -> None:
    latency = LatencyRecorder(window=100)
    for ms in range(1, 201):  # 1..200 ms; the ring keeps 101..200
        latency.record("send_to_mined", ms * 1_000_000, at_ns=NOW)
    by_stage = {s.stage: s for s in latency.summaries()}
    assert list(by_stage) == ["block_to_opportunities", "opportunity_to_send", "send_to_mined"]
    s = by_stage["send_to_mined"]
    assert (s.samples, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms) == (100, 150.0, 190.0, 199.0, 200.0)
    empty = by_stage["block_to_opportunities"]
    assert (empty.samples, empty.p50_ms, empty.max_ms) == (0, 0.0, 0.0)
    assert percentile([5.0], 0.99) == 5.0 and percentile([], 0.5) == 0.0
    with pytest.raises(ValueError, match="unknown latency stage 'nope'"):
        latency.record("nope", 1)


def test_latency_series_has_one_point_per_minute_and_stage_newest_kept() -> None:
    latency = LatencyRecorder(buckets=3, bucket_samples=50, seed=1)
    start = NOW - NOW % MINUTE_NS
    for minute in range(5):
        for i in range(1, 101):  # 100 samples a minute: the reservoir keeps 50 of them
            latency.record("block_to_opportunities", (minute * 100 + i) * 1000,
                           at_ns=start + minute * MINUTE_NS + i)
    latency.record("opportunity_to_send", 7_000_000, at_ns=start + 4 * MINUTE_NS)
    series = latency.series(max_points=500)
    blocks = [p for p in series if p.stage == "block_to_opportunities"]
    # 3 closed minutes kept (of 4) and the one in progress
    assert [p.start_ns for p in blocks] == [start + m * MINUTE_NS for m in (1, 2, 3, 4)]
    assert all(p.samples == 100 for p in blocks)
    for m, p in zip((1, 2, 3, 4), blocks, strict=True):  # within the minute's own samples
        assert m * 0.1 < p.p50_ms < p.p99_ms <= (m + 1) * 0.1
    sends = [p for p in series if p.stage == "opportunity_to_send"]
    assert [(p.start_ns, p.samples, p.p50_ms, p.p99_ms) for p in sends] == [
        (start + 4 * MINUTE_NS, 1, 7.0, 7.0)]
    assert [p.start_ns for p in series] == sorted(p.start_ns for p in series)
    newest = latency.series(max_points=2)
    assert [p.start_ns for p in newest if p.stage == "block_to_opportunities"] == [
        start + 3 * MINUTE_NS, start + 4 * MINUTE_NS]


# --- trades.db ---------------------------------------------------------------------------


def _trade(trade_id: str, chain_id: int, token: str, created_ns: int) -> Trade:
    return Trade(
        id=trade_id, idempotency_key="k-" + trade_id, source="auto", mode="live",
        chain_id=chain_id, opportunity_id=f"{chain_id}:0xp:1", block_number=5, base_token=token,
        pools=["0xp", "0xq"], tokens=[token, "0xu", token], executor="0xe", calldata=b"\x01",
        amount_in=10**18, min_profit=1, deadline_block=7, flash=True, profit_expected=1,
        gas_cost_expected=1, status=TradeStatus.CREATED, sender="0xs", created_ns=created_ns,
        updated_ns=created_ns,
    )


def _sent(store: TradeStore, trade_id: str, chain_id: int, at_ns: int) -> None:
    store.transition(trade_id, TradeStatus.SIMULATED, at_ns=at_ns)
    signed = SignedTx("0xh" + trade_id, trade_id, chain_id, "0xs", 1, "original", 10, 1, b"r",
                      at_ns)
    store.transition(trade_id, TradeStatus.SENT, signed=signed, at_ns=at_ns, nonce=1,
                     tx_hash=signed.tx_hash)


def _write_trades(store: TradeStore, now: int) -> None:
    """Trades of every outcome on two chains and three days, through the engine's own API."""
    weth1, usd1, weth2 = token_a(1), token_b(1), token_a(2)
    huge = 2**200 + 7  # beyond int64 and a double's precision
    plan: list[tuple[str, int, str, int, TradeStatus, dict[str, Any]]] = [
        # id, chain, token, final at (ns before now), outcome, its fields
        ("old", 1, weth1, 8 * DAY_NS, TradeStatus.MINED,
         {"profit_realized": 5 * 10**18, "gas_used": 100_000, "effective_gas_price": 2 * GWEI}),
        ("week", 1, weth1, 3 * DAY_NS, TradeStatus.MINED,
         {"profit_realized": huge, "gas_used": 150_000, "effective_gas_price": 3 * GWEI}),
        ("loss", 1, weth1, 2 * HOUR, TradeStatus.MINED,
         {"profit_realized": -(10**15), "gas_used": 120_000, "effective_gas_price": 5 * GWEI}),
        ("revert", 1, weth1, HOUR, TradeStatus.REVERTED,
         {"profit_realized": 0, "gas_used": 90_000, "effective_gas_price": 7 * GWEI}),
        ("usd", 1, usd1, HOUR // 2, TradeStatus.MINED,
         {"profit_realized": 123_456, "gas_used": 110_000, "effective_gas_price": 4 * GWEI}),
        ("other", 2, weth2, HOUR // 4, TradeStatus.MINED,
         {"profit_realized": 10**17, "gas_used": 200_000, "effective_gas_price": GWEI}),
        ("dropped", 2, weth2, 10 * HOUR, TradeStatus.DROPPED, {}),
    ]
    for trade_id, chain_id, token, ago, outcome, fields in plan:
        at = now - ago
        assert store.insert(_trade(trade_id, chain_id, token, at - 10**9))
        _sent(store, trade_id, chain_id, at - 10**8)
        store.transition(trade_id, outcome, at_ns=at, **fields)
    # not final, or never sent
    assert store.insert(_trade("flying", 1, weth1, now - 10**9))
    _sent(store, "flying", 1, now - 10**8)
    assert store.insert(_trade("failed", 1, weth1, now - 3 * HOUR))
    store.transition("failed", TradeStatus.FAILED_SIMULATION, detail="reverted", at_ns=now)
    assert store.insert(_trade("dry", 2, weth2, now - 2 * DAY_NS))
    store.transition("dry", TradeStatus.SIMULATED, final=True, at_ns=now - 2 * DAY_NS)


def test_trade_stats_sum_exact_integers_per_window(tmp_path: Path) -> None:
    store = TradeStore(tmp_path / "trades.db")
    try:
        _write_trades(store, NOW)
        stats = trade_stats(store.path, 0, NOW)
    finally:
        store.close()
    huge = 2**200 + 7
    weth1, usd1, weth2 = (1, token_a(1)), (1, token_b(1)), (2, token_a(2))
    assert {k: (w.today, w.last_7d, w.all_time) for k, w in stats.pnl.items()} == {
        weth1: (-(10**15), huge - 10**15, 5 * 10**18 + huge - 10**15),
        usd1: (123_456, 123_456, 123_456),
        weth2: (10**17, 10**17, 10**17),
    }
    gas = {"old": 100_000 * 2 * GWEI, "week": 150_000 * 3 * GWEI, "loss": 120_000 * 5 * GWEI,
           "revert": 90_000 * 7 * GWEI, "usd": 110_000 * 4 * GWEI, "other": 200_000 * GWEI}
    today1 = gas["loss"] + gas["revert"] + gas["usd"]
    assert {c: (w.today, w.last_7d, w.all_time) for c, w in stats.gas.items()} == {
        1: (today1, today1 + gas["week"], today1 + gas["week"] + gas["old"]),
        2: (gas["other"],) * 3,
    }
    S = TradeStatus
    assert stats.by_status == {S.MINED: 5, S.REVERTED: 1, S.DROPPED: 1, S.SENT: 1,
                               S.FAILED_SIMULATION: 1, S.SIMULATED: 1}
    assert (stats.total, stats.in_flight, stats.today) == (10, 1, 7)  # "old", "week", "dry": before
    assert stats.success_rate == 5 / 7
    # one point per mined or reverted trade, by the time it became final; running per token
    assert [(t.trade_id, t.profit, t.gas_wei, t.cumulative) for t in stats.settled] == [
        ("old", 5 * 10**18, gas["old"], 5 * 10**18),
        ("week", huge, gas["week"], 5 * 10**18 + huge),
        ("loss", -(10**15), gas["loss"], 5 * 10**18 + huge - 10**15),
        ("revert", 0, gas["revert"], 5 * 10**18 + huge - 10**15),
        ("usd", 123_456, gas["usd"], 123_456),
        ("other", 10**17, gas["other"], 10**17),
    ]
    assert stats.settled[3].status is S.REVERTED and stats.settled[0].at_ns == NOW - 8 * DAY_NS


def test_trade_stats_of_one_chain_and_of_an_empty_db(tmp_path: Path) -> None:
    store = TradeStore(tmp_path / "trades.db")
    try:
        empty = trade_stats(store.path, 0, NOW)
        assert (empty.total, empty.in_flight, empty.pnl, empty.settled) == (0, 0, {}, [])
        assert empty.success_rate is None
        _write_trades(store, NOW)
        two = trade_stats(store.path, 2, NOW)
    finally:
        store.close()
    assert list(two.pnl) == [(2, token_a(2))] and list(two.gas) == [2]
    assert two.by_status == {TradeStatus.MINED: 1, TradeStatus.DROPPED: 1,
                             TradeStatus.SIMULATED: 1}
    assert two.success_rate == 0.5 and [t.trade_id for t in two.settled] == ["other"]


def test_usd_valuation_is_net_of_gas_and_says_when_a_price_is_missing(tmp_path: Path) -> None:
    engine = Engine(make_config(tmp_path))
    store = TradeStore(tmp_path / "trades.db")
    now = time.time_ns()
    weth, usd = token_a(1), token_b(1)  # both 18 decimals in the test config
    settled: list[tuple[str, str, int, TradeStatus, dict[str, Any]]] = [
        ("old", weth, 8 * DAY_NS, TradeStatus.MINED,
         {"profit_realized": 10**18, "gas_used": 100_000, "effective_gas_price": 2 * GWEI}),
        ("revert", weth, HOUR, TradeStatus.REVERTED,
         {"profit_realized": 0, "gas_used": 90_000, "effective_gas_price": 7 * GWEI}),
        ("usd", usd, HOUR // 2, TradeStatus.MINED,
         {"profit_realized": 5 * 10**17, "gas_used": 110_000, "effective_gas_price": 4 * GWEI}),
    ]
    for trade_id, token, ago, outcome, fields in settled:
        assert store.insert(_trade(trade_id, 1, token, now - ago - 10**9))
        _sent(store, trade_id, 1, now - ago - 10**8)
        store.transition(trade_id, outcome, at_ns=now - ago, **fields)

    def build(prices: dict[str, float] | None) -> pb.GetStatsResponse:
        usd_price = None if prices is None else (lambda chain, token: prices.get(token))
        return run(StatsBuilder(engine, None, store.path, usd_price=usd_price).build(0, 500))

    try:
        priced = build({weth: 2000.0, usd: 1.0})
        no_usd_price = build({weth: 2000.0})
        plain = build(None)
    finally:
        store.close()
    gas_usd = {"old": 100_000 * 2e9 * 2000 / 1e18, "revert": 90_000 * 7e9 * 2000 / 1e18,
               "usd": 110_000 * 4e9 * 2000 / 1e18}  # gas is valued at the native token's price
    net = {"old": 2000.0 - gas_usd["old"], "revert": -gas_usd["revert"],
           "usd": 0.5 - gas_usd["usd"]}
    assert {p.trade_id: p.net_usd for p in priced.pnl_series} == pytest.approx(net)
    assert priced.usd.complete
    assert priced.usd.all_time == pytest.approx(sum(net.values()))
    assert priced.usd.last_7d == pytest.approx(net["revert"] + net["usd"])
    # the USD token has no price: its profit is left out, its gas still counts
    assert not no_usd_price.usd.complete
    assert no_usd_price.usd.all_time == pytest.approx(sum(net.values()) - 0.5)
    points = {p.trade_id: p for p in no_usd_price.pnl_series}
    assert not points["usd"].HasField("net_usd") and points["old"].net_usd == pytest.approx(
        net["old"])
    # no pricing wired: nothing in USD
    assert not plain.HasField("usd") and not plain.pnl_series[0].HasField("net_usd")


# --- GetStats over gRPC ------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _trading_api(config: EngineConfig, trades_db: Path) -> AsyncIterator[
        tuple[Engine, Store, TradeStore, engine_pb2_grpc.EngineServiceStub]]:
    """The engine, arbitrage.db and trades.db behind the real gRPC server, with an executor
    that is not started (no chain here: the trades are written through TradeStore)."""
    engine = Engine(config, recorder=(store := Store(config.store)))
    trades = TradeStore(trades_db)
    executor = Executor(engine, ExecutionConfig(trades_db=trades_db), [], trades,
                        Signer(Account.create()))
    api = ApiServer(engine, store, config.api, config.auth, executor)
    await api.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{api.port}")
    try:
        yield engine, store, trades, engine_pb2_grpc.EngineServiceStub(channel)
    finally:
        await channel.close()
        await api.stop(0)
        trades.close()
        store.close()


def test_get_stats_over_grpc_with_execution(tmp_path: Path) -> None:
    config = make_config(tmp_path)

    async def scenario() -> None:
        async with _trading_api(config, tmp_path / "trades.db") as (engine, store, trades, stub):
            populate(engine)
            engine.apply_block(block(1, 1, [gap_update(1)], gas_price_wei=GWEI))
            store.flush()
            now = time.time_ns()
            await trades.call(_write_trades, trades, now - 10**9)
            stats = await stub.GetStats(pb.GetStatsRequest(max_points=3), metadata=VIEWER)
            assert stats.execution_enabled
            huge = 2**200 + 7
            pnl = {(p.chain_id, p.token): p for p in stats.pnl}
            weth = pnl[(1, token_a(1))]
            assert (weth.symbol, weth.decimals) == ("WETH", 18)
            assert (weth.last_7d, weth.all_time) == (str(huge - 10**15),
                                                     str(5 * 10**18 + huge - 10**15))
            assert pnl[(2, token_a(2))].all_time == str(10**17)
            gas = {g.chain_id: g for g in stats.gas}
            assert gas[2].all_time == str(200_000 * GWEI)
            t = stats.trades
            assert (t.total, t.in_flight) == (10, 1)
            assert dict(t.by_status) == {
                "TRADE_STATUS_MINED": 5, "TRADE_STATUS_REVERTED": 1, "TRADE_STATUS_DROPPED": 1,
                "TRADE_STATUS_SENT": 1, "TRADE_STATUS_FAILED_SIMULATION": 1,
                "TRADE_STATUS_SIMULATED": 1}
            assert t.success_rate == pytest.approx(5 / 7)
            # the newest 3 points, their running totals over every trade before them
            assert [(p.trade_id, p.cumulative) for p in stats.pnl_series] == [
                ("revert", str(5 * 10**18 + huge - 10**15)), ("usd", "123456"),
                ("other", str(10**17))]
            assert stats.pnl_series[0].gas_wei == str(90_000 * 7 * GWEI)
            assert not stats.HasField("usd")  # no reference prices wired
            # the block's opportunity, stored; its pipeline latency sampled
            assert (stats.opportunities_today, stats.opportunities_total) == (1, 1)
            stages = {s.stage: s for s in stats.latencies}
            assert stages["block_to_opportunities"].samples == 1
            assert stages["send_to_mined"].samples == 0
            assert [p.stage for p in stats.latency_series] == ["block_to_opportunities"]
            r = stats.resources
            assert r.rss_bytes > 10**6 and r.threads >= 2 and r.open_files >= 3
            assert r.cpu_seconds > 0 and stats.generated_unix_nanos >= now

            one = await stub.GetStats(pb.GetStatsRequest(chain_id=2), metadata=VIEWER)
            assert [p.chain_id for p in one.pnl] == [2] and one.trades.total == 3
            assert one.opportunities_total == 0

            for request, code, field in (
                (pb.GetStatsRequest(max_points=5001), grpc.StatusCode.INVALID_ARGUMENT,
                 "max_points"),
                (pb.GetStatsRequest(chain_id=99), grpc.StatusCode.NOT_FOUND, "chain_id"),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await stub.GetStats(request, metadata=VIEWER)
                assert info.value.code() == code and field in (info.value.details() or "")
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await stub.GetStats(pb.GetStatsRequest())  # no credentials
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED

    run(scenario())


def test_get_stats_without_execution_still_answers(tmp_path: Path) -> None:
    config = make_config(tmp_path)

    async def scenario() -> None:
        async with running_app(config) as (app, stub, _):
            assert app.executor is None
            populate(app.engine)
            app.engine.apply_block(block(1, 1, [gap_update(1)]))
            app.engine.apply_block(block(2, 1, [gap_update(2)]))
            app.store.flush()
            stats = await stub.GetStats(pb.GetStatsRequest(), metadata=VIEWER)
            assert not stats.execution_enabled
            assert list(stats.pnl) == [] and list(stats.gas) == [] and not stats.HasField("trades")
            assert list(stats.pnl_series) == []
            assert (stats.opportunities_today, stats.opportunities_total) == (2, 2)
            assert {s.stage: s.samples for s in stats.latencies} == {
                "block_to_opportunities": 2, "opportunity_to_send": 0, "send_to_mined": 0}
            assert stats.resources.rss_bytes > 0 and stats.resources.uptime_seconds >= 0
            one = await stub.GetStats(pb.GetStatsRequest(chain_id=1), metadata=VIEWER)
            assert one.opportunities_total == 1

    run(scenario())
