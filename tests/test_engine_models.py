"""The engine serves the registry's models: fed by applied blocks, Predict over real gRPC,
and the execution gate skips opportunities through pools the IsolationForest flags.

A small registry is trained in the test session (tests/ml_support.py: seconds);
the market is tests/engine_support.py's two chains, driven by a random walk on
chain 1 for more blocks than the models' ``warmup + window``.
"""

from __future__ import annotations

import asyncio
import math
import random
from pathlib import Path

import grpc
import pytest

import engine_rs
from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.app import EngineApp
from engine.config import EngineConfig
from engine.core.engine import opportunity_id
from engine.execution.sender import Simulation
from engine.models.runtime import CNN_PATTERN, IFOREST_POOL, LSTM_RETURN
from tests import ml_support
from tests.engine_support import (
    KEYS,
    L,
    bearer,
    block,
    gap_update,
    make_config,
    populate,
    run,
    running_app,
    v2_pool,
    v3_pool,
)

CHAIN = 1
Q96 = 2**96
K = 10**21 * 2 * 10**21  # the V2 pair's reserve0 * reserve1 at genesis


def v2_sync(price: float, depth: float = 1.0) -> tuple[object, ...]:
    r0 = int(math.sqrt(K / price) * depth)
    r1 = int(math.sqrt(K * price) * depth)
    return ("sync", CHAIN, v2_pool(CHAIN), r0, r1)


def v3_swap(price: float) -> tuple[object, ...]:
    sqrt_price = int(math.sqrt(price) * Q96)
    return ("swap", CHAIN, v3_pool(CHAIN), sqrt_price, L, engine_rs.get_tick_at_sqrt_ratio(sqrt_price))


class Walk:
    """Both pools of chain 1 follow one fair price (2.0 at genesis) with small, noisy moves."""

    def __init__(self, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.fair = 2.0
        self.number = 0

    def next_block(self, *extra: tuple[object, ...]) -> object:
        self.number += 1
        self.fair *= math.exp(self.rng.gauss(0.0, 0.002))
        updates: list[tuple[object, ...]] = []
        if self.rng.random() < 0.7:
            updates.append(v2_sync(self.fair * math.exp(self.rng.gauss(0.0, 0.0005))))
        if self.rng.random() < 0.7:
            updates.append(v3_swap(self.fair * math.exp(self.rng.gauss(0.0, 0.0005))))
        updates.extend(extra)
        if not updates:
            updates.append(v2_sync(self.fair))
        return block(CHAIN, self.number, updates, gas_price_wei=20 * 10**9)


@pytest.fixture(scope="module")
def registry_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engine-models") / "models"
    ml_support.registry_copy(root)
    return root


def models_config(tmp_path: Path, registry: Path, **models: object) -> EngineConfig:
    return make_config(tmp_path, models={"enabled": True, "registry": str(registry), **models})


def warm(app: EngineApp, walk: Walk, blocks: int) -> None:
    for _ in range(blocks):
        app.engine.apply_block(walk.next_block())  # type: ignore[arg-type]


def history_blocks(app: EngineApp) -> int:
    assert app.models is not None
    return max(m.spec.history_rows for m in app.models.runtime.models.values())


def test_predict_is_served_over_grpc_from_the_blocks_the_engine_applies(
    tmp_path: Path, registry_root: Path,
) -> None:
    async def main() -> None:
        async with running_app(models_config(tmp_path, registry_root)) as (app, stub, _):
            assert app.models is not None
            assert set(app.models.runtime.models) == {LSTM_RETURN, CNN_PATTERN, IFOREST_POOL}
            populate(app.engine)
            walk = Walk()
            viewer = bearer(KEYS["viewer"])
            request = pb.PredictRequest(chain_id=CHAIN, pools=[v2_pool(CHAIN), "0x" + v3_pool(CHAIN)[2:].upper()])

            warm(app, walk, 3)
            early = await stub.Predict(request, metadata=viewer)
            assert early.block_number == 3
            assert [p.ready for p in early.predictions] == [False, False]
            assert not early.predictions[0].HasField("anomaly_score")

            warm(app, walk, history_blocks(app))
            reply = await stub.Predict(request, metadata=viewer)
            assert reply.chain_id == CHAIN and reply.block_number == walk.number
            assert reply.HasField("anomaly_threshold")
            assert [p.pool for p in reply.predictions] == [v2_pool(CHAIN), v3_pool(CHAIN)]
            versions = app.models.versions()
            for p in reply.predictions:
                assert p.ready and p.block_number == walk.number
                assert p.HasField("log_return") and p.HasField("p_up") and 0.0 <= p.p_up <= 1.0
                assert p.pattern in p.pattern_probs
                assert sum(p.pattern_probs.values()) == pytest.approx(1.0, abs=1e-5)
                assert p.HasField("anomaly_score") and not p.anomalous  # a quiet walk
                assert dict(p.model_versions) == versions
            # the same numbers as the runtime's own answer
            direct = app.models.predict(CHAIN, [v2_pool(CHAIN)])[0]
            assert reply.predictions[0].anomaly_score == pytest.approx(direct.anomaly_score)

            # StreamPredictions: now, then after each block of the chain
            stream = stub.StreamPredictions(
                pb.StreamPredictionsRequest(chain_id=CHAIN), metadata=viewer)
            first = await asyncio.wait_for(stream.read(), 5)
            assert first.block_number == walk.number
            assert {p.pool for p in first.predictions} == {v2_pool(CHAIN), v3_pool(CHAIN)}
            warm(app, walk, 1)
            second = await asyncio.wait_for(stream.read(), 5)
            assert second.block_number == walk.number and all(p.ready for p in second.predictions)
            stream.cancel()

            with pytest.raises(grpc.aio.AioRpcError) as unknown:
                await stub.Predict(pb.PredictRequest(chain_id=CHAIN, pools=["0x" + "9" * 40]),
                                   metadata=viewer)
            assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
            with pytest.raises(grpc.aio.AioRpcError) as empty:
                await stub.Predict(pb.PredictRequest(chain_id=CHAIN), metadata=viewer)
            assert empty.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            with pytest.raises(grpc.aio.AioRpcError) as anonymous:
                await stub.Predict(request)
            assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED

            # a rollback forgets the chain's history: rebuilt from the next block on
            app.engine.rollback(CHAIN, walk.number - 1)
            after = await stub.Predict(request, metadata=viewer)
            assert not any(p.ready for p in after.predictions)

    run(main())


def test_predict_without_models_is_a_failed_precondition(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_app(make_config(tmp_path)) as (app, stub, _):
            assert app.models is None and app.gate is None and app.engine.scorer is None
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Predict(pb.PredictRequest(chain_id=CHAIN, pools=[v2_pool(CHAIN)]),
                                   metadata=bearer(KEYS["viewer"]))
            assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION
            # opportunities carry no model fields
            populate(app.engine)
            app.engine.apply_block(block(CHAIN, 1, [gap_update(CHAIN)]))  # type: ignore[arg-type]
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest(chain_ids=[CHAIN]),
                                              metadata=bearer(KEYS["viewer"]))
            snapshot = await asyncio.wait_for(stream.read(), 5)
            assert snapshot.opportunities
            for o in snapshot.opportunities:
                assert o.model_decision == "" and o.model_reason == "" and not o.anomalous
                assert not o.HasField("model_score")
            stream.cancel()

    run(main())


def _pull_and_push(app: EngineApp, walk: Walk) -> object:
    """Liquidity pulled from the V2 pool (-92 %) and its price pushed 10 % off the V3 pool's."""
    app.engine.apply_block(walk.next_block(v2_sync(walk.fair * 1.10, depth=0.08)))  # type: ignore[arg-type]
    opportunities = [o for o in app.engine.opportunities if o.chain_id == CHAIN]
    assert opportunities, "the pushed price opens a V2/V3 cycle"
    return opportunities[0]


def test_the_gate_skips_an_opportunity_through_a_pool_the_iforest_flags(
    tmp_path: Path, registry_root: Path,
) -> None:
    async def main() -> None:
        async with running_app(models_config(tmp_path, registry_root)) as (app, _, _):
            assert app.models is not None and app.gate is not None
            populate(app.engine)
            walk = Walk()
            warm(app, walk, history_blocks(app) + 10)
            quiet = app.models.predict(CHAIN, [v2_pool(CHAIN), v3_pool(CHAIN)])
            assert not any(p.anomalous for p in quiet)

            opp = _pull_and_push(app, walk)
            assert v2_pool(CHAIN) in opp.pools  # type: ignore[attr-defined]
            flagged = app.models.predict(CHAIN, [v2_pool(CHAIN)])[0]
            threshold = app.models.anomaly_threshold
            assert threshold is not None
            assert flagged.anomalous and flagged.anomaly_score > threshold  # type: ignore[operator]

            sim = Simulation(profit=10**17, gas_estimate=200_000, block_number=walk.number,
                             base_fee_wei=10**9)
            decision = app.gate(opp, sim)  # type: ignore[arg-type]
            assert not decision.passed
            assert decision.reason.startswith(f"anomalous pool {v2_pool(CHAIN)}")
            assert f"{flagged.anomaly_score:.4f}" in decision.reason  # the scores are recorded
            assert decision.score is not None and decision.score >= flagged.anomaly_score  # type: ignore[operator]

            # after a rollback the history is gone: no score, nothing to skip on
            app.engine.rollback(CHAIN, walk.number - 1)
            decision = app.gate(opp, sim)  # type: ignore[arg-type]
            assert decision.passed and "too little history" in decision.reason

    run(main())


def test_opportunities_carry_the_verdict_on_the_stream_in_the_store_and_at_the_gate(
    tmp_path: Path, registry_root: Path,
) -> None:
    """The verdict published with an opportunity is the one stored and the one the gate applies."""
    async def main() -> None:
        async with running_app(models_config(tmp_path, registry_root)) as (app, stub, _):
            assert app.models is not None and app.gate is not None
            populate(app.engine)
            walk = Walk()
            warm(app, walk, history_blocks(app) + 10)
            viewer = bearer(KEYS["viewer"])
            stream = stub.StreamOpportunities(
                pb.StreamOpportunitiesRequest(chain_ids=[CHAIN]), metadata=viewer)
            snapshot = await asyncio.wait_for(stream.read(), 5)
            assert snapshot.snapshot
            for o in snapshot.opportunities:  # the quiet walk's (if any): scored, passed
                assert o.model_decision == "pass" and not o.anomalous and o.HasField("model_score")

            opp = _pull_and_push(app, walk)
            threshold = app.models.anomaly_threshold
            assert threshold is not None
            batch = await asyncio.wait_for(stream.read(), 5)
            assert batch.block_number == walk.number
            through = [o for o in batch.opportunities if v2_pool(CHAIN) in o.pools]
            assert through, "the pushed price opens a cycle through the V2 pool"
            for o in through:
                assert o.anomalous and o.model_decision == "skip"
                assert o.HasField("model_score") and o.model_score > threshold
                assert o.model_reason.startswith(f"anomalous pool {v2_pool(CHAIN)}")
            flagged = app.models.predict(CHAIN, [v2_pool(CHAIN)])[0]
            assert through[0].model_score == pytest.approx(flagged.anomaly_score)

            # execution's gate says what the stream said, from the same per-block scores
            sim = Simulation(10**17, 200_000, walk.number, 10**9)
            decision = app.gate(opp, sim)  # type: ignore[arg-type]
            published = next(o for o in through if o.id == opportunity_id(opp))  # type: ignore[arg-type]
            assert not decision.passed and decision.reason == published.model_reason
            assert decision.score == published.model_score

            # stored with the opportunity: ListOpportunities returns the same verdict
            app.store.flush()
            stored = await stub.ListOpportunities(
                pb.ListOpportunitiesRequest(chain_id=CHAIN, from_block=walk.number),
                metadata=viewer)
            rows = {o.id: o for o in stored.opportunities}
            for o in through:
                row = rows[o.id]
                assert (row.anomalous, row.model_decision, row.model_reason) == (
                    True, "skip", o.model_reason)
                assert row.model_score == pytest.approx(o.model_score)
            stream.cancel()

    run(main())


def test_with_skip_anomalous_off_the_anomaly_is_reported_but_passes(
    tmp_path: Path, registry_root: Path,
) -> None:
    async def main() -> None:
        config = models_config(tmp_path, registry_root, skip_anomalous=False)
        async with running_app(config) as (app, _, _):
            assert app.gate is not None
            populate(app.engine)
            walk = Walk()
            warm(app, walk, history_blocks(app) + 10)
            opp = _pull_and_push(app, walk)
            verdict = app.engine.verdicts[opportunity_id(opp)]  # type: ignore[arg-type]
            assert verdict.anomalous and verdict.decision == "pass"
            assert "skip_anomalous off" in verdict.reason
            sim = Simulation(10**17, 200_000, walk.number, 10**9)
            assert app.gate(opp, sim).passed  # type: ignore[arg-type]

    run(main())


def test_the_anomaly_threshold_is_configurable(tmp_path: Path, registry_root: Path) -> None:
    async def main() -> None:
        config = models_config(tmp_path, registry_root, anomaly_threshold=1e9)
        async with running_app(config) as (app, _, _):
            assert app.models is not None and app.gate is not None
            populate(app.engine)
            walk = Walk()
            warm(app, walk, history_blocks(app) + 10)
            opp = _pull_and_push(app, walk)
            sim = Simulation(10**17, 200_000, walk.number, 10**9)
            decision = app.gate(opp, sim)  # type: ignore[arg-type]
            assert decision.passed and decision.reason.startswith("models: no anomaly; scores: ")
            assert decision.score is not None

    run(main())
