"""engine.models.ModelRuntime: loads the champions, serves batches, hot-swaps, flags anomalies."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from engine.models.features import compute_features
from engine.models.registry import CHALLENGER, RegistryError
from engine.models.runtime import (
    CNN_PATTERN,
    IFOREST_POOL,
    LSTM_RETURN,
    ModelRuntime,
    PoolObservation,
    load_model,
)
from ml.data.dataset import PATTERNS, pool_series
from ml.data.synthetic import SyntheticMarket, generate
from ml.export import register_torch
from ml.models.train import train_lstm
from tests import ml_support


def _feed(runtime: ModelRuntime, frame) -> None:
    """What the engine does: one observe_block per block with the pools that changed."""
    for block, rows in frame.groupby("block", sort=True):
        runtime.observe_block(
            int(rows["chain_id"].iloc[0]), int(block),
            [PoolObservation(int(r.chain_id), r.pool, r.pair, r.price, r.liquidity,
                             r.swap_count, r.volume) for r in rows.itertuples()],
            gas_price_gwei=float(rows["gas_price_gwei"].max()),
        )


@pytest.fixture
def served(tmp_path):
    registry = ml_support.registry_copy(tmp_path / "models")
    runtime = ModelRuntime(registry)
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def market():
    return generate(SyntheticMarket(blocks=120, seed=11, anomalies_per_pool=0.0))


def test_loads_the_three_champions_with_one_quiet_thread(served) -> None:
    assert set(served.models) == {LSTM_RETURN, CNN_PATTERN, IFOREST_POOL}
    for model in served.models.values():
        options = model.session.get_session_options()
        assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_serves_a_batch_with_the_training_features(served, market) -> None:
    _feed(served, market)
    series = {(s.chain_id, s.pool): s for s in pool_series(market)}
    keys = list(series)
    for key, s in series.items():  # the runtime's raw rows are the dataset builder's
        np.testing.assert_allclose(served._pools[key].tail(60), s.raw[-60:], rtol=1e-12)
    predictions = served.predict(keys)
    assert [(p.chain_id, p.pool) for p in predictions] == keys
    lstm = served.models[LSTM_RETURN]
    spec = lstm.spec
    windows = compute_features(np.stack([series[k].raw for k in keys]), spec)[:, -spec.window:]
    want_ret, want_p = lstm.session.run(None, {"features": windows.astype(np.float32)})
    for i, p in enumerate(predictions):
        assert p.log_return == pytest.approx(float(want_ret[i, 0]), abs=1e-6)
        assert p.p_up == pytest.approx(float(want_p[i, 0]), abs=1e-6)
        assert p.pattern in PATTERNS and sum(p.pattern_probs.values()) == pytest.approx(1, abs=1e-5)
        assert p.anomaly_score is not None
        assert p.block == int(market["block"].max())
        assert p.versions[LSTM_RETURN] == lstm.version


def test_pools_without_enough_history_get_empty_predictions(served, market) -> None:
    _feed(served, market[market["block"] < market["block"].min() + 5])
    (prediction,) = served.predict([(31337, market["pool"].iloc[0])])
    assert prediction.log_return is None and prediction.pattern is None
    assert prediction.anomalous is False
    (unknown,) = served.predict([(1, "0xnone")])
    assert unknown.p_up is None


def _challenger(registry):
    s = ml_support.samples()
    model = train_lstm(s, ml_support.TINY.__class__(epochs=1, hidden=8, seed=7))
    return register_torch(registry, LSTM_RETURN, model, s.spec, metrics={},
                          data_range=s.data_range, alias=CHALLENGER)


def test_hot_swap_never_fails_a_concurrent_request(served, market) -> None:
    _feed(served, market)
    keys = [(31337, p) for p in market["pool"].unique()]
    old = served.models[LSTM_RETURN].version
    new = _challenger(served.registry).version
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def client() -> None:
        try:
            while not stop.is_set():
                predictions = served.predict(keys)
                versions = {p.versions[LSTM_RETURN] for p in predictions}
                assert len(versions) == 1  # one model for the whole request
                assert all(p.p_up is not None for p in predictions)
                seen.update(versions)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    clients = [threading.Thread(target=client) for _ in range(3)]
    for t in clients:
        t.start()
    for i in range(6):
        served.swap(LSTM_RETURN, new if i % 2 == 0 else old)
    stop.set()
    for t in clients:
        t.join()
    assert not errors, errors
    assert served.models[LSTM_RETURN].version == old
    assert seen <= {old, new}


def test_refresh_follows_promotion_and_rollback(served) -> None:
    before = served.models[LSTM_RETURN].version
    new = _challenger(served.registry).version
    assert served.refresh() == []  # a challenger alone changes nothing served
    served.registry.promote(LSTM_RETURN, reason="test")
    assert served.refresh() == [LSTM_RETURN]
    assert served.models[LSTM_RETURN].version == new
    assert served.rollback(LSTM_RETURN, reason="test") == before
    assert served.models[LSTM_RETURN].version == before


def test_a_corrupt_version_is_refused_and_the_old_one_keeps_serving(served) -> None:
    before = served.models[LSTM_RETURN].version
    new = _challenger(served.registry)
    (new.path / "model.onnx").write_bytes(b"not onnx")
    served.registry.set_alias(LSTM_RETURN, "champion", new.version)  # bypasses verify on promote
    assert served.refresh() == []
    assert served.models[LSTM_RETURN].version == before


def test_anomalous_pools_are_flagged(served) -> None:
    """Liquidity pulled from one pool, the price of another pushed 10 % off its peers."""
    market = generate(SyntheticMarket(blocks=100, seed=21, anomalies_per_pool=0.0))
    last = int(market["block"].max())
    _feed(served, market[market["block"] < last])
    pairs = market.groupby("pair")["pool"].unique()
    pulled, pushed = pairs.iloc[0][0], pairs.iloc[1][0]
    final = market[market["block"] == last].copy()
    final.loc[final["pool"] == pulled, "liquidity"] *= 0.08
    final.loc[final["pool"] == pushed, "price"] *= 1.10
    final.loc[final["pool"] == pushed, "swap_count"] = 40.0
    _feed(served, final)
    keys = [(31337, p) for p in market["pool"].unique()]
    flagged = {p.pool for p in served.predict(keys) if p.anomalous}
    assert {pulled, pushed} <= flagged
    assert len(flagged) <= 3, flagged  # the quiet pools are mostly left alone
    strict = ModelRuntime(served.registry, models=[IFOREST_POOL], anomaly_threshold=1e9)
    _feed(strict, market)
    assert not any(p.anomalous for p in strict.predict(keys))  # the threshold is configurable


def _as_version_1(version, registry):
    """``version`` registered again with the spec it would have had before anomaly versions."""
    spec = dict(version.spec_json)
    del spec["anomaly_version"], spec["anomaly_window"]
    return registry.register(
        version.name, kind=version.kind, onnx_bytes=version.onnx_path.read_bytes(),
        feature_spec=spec, metrics={}, data_range={}, io=version.manifest["io"],
        alias="champion")


def test_an_iforest_of_anomaly_features_version_1_is_refused_by_name(served) -> None:
    registry = served.registry
    before = served.models[IFOREST_POOL].version
    old = _as_version_1(registry.get(IFOREST_POOL), registry)
    with pytest.raises(RegistryError, match=rf"iforest_pool {old.version}: feature spec "
                                            r"'pool_v1' has anomaly features version 1"):
        load_model(old)
    assert served.refresh() == []  # a hot swap to it fails: the old one keeps serving
    assert served.models[IFOREST_POOL].version == before
    fresh = ModelRuntime(registry)  # at start-up: served without it, the others are
    assert set(fresh.models) == {LSTM_RETURN, CNN_PATTERN}
    fresh.close()


def test_sequence_models_of_a_version_1_spec_still_load_and_serve(served, market) -> None:
    old = _as_version_1(served.registry.get(LSTM_RETURN), served.registry)
    assert served.refresh() == [LSTM_RETURN]
    assert served.models[LSTM_RETURN].version == old.version
    _feed(served, market)
    predictions = served.predict([(31337, market["pool"].iloc[0])])
    assert predictions[0].p_up is not None and predictions[0].anomaly_score is not None


def test_engine_models_never_import_torch() -> None:
    code = ("import sys, engine.models, engine.models.observe; "
            "bad = [m for m in ('torch', 'pandas', 'sklearn', 'ml') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unloadable_model_with_a_valid_hash_keeps_the_old_one_serving(served) -> None:
    before = served.models[LSTM_RETURN].version
    bad = served.registry.register(
        LSTM_RETURN, kind="return_direction", onnx_bytes=b"\x08\x07garbage",
        feature_spec=ml_support.SPEC.to_json(), metrics={}, data_range={}, io={},
        alias="champion")
    assert served.registry.get(LSTM_RETURN).version == bad.version
    assert served.refresh() == []
    assert served.models[LSTM_RETURN].version == before
    assert served.predict([(1, "0xnone")])[0].versions[LSTM_RETURN] == before
