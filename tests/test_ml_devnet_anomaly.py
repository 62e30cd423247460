"""An anomalous pool on the devnet (liquidity pulled, price manipulated) is flagged and skipped.

The whole engine (``EngineApp``: chain layer, arbitrage.db, models, executor in
live mode trading by itself, gRPC) follows one anvil with real Uniswap V2/V3
bytecode and the executor contract (tests/execution_support.world, manual
mining). The models are the test session's registry (tests/ml_support.py,
trained on the synthetic market). Normal simulated blocks (noise swaps and V3
liquidity changes from engine.devnet.market) fill the models' history, and 40
more are scored pool by pool: at most 0.5 % of those scores may cross the
threshold (measured: none of 1,040; the false positives the event-time
features cut). Then, in one block, the Uniswap V3 WETH/USDC 0.3 % pool is
drained of 95 % of its liquidity and pushed 10 % up (``engine.devnet.scenario``,
real burns and a real swap), while an ordinary 1 % gap opens on the Uniswap V2
WETH/WBTC pair.

Checked: Predict flags the drained pool at least ``MARGIN`` above the
threshold, in that block and in every block after it, and every other pool
scores at least ``MARGIN`` below it, the freshly gapped one included
(measured: drained 0.360, gapped 0.023, the rest at most 0.000, threshold
0.195); every opportunity through the drained pool is published and stored
with ``anomalous``, decision "skip", its score above the threshold and the
reason; the executor never sends a trade through it, and ExecuteOpportunity
is refused by the same verdict (recorded with the score); the WBTC/WETH gap,
never flagged, is traded and mined. And ``python -m engine.devnet manipulate``
does the same to a pool from the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import grpc.aio
import pytest

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.app import EngineApp, find_chain_runner
from engine.config import EnvSecrets, parse_config
from engine.devnet import cli, keystore, scenario
from engine.devnet import config as devnet_config
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.spec import UNISWAP_V2
from engine.execution import Mode
from engine.store.trades import Trade, TradeFilter
from engine.store.trades import TradeStatus as S
from tests import ml_support
from tests.execution_support import (
    CHAIN_ID,
    PASSWORD,
    SEED,
    World,
    config_document,
    wait_until,
    world,
)

pytestmark = pytest.mark.chain

CALM_BLOCKS = 40  # ordinary blocks scored after the models' history is full
MARGIN = 0.1  # the drained pool this far above the threshold (0.195 here), the others below


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("ml-anomaly")) as w:
        yield w


@contextlib.asynccontextmanager
async def engine_on(w: World, tmp: Path) -> AsyncIterator[tuple[EngineApp, engine_pb2_grpc.EngineServiceStub]]:
    """``arbx serve``'s composition on the devnet, models on, executor observing until told."""
    os.environ[keystore.PASSWORD_ENV] = PASSWORD
    ml_support.registry_copy(tmp / "models")
    # a failed simulation (a gap another trade closed first) does not bench its pools
    document = config_document(w, tmp, mode="observe", risk={"pool_cooldown_blocks": 0})
    document["models"] = {"enabled": True, "registry": str(tmp / "models")}
    app = EngineApp(parse_config(document, secrets=EnvSecrets()), chain_runner=find_chain_runner())
    await app.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
    try:
        yield app, engine_pb2_grpc.EngineServiceStub(channel)
    finally:
        await channel.close()
        await app.stop()


async def synced(app: EngineApp, w: World) -> int:
    number = w.chain.block_number()
    await wait_until(lambda: (h := app.engine.head(CHAIN_ID)) is not None and h.number >= number,
                     f"the engine to apply block {number}")
    return number


async def next_batch(stream: grpc.aio.UnaryStreamCall, number: int) -> pb.OpportunityBatch:  # type: ignore[type-arg]
    while True:
        batch: pb.OpportunityBatch = await asyncio.wait_for(stream.read(), 30)
        if batch.block_number >= number and not batch.snapshot:
            assert batch.block_number == number and not batch.dropped
            return batch


def test_a_drained_and_pushed_pool_is_flagged_and_skipped_while_a_normal_gap_trades(
    devnet: World, tmp_path: Path,
) -> None:
    w = devnet
    drained = scenario.find_pool(w.devnet, "WETH/USDC/3000")
    weth, wbtc = w.devnet.token("WETH").address, w.devnet.token("WBTC").address
    gap = next(p for p in w.devnet.pools
               if p.dex == UNISWAP_V2 and {p.token0, p.token1} == {weth, wbtc})
    target, normal = drained.address.lower(), gap.address.lower()
    all_pools = [p.address.lower() for p in w.devnet.pools]

    async def main() -> None:
        async with engine_on(w, tmp_path) as (app, stub):
            assert app.models is not None and app.executor is not None
            executor, store = app.executor, app.executor.store
            spec = app.models.runtime.models["iforest_pool"].spec
            # a calm market (no gap-opening swaps) long enough for a full feature history
            market = ChainMarket(w.devnet, MarketOptions(seed=SEED, gaps_per_minute=0),
                                 random.Random(SEED))
            await synced(app, w)  # the initial sync: the blocks from here on are observed
            for _ in range(spec.history_rows):
                market.step(1.0)
                w.mine()
            await synced(app, w)
            threshold = app.models.anomaly_threshold
            assert threshold is not None
            # ordinary blocks, every pool scored at each: the false positives stay rare
            calm: list[float] = []
            for _ in range(CALM_BLOCKS):
                market.step(1.0)
                w.mine()
                number = await synced(app, w)
                warm = await stub.Predict(pb.PredictRequest(chain_id=CHAIN_ID, pools=all_pools))
                assert warm.block_number == number and all(p.ready for p in warm.predictions)
                calm += [p.anomaly_score for p in warm.predictions]
            flagged = [score for score in calm if score > threshold]
            assert len(flagged) <= len(calm) // 200, (len(calm), flagged)  # at most 0.5 %

            executor.set_mode(Mode.LIVE)  # from now on the engine trades by itself
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest(chain_ids=[CHAIN_ID]))
            await asyncio.wait_for(stream.read(), 30)  # the snapshot

            # one block: the V3 pool drained and pushed; an ordinary 1 % gap on V2 WETH/WBTC
            done = scenario.manipulate(w.devnet, drained, pull=0.95, move=0.10, up=True)
            market.open_gap(gap, 0.01, zero_for_one=True)
            w.mine()
            for tx in done.txs:
                assert int(w.chain.receipt(tx)["status"], 16) == 1
            block_m = await synced(app, w)

            # Predict flags the drained pool; the pools the block did not touch look normal
            reply = await stub.Predict(pb.PredictRequest(chain_id=CHAIN_ID, pools=all_pools))
            assert reply.block_number == block_m
            scores = {p.pool: p for p in reply.predictions}
            assert scores[target].anomalous and scores[target].anomaly_score > threshold + MARGIN
            # the ordinary 1 % gap and the pools the block did not touch, well below it
            assert not [(p.pool, p.anomaly_score) for p in reply.predictions
                        if p.pool != target and p.anomaly_score > threshold - MARGIN]

            # published: every opportunity through it is anomalous and skipped, with the score
            batch = await next_batch(stream, block_m)
            through = [o for o in batch.opportunities if target in o.pools]
            assert through, "the pushed price opens cycles through the drained pool"
            for o in through:
                assert o.anomalous and o.model_decision == "skip", o.model_reason
                assert o.model_score >= scores[target].anomaly_score > threshold
                assert o.model_reason.startswith("anomalous pool") and target in o.model_reason

            # the next blocks (nothing but the engine's trades): the drained pool stays flagged
            # and skipped, and the engine trades through the gap's pool
            async def settled() -> bool:  # every trade the executor started is sent or over
                return executor.risk.in_flight == executor.in_flight

            async def receipts_seen(number: int) -> bool:  # the block's trades are final
                txs = set(w.chain.rpc("eth_getBlockByNumber", [hex(number), False])["transactions"])
                sent, _ = await store.call(store.list, TradeFilter(statuses=[S.SENT, S.REPLACED]),
                                           1000)
                return not any(t.tx_hash in txs for t in sent)

            async def next_block() -> list[pb.Opportunity]:
                """Mine one block; its opportunities through the drained pool, all skipped."""
                w.mine()
                number = await synced(app, w)
                drained = await stub.Predict(pb.PredictRequest(chain_id=CHAIN_ID, pools=[target]))
                assert drained.predictions[0].anomaly_score > threshold + MARGIN
                batch = await next_batch(stream, number)  # the executor has seen it too
                through = [o for o in batch.opportunities if target in o.pools]
                assert through and {o.model_decision for o in through} == {"skip"}, through
                await wait_until(settled, "the executor to send what it started")
                await wait_until(lambda: receipts_seen(number), f"the receipts of block {number}")
                return through

            async def through_gap() -> list[Trade]:
                trades, _ = await store.call(store.list, TradeFilter(pool=normal), 100)
                return [t for t in trades if t.tx_hash]

            blocks = 0
            while not await through_gap():  # a pool of the cycle may be in another trade first
                assert blocks < 6, "no trade through the normal gap"
                await next_block()
                blocks += 1
            trade = (await through_gap())[0]
            await wait_until(lambda: w.chain.rpc("eth_getTransactionByHash", [trade.tx_hash]),
                             "the transaction in the node's pool")
            current = await next_block()
            mined = await store.call(store.get, trade.id)
            assert mined is not None and mined.final and mined.status is S.MINED, mined
            assert mined.profit_realized is not None and mined.profit_realized > 0

            # ExecuteOpportunity on a cycle through the drained pool, nothing in flight: the
            # same verdict refuses it
            while executor.risk.in_flight:
                current = await next_block()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.ExecuteOpportunity(pb.ExecuteOpportunityRequest(
                    chain_id=CHAIN_ID, opportunity_id=current[0].id,
                    idempotency_key="through-the-drained-pool"))
            assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
            assert f"gate: {current[0].model_reason}" in (refused.value.details() or "")

            # trades.db: nothing through the drained pool was ever sent; the refusal is recorded
            trades, _ = await store.call(store.list, TradeFilter(), 100)
            through_target = [t for t in trades if target in t.pools]
            assert [(t.source, t.status, t.tx_hash) for t in through_target] == [
                ("rpc", S.FAILED_SIMULATION, None)]
            assert through_target[0].reason == f"gate: {current[0].model_reason}"
            assert f"{current[0].model_score:.4f}" in through_target[0].reason

            # arbitrage.db: stored with the opportunity, as published
            app.store.flush()
            stored = await stub.ListOpportunities(pb.ListOpportunitiesRequest(
                chain_id=CHAIN_ID, pool=target, from_block=block_m))
            assert stored.opportunities
            for row in stored.opportunities:
                assert row.anomalous and row.model_decision == "skip"
                assert row.model_score > threshold and target in row.model_reason
            gap_rows = await stub.ListOpportunities(pb.ListOpportunitiesRequest(
                chain_id=CHAIN_ID, pool=normal, from_block=block_m))
            traded = [r for r in gap_rows.opportunities if r.id == trade.opportunity_id]
            assert traded and traded[0].model_decision == "pass"
            stream.cancel()

    asyncio.run(main())



def test_the_manipulate_command_drains_and_pushes_a_v3_pool(
    devnet: World, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """``python -m engine.devnet manipulate`` on the devnet's config (automine, as `up` runs it)."""
    w = devnet
    path = tmp_path / "devnet.json"
    devnet_config.save(devnet_config.DevnetConfig(
        seed=SEED, keystore=devnet_config.KeystoreConfig(path=str(w.keystore_path), address=w.trader),
        chains=[w.devnet]), path)
    pool = scenario.find_pool(w.devnet, "WBTC/WETH/500")
    dex = scenario.world_v3_dex(w.devnet)
    sqrt_before, _, liquidity_before = dex.read_slot(scenario.v3_pool(pool))

    for bad, message in [
        ("WETH/USDC", "expected an address or SYMBOL/SYMBOL/FEE"),
        ("WETH/USDC/100", "no V3 pool WETH/USDC/100"),
        ("0x" + "1" * 40, "no pool 0x" + "1" * 40),
        (w.weth_usdc_v2().address, "only V3 pools can be drained"),
    ]:
        assert cli.main(["manipulate", "--config", str(path), "--pool", bad]) == 2
        assert message in capsys.readouterr().err

    w.chain.rpc("evm_setAutomine", [True])
    try:
        code = cli.main(["manipulate", "--config", str(path), "--pool", "WBTC/WETH/500",
                         "--pull", "0.9", "--move", "0.05", "--down"])
    finally:
        w.chain.rpc("evm_setAutomine", [False])
    assert code == 0
    out = capsys.readouterr().out
    assert re.search(r"\(\d+ positions, 90% of each burned\)", out) and "(-5.0%)" in out
    sqrt_after, _, liquidity_after = dex.read_slot(scenario.v3_pool(pool))
    assert liquidity_after < liquidity_before // 10  # 90 % burned, and the price left the narrow ranges
    assert (sqrt_after / sqrt_before) ** 2 == pytest.approx(0.95, rel=1e-3)
