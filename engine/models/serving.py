"""The engine's side of the models: feed ``ModelRuntime`` from applied blocks, serve predictions.

``EngineModels`` is an ``engine.core.engine.BlockObserver``: after each applied
block it sends ``observe_block`` the observations (``engine.models.observe``)
of the pools the block touched (their ``engine_rs.PoolView`` after and before
the block), plus, once, every other pool of the chain read from the market (so
quiet pools get a history too: the runtime carries them forward); a rollback
resets the chain's history (``reset_chain``), rebuilt from the next block on.
``anomaly`` gives the strategy (engine/execution/gate.py) the IsolationForest's
scores of the chain's last block, each pool scored once per block.

Duck-typed on the engine core (BlockUpdate, MarketView, engine_rs.Market) so
that this package keeps importing neither the core nor torch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from engine.models.observe import observation
from engine.models.runtime import IFOREST_POOL, ModelRuntime, PoolPrediction

log = logging.getLogger(__name__)


class EngineModels:
    """A ``ModelRuntime`` fed by the engine; ``predict`` for the API, ``anomaly`` for the
    strategy (engine/execution/gate.py)."""

    def __init__(self, runtime: ModelRuntime) -> None:
        self.runtime = runtime
        self._known: dict[int, set[str]] = {}  # chain -> pools the runtime has a history of
        self._updated: dict[int, asyncio.Event] = {}  # chain -> set at its next block / rollback
        # chain -> the models it was computed with, and the anomaly predictions of its last
        # observed block by pool (cleared at every block and rollback of the chain)
        self._anomaly: dict[int, tuple[Mapping[str, Any], dict[str, PoolPrediction]]] = {}

    # --- the engine's feed (BlockObserver) ----------------------------------------------

    def on_block(self, block: Any, pools: Sequence[Any], previous: Sequence[Any], after: Any,
                 market: Any) -> None:
        chain_id = block.chain_id
        known = self._known.setdefault(chain_id, set())
        changes = []
        for pool, before in zip(pools, previous, strict=True):
            changes.append(observation(pool, before, after.tokens))
            known.add(pool.address)
        for c, address in after.pools:
            if c == chain_id and address not in known:  # first sight: start its history
                changes.append(observation(market.pool(c, address), None, after.tokens))
                known.add(address)
        gas_wei = block.gas_price_wei
        if gas_wei is None:
            gas_wei = after.gas_price_wei.get(chain_id, 0)
        self.runtime.observe_block(chain_id, block.number, changes,
                                   gas_price_gwei=float(gas_wei) / 1e9)
        self._anomaly.pop(chain_id, None)
        self._notify(chain_id)

    def on_rollback(self, chain_id: int, to_number: int) -> None:
        self.runtime.reset_chain(chain_id)
        self._known.pop(chain_id, None)
        self._anomaly.pop(chain_id, None)
        self._notify(chain_id)

    # --- queries ---------------------------------------------------------------------

    def predict(self, chain_id: int, pools: Sequence[str]) -> list[PoolPrediction]:
        return self.runtime.predict([(chain_id, p) for p in pools])

    def anomaly(self, chain_id: int, pools: Sequence[str]) -> list[PoolPrediction]:
        """The IsolationForest's predictions for ``pools`` at the chain's last observed block.

        Each pool is scored once per block (and again after a hot swap): the
        opportunities a block publishes and the trades the executor then gates
        share the same numbers, and a pool in many routes costs one inference.
        Event loop thread only (the engine and the executor call it there).
        """
        models = self.runtime.models
        cached = self._anomaly.get(chain_id)
        if cached is None or cached[0] is not models:
            cached = self._anomaly[chain_id] = (models, {})
        scores = cached[1]
        missing = list(dict.fromkeys(p.lower() for p in pools if p.lower() not in scores))
        if missing:
            for prediction in self.runtime.predict([(chain_id, p) for p in missing],
                                                   only=(IFOREST_POOL,)):
                scores[prediction.pool] = prediction
        return [scores[p.lower()] for p in pools]

    @property
    def anomaly_threshold(self) -> float | None:
        """The threshold in force: the configured one, else the served IsolationForest's."""
        if self.runtime.anomaly_threshold is not None:
            return self.runtime.anomaly_threshold
        model = self.runtime.models.get(IFOREST_POOL)
        if model is None:
            return None
        return float(model.manifest.get("io", {}).get("threshold", 0.0))

    def versions(self) -> dict[str, str]:
        return {name: m.version for name, m in self.runtime.models.items()}

    # --- for StreamPredictions ---------------------------------------------------------

    def _notify(self, chain_id: int) -> None:
        event = self._updated.pop(chain_id, None)
        if event is not None:
            event.set()

    def updated(self, chain_id: int) -> asyncio.Event:
        """An event set after the chain's next observed block or rollback (event loop thread only)."""
        event = self._updated.get(chain_id)
        if event is None:
            event = self._updated[chain_id] = asyncio.Event()
        return event

    def start(self, watch_interval_s: float) -> None:
        self.runtime.start_watcher(watch_interval_s)

    def close(self) -> None:
        self.runtime.close()


def build(config: Any) -> EngineModels | None:
    """``EngineModels`` for a ``ModelsConfig``; None when the models are disabled."""
    if not config.enabled:
        return None
    runtime = ModelRuntime(str(config.registry), anomaly_threshold=config.anomaly_threshold)
    if not runtime.models:
        log.warning("models enabled but none loaded from %s", config.registry)
    return EngineModels(runtime)
