"""ML inference: onnxruntime beside PyTorch eager, one pair and 1,000 pairs batched.

    .venv/bin/python -m pytest benches/test_bench_ml.py -p no:cacheprovider --benchmark-only -s

Models: the production shapes (FeatureSpec() defaults: window 32, 11 features;
LSTM hidden 32, CNN 32 channels, IsolationForest 50 trees over up to 4,096
rows), trained for one epoch on a synthetic market (weights do not change the
cost). onnxruntime runs as the engine runs it (``engine.models.runtime``: one
intra-op thread, no spinning); torch eager with ``torch.set_num_threads(1)``.
Also timed: ``ModelRuntime.predict`` for 1,000 pools (feature computation
from raw rows + the three models), the IsolationForest alone through it for 1
and 1,000 pools (what the anomaly gate runs per block: event-time anomaly
features from raw rows + the forest) and the cost of a hot swap (load, hash
check, warm-up) per model. Nothing is asserted on time: p50 / p99 of the
rounds are printed at the end (and written to .cache/bench-ml.md); the
outputs of the two runtimes are asserted equal within 1e-5.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the ML extra (requirements-ml.txt)

from engine.models.features import FeatureSpec
from engine.models.registry import Registry
from engine.models.runtime import (
    CNN_PATTERN,
    IFOREST_POOL,
    LSTM_RETURN,
    ModelRuntime,
    load_model,
)
from ml.data.dataset import build
from ml.data.synthetic import SyntheticMarket, generate
from ml.models.train import TrainConfig, load_checkpoint
from ml.train import train_all

PAIRS = 1000
ROUNDS = {1: 300, PAIRS: 30}
RESULTS: dict[str, dict[str, float]] = {}
GOALS_MS = {1: 2.0, PAIRS: 50.0}


@pytest.fixture(scope="module")
def setup() -> Iterator[dict[str, Any]]:
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="arbx-bench-ml-"))
    samples = build(generate(SyntheticMarket(blocks=1500, seed=5)), FeatureSpec())
    trained = train_all(samples, Registry(root), config=TrainConfig(epochs=1))
    rng = np.random.default_rng(0)
    windows = samples.windows[rng.integers(0, len(samples), PAIRS)]
    yield {"root": root, "trained": trained, "samples": samples, "windows": windows,
           "anomaly": np.nan_to_num(samples.anomaly_inputs[rng.integers(0, len(samples), PAIRS)])}
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    if not RESULTS:
        return
    lines = ["| op | p50 ms | p99 ms | goal p99 ms |", "|---|---|---|---|"]
    for name, r in RESULTS.items():
        lines.append(f"| {name} | {r['p50']:.3f} | {r['p99']:.3f} | {r.get('goal', '')} |")
    table = "\n".join(lines)
    print("\n\nML inference (one thread each)\n" + table)
    Path(".cache").mkdir(exist_ok=True)
    Path(".cache/bench-ml.md").write_text(table + "\n")


def _record(benchmark, name: str, fn, rounds: int, goal: float | None = None) -> None:
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=3)
    data = np.array(benchmark.stats.stats.data) * 1e3 if benchmark.stats else np.array([])
    if len(data):
        RESULTS[name] = {"p50": float(np.percentile(data, 50)), "p99": float(np.percentile(data, 99)),
                         **({"goal": goal} if goal else {})}


@pytest.mark.parametrize("pairs", [1, PAIRS])
@pytest.mark.parametrize("model", [LSTM_RETURN, CNN_PATTERN])
def test_onnxruntime_vs_torch_eager(benchmark, setup, model, pairs) -> None:
    version = getattr(setup["trained"], "lstm" if model == LSTM_RETURN else "cnn")
    served = load_model(version)
    native = load_checkpoint((version.path / "checkpoint.pt").read_bytes())
    x = np.ascontiguousarray(setup["windows"][:pairs])
    xt = torch.as_tensor(x)
    got = served.session.run(None, {served.input_name: x})
    with torch.no_grad():
        want = native(xt)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w.numpy(), rtol=0, atol=1e-5)

    def eager() -> None:
        with torch.no_grad():
            native(xt)

    if benchmark.enabled:  # the torch figure is taken outside pytest-benchmark, same rounds
        samples = []
        for _ in range(ROUNDS[pairs]):
            start = time.perf_counter()
            eager()
            samples.append((time.perf_counter() - start) * 1e3)
        RESULTS[f"{model} torch eager, {pairs} pair(s)"] = {
            "p50": float(np.percentile(samples, 50)), "p99": float(np.percentile(samples, 99))}
    _record(benchmark, f"{model} onnxruntime, {pairs} pair(s)",
            lambda: served.session.run(None, {served.input_name: x}), ROUNDS[pairs],
            GOALS_MS[pairs])


@pytest.mark.parametrize("pairs", [1, PAIRS])
def test_iforest_onnxruntime(benchmark, setup, pairs) -> None:
    served = load_model(setup["trained"].iforest)
    x = np.ascontiguousarray(setup["anomaly"][:pairs], dtype=np.float32)
    _record(benchmark, f"{IFOREST_POOL} onnxruntime, {pairs} pair(s)",
            lambda: served.session.run(None, {served.input_name: x}), ROUNDS[pairs],
            GOALS_MS[pairs])


@pytest.fixture(scope="module")
def runtime(setup) -> Iterator[tuple[ModelRuntime, list[tuple[int, str]]]]:
    """The three models served, 1,000 pools with a full history each."""
    served = ModelRuntime(Registry(setup["root"]))
    spec = served.models[LSTM_RETURN].spec
    rng = np.random.default_rng(1)
    for i in range(PAIRS):
        n = spec.history_rows
        price = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
        raw = np.column_stack([price, np.full(n, 1e6), rng.poisson(2, n), rng.lognormal(7, 1, n),
                               np.full(n, 20.0), price * (1 + rng.normal(0, 1e-4, n))])
        served.observe_rows((1, f"0x{i:040x}"), raw, pair=f"P{i // 2}")
    yield served, [(1, f"0x{i:040x}") for i in range(PAIRS)]
    served.close()


def test_runtime_predict_1000_pools(benchmark, runtime) -> None:
    """The engine's whole call: features from raw rows + all three models, 1,000 pools."""
    served, keys = runtime
    assert all(p.p_up is not None for p in served.predict(keys))
    _record(benchmark, f"ModelRuntime.predict, {PAIRS} pools, 3 models + features",
            lambda: served.predict(keys), ROUNDS[PAIRS], GOALS_MS[PAIRS])


@pytest.mark.parametrize("pools", [1, PAIRS])
def test_runtime_anomaly_per_block(benchmark, runtime, pools) -> None:
    """What the gate costs per block: anomaly features from raw rows + the IsolationForest."""
    served, keys = runtime
    assert all(p.anomaly_score is not None for p in served.predict(keys[:pools],
                                                                   only=(IFOREST_POOL,)))
    _record(benchmark, f"ModelRuntime.predict, IsolationForest only, {pools} pool(s)",
            lambda: served.predict(keys[:pools], only=(IFOREST_POOL,)), ROUNDS[pools],
            GOALS_MS[pools])


@pytest.mark.parametrize("model", [LSTM_RETURN, CNN_PATTERN, IFOREST_POOL])
def test_hot_swap_cost(benchmark, setup, model) -> None:
    runtime = ModelRuntime(Registry(setup["root"]), models=[model])
    _record(benchmark, f"hot swap {model} (load + verify + warm-up)",
            lambda: runtime.swap(model), 10 if model == IFOREST_POOL else 30)
