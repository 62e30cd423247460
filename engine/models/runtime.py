"""Serving: the registry's champion models on onnxruntime, batched across pools.

The engine feeds one call per block (``observe_block``) with the pools whose
state changed, and asks for predictions for many pools in one call
(``predict``). Each model runs once per ``predict`` call over all pools that
have enough history, with the features its own registered spec describes
(``engine.models.features``: the code training used).

Threads: onnxruntime sessions get one intra-op and one inter-op thread and
no spinning, so inference never starves the gRPC event loop of a core. A
``predict`` of 1000 pools takes a few milliseconds; call it through
``asyncio.to_thread`` from the event loop.

Hot swap: the loaded models live in one dict that is replaced whole
(copy-on-write). ``predict`` takes the reference once at its start, so a swap
never changes the models under a running request; the new session is built
and warmed up before the reference changes, and the old one is freed when
its last request returns. ``refresh()`` (or ``start_watcher``) follows the
registry's ``champion`` alias, which the online learner moves.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnxruntime as ort

from engine.models.features import (
    ANOMALY_FEATURES,
    RAW_COLUMNS,
    FeatureSpec,
    anomaly_features,
    check_anomaly_spec,
    compute_features,
)
from engine.models.registry import CHAMPION, ModelVersion, Registry, RegistryError

log = logging.getLogger(__name__)

LSTM_RETURN = "lstm_return"
CNN_PATTERN = "cnn_pattern"
IFOREST_POOL = "iforest_pool"
DEFAULT_MODELS = (LSTM_RETURN, CNN_PATTERN, IFOREST_POOL)

PoolKey = tuple[int, str]  # (chain_id, pool address)


@dataclass(frozen=True, slots=True)
class PoolObservation:
    """A pool's state after a block (only pools that changed need to be sent).

    ``price``: token1 per token0, decimals applied (``engine.core.state.mid_price``);
    ``liquidity``: sqrt(reserve0*reserve1) for V2 or L for V3, both divided by
    10**((decimals0+decimals1)/2) (NaN when unknown); ``swap_count`` and
    ``volume`` (token1 units) of the block; ``pair``: the canonical
    "SYMBOL0/SYMBOL1" shared by pools of the same pair on other DEXes.
    """

    chain_id: int
    pool: str
    pair: str
    price: float
    liquidity: float = math.nan
    swap_count: float = 0.0
    volume: float = 0.0


@dataclass(frozen=True, slots=True)
class PoolPrediction:
    chain_id: int
    pool: str
    block: int
    log_return: float | None = None  # predicted over the model's target horizon
    p_up: float | None = None
    pattern: str | None = None
    pattern_probs: Mapping[str, float] | None = None
    anomaly_score: float | None = None  # higher = more anomalous
    anomalous: bool = False
    versions: Mapping[str, str] = field(default_factory=dict)  # model -> version


@dataclass(frozen=True)
class LoadedModel:
    name: str
    version: str
    kind: str
    content_hash: str
    spec: FeatureSpec
    session: ort.InferenceSession
    input_name: str
    output_names: tuple[str, ...]
    manifest: dict[str, Any]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("io", {}).get("classes", ()))


def session_options() -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def load_model(version: ModelVersion) -> LoadedModel:
    """Verify, open and warm up one registry version (raises RegistryError / ValueError)."""
    version.verify()
    spec = FeatureSpec.from_json(version.spec_json)
    if version.kind == "anomaly":  # an IsolationForest fed older anomaly features is refused
        try:
            check_anomaly_spec(spec)
        except ValueError as e:
            raise RegistryError(f"{version.name} {version.version}: {e}") from None
    session = ort.InferenceSession(
        str(version.onnx_path), session_options(), providers=["CPUExecutionProvider"]
    )
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise RegistryError(f"{version.name} {version.version}: expected one input")
    model = LoadedModel(
        name=version.name, version=version.version, kind=version.kind,
        content_hash=version.content_hash, spec=spec, session=session,
        input_name=inputs[0].name, output_names=tuple(o.name for o in session.get_outputs()),
        manifest=version.manifest,
    )
    _run(model, _dummy_input(model))  # first run allocates; do it before serving
    return model


def _dummy_input(model: LoadedModel) -> np.ndarray:
    if model.kind == "anomaly":
        return np.zeros((1, len(ANOMALY_FEATURES)), dtype=np.float32)
    return np.zeros((1, model.spec.window, model.spec.n_features), dtype=np.float32)


def _run(model: LoadedModel, x: np.ndarray) -> list[np.ndarray]:
    return model.session.run(None, {model.input_name: x})  # type: ignore[no-any-return]


class _PoolHistory:
    """The last ``capacity`` raw rows of one pool (amortized O(1) append)."""

    __slots__ = ("capacity", "changed", "last", "n", "pair", "rows")

    def __init__(self, capacity: int, pair: str) -> None:
        self.capacity = capacity
        self.rows = np.empty((2 * capacity, len(RAW_COLUMNS)), dtype=np.float64)
        self.n = 0
        self.pair = pair
        self.last: np.ndarray | None = None  # the latest row (carried into quiet blocks)
        self.changed = False  # observed in the block being recorded

    def append(self, row: np.ndarray) -> None:
        if self.n == len(self.rows):
            keep = self.capacity - 1
            self.rows[:keep] = self.rows[self.n - keep:self.n]
            self.n = keep
        self.rows[self.n] = row
        self.n += 1
        self.last = row

    def tail(self, k: int) -> np.ndarray | None:
        return self.rows[self.n - k:self.n] if self.n >= k else None


class ModelRuntime:
    """The champion models of a registry, served to the engine."""

    def __init__(
        self,
        registry: Registry | str | None = None,
        *,
        models: Sequence[str] = DEFAULT_MODELS,
        alias: str = CHAMPION,
        anomaly_threshold: float | None = None,
        history_capacity: int = 256,
    ) -> None:
        self.registry = registry if isinstance(registry, Registry) else Registry(registry)
        self.alias = alias
        self.anomaly_threshold = anomaly_threshold  # None: the model's registered threshold
        self.history_capacity = history_capacity
        self.names = tuple(models)
        self._models: dict[str, LoadedModel] = {}
        self._stamps: dict[str, tuple[int, int]] = {}
        self._swap_lock = threading.Lock()
        self._history_lock = threading.Lock()
        self._pools: dict[PoolKey, _PoolHistory] = {}
        self._chains: dict[int, dict[str, Any]] = {}  # chain_id -> last block, gas
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        for name in models:
            try:
                self.swap(name, alias)
            except Exception as e:  # noqa: BLE001 - serve what loads; the rest is logged
                log.warning("model %s not served: %s", name, e)

    # --- models ------------------------------------------------------------------------

    @property
    def models(self) -> Mapping[str, LoadedModel]:
        return self._models

    def swap(self, name: str, ref: str | None = None) -> LoadedModel:
        """Load ``ref`` (alias or version; default the runtime's alias) and switch to it atomically."""
        ref = ref or self.alias
        stamp = self.registry.aliases_stamp(name)
        loaded = load_model(self.registry.get(name, ref))  # slow part, outside the lock
        with self._swap_lock:
            models = dict(self._models)
            models[name] = loaded
            self._models = models  # the atomic step: one reference assignment
            self._stamps[name] = stamp
        log.info("serving %s %s (%s)", name, loaded.version, loaded.content_hash[:12])
        return loaded

    def refresh(self) -> list[str]:
        """Swap in every model whose alias moved in the registry; returns the names swapped."""
        swapped = []
        for name in self.names:
            stamp = self.registry.aliases_stamp(name)
            if stamp == self._stamps.get(name):
                continue
            try:
                target = self.registry.aliases(name).get(self.alias)
                current = self._models.get(name)
                if target and (current is None or current.version != target):
                    self.swap(name)
                    swapped.append(name)
                else:
                    self._stamps[name] = stamp
            except Exception as e:  # noqa: BLE001 - any failure: keep serving the old model
                self._stamps[name] = stamp  # retried when the alias moves again, not every poll
                log.error("hot swap of %s failed, still serving the old version: %s", name, e)
        return swapped

    def rollback(self, name: str, reason: str = "") -> str:
        """Registry rollback (recorded) and an immediate swap to the restored champion."""
        version = self.registry.rollback(name, reason=reason)
        self.swap(name)
        return version

    def start_watcher(self, interval_s: float = 5.0) -> None:
        """Poll the registry's aliases in a daemon thread and hot-swap on change."""
        if self._watcher is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval_s):
                self.refresh()

        self._watcher = threading.Thread(target=loop, name="arbx-model-watcher", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None

    # --- data -------------------------------------------------------------------------

    def observe_block(
        self, chain_id: int, block: int, changes: Iterable[PoolObservation],
        gas_price_gwei: float = 0.0,
    ) -> None:
        """Record one block: a row for every pool of the chain (unchanged pools carried forward).

        Call once per block that changed anything, in block order. The cross-DEX
        reference price of a pool is the median of the latest prices of the
        other pools with the same ``pair``, as in training.
        """
        with self._history_lock:
            chain = self._chains.setdefault(chain_id, {"block": -1, "pools": []})
            if block <= chain["block"]:
                return  # replayed block (after a reorg the engine calls reset_chain first)
            chain["block"] = block
            for obs in changes:
                key = (chain_id, obs.pool.lower())
                history = self._pools.get(key)
                if history is None:
                    history = self._pools[key] = _PoolHistory(self.history_capacity, obs.pair)
                    chain["pools"].append(key)
                prev = history.last
                liquidity = obs.liquidity
                if not math.isfinite(liquidity) and prev is not None:
                    liquidity = prev[1]
                history.last = np.array([obs.price, liquidity, obs.swap_count, obs.volume,
                                         gas_price_gwei, math.nan])
                history.changed = True
            by_pair: dict[str, list[float]] = {}
            for key in chain["pools"]:
                h = self._pools[key]
                if h.last is not None:
                    by_pair.setdefault(h.pair, []).append(h.last[0])
            for key in chain["pools"]:
                h = self._pools[key]
                if h.last is None:
                    continue
                row = h.last.copy()
                if not h.changed:
                    row[2] = row[3] = 0.0  # no swaps in a block that did not touch the pool
                    row[4] = gas_price_gwei
                h.changed = False
                prices = by_pair[h.pair]
                others = list(prices)
                others.remove(row[0])
                row[5] = float(np.median(others)) if others else row[0]
                h.append(row)

    def reset_chain(self, chain_id: int) -> None:
        """Forget a chain's history (after a reorg deeper than what is kept, or a restart)."""
        with self._history_lock:
            for key in self._chains.pop(chain_id, {"pools": []})["pools"]:
                self._pools.pop(key, None)

    def observe_rows(self, key: PoolKey, raw_rows: np.ndarray, pair: str = "") -> None:
        """Load a pool's history directly as raw rows (RAW_COLUMNS order): warm start, tests."""
        with self._history_lock:
            history = self._pools.get(key)
            if history is None:
                history = self._pools[key] = _PoolHistory(self.history_capacity, pair)
                self._chains.setdefault(key[0], {"block": -1, "pools": []})["pools"].append(key)
            for row in np.asarray(raw_rows, dtype=np.float64):
                history.append(row.copy())

    # --- inference ----------------------------------------------------------------------

    def predict(self, pools: Sequence[PoolKey] | None = None, *,
                only: Sequence[str] | None = None) -> list[PoolPrediction]:
        """Every served model (or those named in ``only``) on every pool with enough history,
        one batch per model.

        Pools with too little history get a prediction with no fields set.
        """
        models = self._models  # one snapshot for the whole request (hot swap safe)
        if only is not None:
            models = {name: models[name] for name in only if name in models}
        keys = [(c, p.lower()) for c, p in pools] if pools is not None else list(self._pools)
        need = max((m.spec.history_rows for m in models.values()), default=1)
        with self._history_lock:
            tails = [self._pools[k].tail(need) if k in self._pools else None for k in keys]
            ready = [i for i, t in enumerate(tails) if t is not None]
            raw = np.stack([tails[i] for i in ready]) if ready else None
            blocks = {c: self._chains.get(c, {}).get("block", -1) for c, _ in keys}
        fields: list[dict[str, Any]] = [{} for _ in keys]
        versions = {name: m.version for name, m in models.items()}
        if raw is not None:
            features_cache: dict[str, np.ndarray] = {}
            for model in models.values():
                spec = model.spec
                rows = raw[:, -spec.history_rows:, :]
                if model.kind == "anomaly":  # its own inputs, of the last row only
                    self._apply(model, anomaly_features(rows, spec, last=1)[:, -1, :], ready,
                                fields)
                    continue
                digest = spec.digest()
                if digest not in features_cache:
                    features_cache[digest] = compute_features(rows, spec, last=spec.window)
                self._apply(model, features_cache[digest], ready, fields)
        return [
            PoolPrediction(chain_id=c, pool=p, block=blocks[c], versions=versions, **fields[i])
            for i, (c, p) in enumerate(keys)
        ]

    def _apply(self, model: LoadedModel, features: np.ndarray, ready: list[int],
               fields: list[dict[str, Any]]) -> None:
        """``features``: (pools, window, F) feature rows, or (pools, A) anomaly inputs."""
        spec = model.spec
        if model.kind == "anomaly":
            x = np.nan_to_num(features, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
            scores = -_run(model, x)[model.output_names.index("scores")][:, 0]
            threshold = (self.anomaly_threshold if self.anomaly_threshold is not None
                         else float(model.manifest.get("io", {}).get("threshold", 0.0)))
            for j, i in enumerate(ready):
                fields[i]["anomaly_score"] = float(scores[j])
                fields[i]["anomalous"] = bool(scores[j] > threshold)
            return
        x = np.ascontiguousarray(features[:, -spec.window:, :], dtype=np.float32)
        outputs = dict(zip(model.output_names, _run(model, x), strict=True))
        if model.kind == "return_direction":
            for j, i in enumerate(ready):
                fields[i]["log_return"] = float(outputs["log_return"][j, 0])
                fields[i]["p_up"] = float(outputs["p_up"][j, 0])
        elif model.kind == "pattern":
            probs = outputs["probs"]
            classes = model.classes or tuple(str(k) for k in range(probs.shape[1]))
            best = probs.argmax(axis=1)
            for j, i in enumerate(ready):
                fields[i]["pattern"] = classes[int(best[j])]
                fields[i]["pattern_probs"] = dict(zip(classes, map(float, probs[j]), strict=True))


def timed_swap(runtime: ModelRuntime, name: str, ref: str | None = None) -> float:
    """Seconds a swap takes (load, verify, warm-up): what a hot swap costs, for benches."""
    start = time.perf_counter()
    runtime.swap(name, ref)
    return time.perf_counter() - start
