"""Execution on a real devnet (engine/execution): the engine trades a gap it detects by
itself, end to end; idempotency and the gRPC trading API; 50 trades in flight; a stuck
transaction replaced; a competing swap that makes the simulation fail.

One world per module (manual mining); each test runs on an anvil snapshot that is
reverted afterwards, with its own engine, executor and trades.db.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import grpc.aio
import pytest

import engine_rs
from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.core.engine import opportunity_id
from engine.core.errors import PreconditionFailed
from engine.store.trades import TradeStatus as S
from tests.execution_support import CHAIN_ID, World, trading, wait_until, world

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("execution")) as w:
        yield w


@pytest.fixture
def fresh(devnet: World) -> Iterator[World]:
    snapshot = devnet.chain.snapshot()
    yield devnet
    with contextlib.suppress(Exception):
        devnet.chain.rpc("anvil_dropAllTransactions")
    devnet.chain.revert_to(snapshot)


def _best(opportunities: list[engine_rs.Opportunity], pool: str) -> engine_rs.Opportunity:
    through = [o for o in opportunities if pool.lower() in o.pools]
    assert through, "the gap gave no opportunity through the moved pool"
    return max(through, key=lambda o: o.profit_net)


def test_engine_trades_a_gap_end_to_end(fresh: World, tmp_path: Path) -> None:
    w = fresh

    async def main() -> None:
        async with trading(w, tmp_path) as t:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{t.api.port}")
            stub = engine_pb2_grpc.EngineServiceStub(channel)
            seen: list[tuple[str, int]] = []

            async def read() -> None:
                async for update in stub.StreamTrades(pb.StreamTradesRequest()):
                    seen.append((update.trade.id, update.trade.status))

            reader = asyncio.create_task(read())
            await wait_until(lambda: len(t.executor.trades) == 1, "the trade stream subscription")
            nonce0 = w.nonce()
            first_block = w.chain.block_number() + 1
            w.open_gap()  # the engine detects it and trades it by itself

            async def sent() -> list[object]:
                return [x for x in await t.trades() if x.status is S.SENT]

            (trade,) = await wait_until(sent, "the engine to send a trade")
            # ``sent`` is committed just before the broadcast: wait for the node to hold it
            await wait_until(lambda: w.chain.rpc("eth_getTransactionByHash", [trade.tx_hash]),
                             "the transaction in the node's pool")
            before = w.executor_balance(trade.base_token)
            w.mine()
            trade = await t.until_status(trade.id, S.MINED, S.REVERTED, S.DROPPED)
            assert trade.status is S.MINED, trade.reason
            after = w.executor_balance(trade.base_token)
            assert trade.profit_realized is not None and trade.profit_realized > 0
            assert after - before == trade.profit_realized
            assert trade.profit_realized == trade.profit_expected  # nothing moved in between
            assert [h.status for h in trade.history] == [S.CREATED, S.SIMULATED, S.SENT, S.MINED]
            assert trade.nonce == nonce0 and w.nonce() == nonce0 + 1
            assert trade.gas_used and trade.effective_gas_price and trade.mined_block
            (log,) = w.trade_executed_logs(first_block)
            assert int(log["data"][66:130], 16) == trade.profit_realized
            mined = (trade.id, pb.TRADE_STATUS_MINED)
            await wait_until(lambda: mined in seen, "the stream to report the mined trade")
            assert [s for i, s in seen if i == trade.id] == [
                pb.TRADE_STATUS_CREATED, pb.TRADE_STATUS_SIMULATED, pb.TRADE_STATUS_SENT,
                pb.TRADE_STATUS_MINED,
            ]
            response = await stub.GetTrade(pb.GetTradeRequest(id=trade.id))
            assert response.trade.profit_realized == str(trade.profit_realized)
            assert [h.status for h in response.trade.history][-1] == pb.TRADE_STATUS_MINED
            # the auto trader's own stages were timed; the PnL is the realized profit
            stats = await stub.GetStats(pb.GetStatsRequest())
            stages = {s.stage: s for s in stats.latencies}
            assert stages["opportunity_to_send"].samples == 1
            assert stages["send_to_mined"].samples == 1
            assert stages["send_to_mined"].p50_ms > 0
            assert [p.all_time for p in stats.pnl] == [str(trade.profit_realized)]
            assert [g.all_time for g in stats.gas] == [
                str(trade.gas_used * trade.effective_gas_price)]
            reader.cancel()
            await channel.close()

    asyncio.run(main())


def test_a_competing_swap_fails_the_simulation_and_nothing_is_sent(
    fresh: World, tmp_path: Path
) -> None:
    w = fresh

    async def main() -> None:
        async with trading(w, tmp_path, auto=False) as t:
            w.open_gap()
            await t.synced()
            opp = _best(t.engine.opportunities, w.weth_usdc_v2().address)
            detected_at = t.engine.head(CHAIN_ID).number  # type: ignore[union-attr]
            w.open_gap(zero_for_one=False)  # a competitor closes the gap first
            pending = w.nonce("pending")
            with pytest.raises(PreconditionFailed, match="simulation reverted: InsufficientProfit"):
                await t.executor.execute(opp, "competing")
            store = t.executor.store
            trade = await store.call(store.get_by_key, "competing")
            assert trade is not None and trade.status is S.FAILED_SIMULATION
            assert trade.reason.startswith("simulation reverted: InsufficientProfit(")
            assert [h.status for h in trade.history] == [S.CREATED, S.FAILED_SIMULATION]
            assert trade.txs == [] and trade.nonce is None
            assert w.nonce("pending") == pending, "a transaction was sent"

            # over gRPC the same opportunity is now stale: the engine saw the competing block
            await t.synced()
            async with grpc.aio.insecure_channel(f"127.0.0.1:{t.api.port}") as channel:
                stub = engine_pb2_grpc.EngineServiceStub(channel)
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await stub.ExecuteOpportunity(pb.ExecuteOpportunityRequest(
                        chain_id=CHAIN_ID, opportunity_id=opportunity_id(opp),
                        block_number=detected_at, idempotency_key="stale",
                    ))
                assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION
                assert "stale" in (err.value.details() or "")
            assert w.nonce("pending") == pending

    asyncio.run(main())


def test_idempotency_modes_and_risk_limits_over_grpc(fresh: World, tmp_path: Path) -> None:
    w = fresh

    async def main() -> None:
        async with (
            trading(w, tmp_path, auto=False, mode="observe") as t,
            grpc.aio.insecure_channel(f"127.0.0.1:{t.api.port}") as channel,
        ):
            stub = engine_pb2_grpc.EngineServiceStub(channel)
            w.open_gap()
            await t.synced()
            opp = _best(t.engine.opportunities, w.weth_usdc_v2().address)
            request = pb.ExecuteOpportunityRequest(
                chain_id=CHAIN_ID, opportunity_id=opportunity_id(opp), idempotency_key="k-1")

            # observe: refused, nothing recorded
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.ExecuteOpportunity(request)
            assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION
            assert "observe" in (err.value.details() or "")

            # simulate: the executor's exact answer, nothing sent
            sim = await stub.SimulateOpportunity(pb.SimulateOpportunityRequest(
                chain_id=CHAIN_ID, opportunity_id=opportunity_id(opp)))
            assert sim.executable and int(sim.profit) > 0 and sim.gas_estimate > 0

            # dry-run: simulated and recorded, never sent
            changed = await stub.SetMode(pb.SetModeRequest(mode=pb.EXECUTION_MODE_DRY_RUN))
            assert changed.previous == pb.EXECUTION_MODE_OBSERVE
            pending = w.nonce("pending")
            dry = await stub.ExecuteOpportunity(pb.ExecuteOpportunityRequest(
                chain_id=CHAIN_ID, opportunity_id=opportunity_id(opp), idempotency_key="dry"))
            assert dry.trade.status == pb.TRADE_STATUS_SIMULATED and dry.trade.final
            assert not dry.trade.has_nonce and w.nonce("pending") == pending

            # kill switch
            await stub.SetMode(pb.SetModeRequest(mode=pb.EXECUTION_MODE_LIVE))
            await stub.SetRiskLimits(pb.SetRiskLimitsRequest(
                limits=pb.RiskLimits(kill_switch=True)))
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.ExecuteOpportunity(request)
            assert "kill switch" in (err.value.details() or "")
            limits = await stub.SetRiskLimits(pb.SetRiskLimitsRequest(
                limits=pb.RiskLimits(kill_switch=False)))
            assert not limits.limits.kill_switch and limits.limits.max_in_flight == 50

            # live, twice with the same key: one trade, one transaction
            first = await stub.ExecuteOpportunity(request)
            assert not first.duplicate and first.trade.status == pb.TRADE_STATUS_SENT
            again = await stub.ExecuteOpportunity(request)
            assert again.duplicate and again.trade.id == first.trade.id
            assert w.nonce("pending") == pending + 1
            w.mine()
            await t.until_status(first.trade.id, S.MINED)
            later = await stub.ExecuteOpportunity(request)  # the opportunity is gone by now
            assert later.duplicate and later.trade.status == pb.TRADE_STATUS_MINED
            assert w.nonce("pending") == pending + 1

            listed = await stub.ListTrades(pb.ListTradesRequest(page_size=1))
            assert len(listed.trades) == 1 and listed.next_page_token
            rest = await stub.ListTrades(pb.ListTradesRequest(
                page_size=10, page_token=listed.next_page_token))
            assert {x.id for x in [*listed.trades, *rest.trades]} == {first.trade.id,
                                                                      dry.trade.id}
            mined = await stub.ListTrades(pb.ListTradesRequest(
                statuses=[pb.TRADE_STATUS_MINED]))
            assert [x.id for x in mined.trades] == [first.trade.id]
            risk = await stub.GetRiskLimits(pb.GetRiskLimitsRequest())
            assert risk.mode == pb.EXECUTION_MODE_LIVE and risk.in_flight == 0

    asyncio.run(main())


def test_fifty_trades_in_flight_keep_distinct_gap_free_nonces(fresh: World, tmp_path: Path) -> None:
    w = fresh

    async def main() -> None:
        risk = {"exclusive_pools": False, "pool_cooldown_blocks": 0}
        async with trading(w, tmp_path, auto=False, risk=risk) as t:
            w.open_gap()
            await t.synced()
            opp = _best(t.engine.opportunities, w.weth_usdc_v2().address)
            nonce0 = w.nonce("pending")
            results = await asyncio.gather(*(t.executor.execute(opp, f"k{i}") for i in range(50)))
            trades = [trade for trade, _ in results]
            assert all(x.status is S.SENT for x in trades)
            assert sorted(x.nonce for x in trades) == list(range(nonce0, nonce0 + 50))  # type: ignore[type-var]
            assert t.executor.in_flight == 50 and w.nonce("pending") == nonce0 + 50
            with pytest.raises(PreconditionFailed, match="50 trades in flight"):
                await t.executor.execute(opp, "k50")
            w.mine()
            finals = [await t.until_status(x.id, S.MINED, S.REVERTED, S.DROPPED) for x in trades]
            statuses = [x.status for x in finals]
            assert S.DROPPED not in statuses and statuses.count(S.MINED) >= 1
            assert w.nonce() == nonce0 + 50
            assert t.executor.in_flight == 0

    asyncio.run(main())


def test_a_stuck_transaction_is_replaced_and_mined_once(fresh: World, tmp_path: Path) -> None:
    w = fresh

    async def main() -> None:
        async with trading(w, tmp_path, auto=False, stuck_after_s=0.3, max_replacements=1) as t:
            w.open_gap()
            await t.synced()
            opp = _best(t.engine.opportunities, w.weth_usdc_v2().address)
            trade, _ = await t.executor.execute(opp, "stuck")
            replaced = await t.until_status(trade.id, S.REPLACED)  # mining is paused
            original, replacement = replaced.txs
            assert original.nonce == replacement.nonce == trade.nonce
            assert replacement.max_fee_per_gas > original.max_fee_per_gas
            assert replacement.max_priority_fee_per_gas > original.max_priority_fee_per_gas
            block = w.chain.block_number() + 1
            w.mine()
            final = await t.until_status(trade.id, S.MINED, S.REVERTED, S.DROPPED)
            assert final.status is S.MINED and final.tx_hash == replacement.tx_hash
            assert w.chain.rpc("eth_getTransactionReceipt", [original.tx_hash]) is None
            assert len(w.trade_executed_logs(block)) == 1
            assert [h.status for h in final.history] == [
                S.CREATED, S.SIMULATED, S.SENT, S.REPLACED, S.MINED]
            assert w.nonce() == trade.nonce + 1  # type: ignore[operator]

    asyncio.run(main())
