"""The engine's side of the models: feed ``ModelRuntime`` from applied blocks, serve predictions.

``EngineModels`` is an ``engine.core.engine.BlockObserver``: after each applied
block it sends ``observe_block`` the observations (``engine.models.observe``)
of the pools the block touched, plus, once, every other pool of the chain (so
quiet pools get a history too: the runtime carries them forward); a rollback
resets the chain's history (``reset_chain``), rebuilt from the next block on.

Duck-typed on the engine core (BlockUpdate, PoolState, MarketView) so that
this package keeps importing neither the core nor torch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from engine.models.observe import observation
from engine.models.runtime import IFOREST_POOL, ModelRuntime, PoolPrediction

log = logging.getLogger(__name__)


class EngineModels:
    """A ``ModelRuntime`` fed by the engine; ``predict`` for the API and the execution gate."""

    def __init__(self, runtime: ModelRuntime, *, skip_anomalous: bool = True) -> None:
        self.runtime = runtime
        self.skip_anomalous = skip_anomalous
        self._known: dict[int, set[str]] = {}  # chain -> pools the runtime has a history of
        self._updated: dict[int, asyncio.Event] = {}  # chain -> set at its next block / rollback

    # --- the engine's feed (BlockObserver) ----------------------------------------------

    def on_block(self, block: Any, pools: Sequence[Any], before: Any, after: Any) -> None:
        chain_id = block.chain_id
        known = self._known.setdefault(chain_id, set())
        changes = []
        for pool in pools:
            previous = before.pools.get((chain_id, pool.address))
            changes.append(observation(pool, previous, after.tokens))
            known.add(pool.address)
        for (c, address), pool in after.pools.items():
            if c == chain_id and address not in known:  # first sight: start its history
                changes.append(observation(pool, None, after.tokens))
                known.add(address)
        gas_wei = block.gas_price_wei
        if gas_wei is None:
            gas_wei = after.gas_price_wei.get(chain_id, 0)
        self.runtime.observe_block(chain_id, block.number, changes,
                                   gas_price_gwei=float(gas_wei) / 1e9)
        self._notify(chain_id)

    def on_rollback(self, chain_id: int, to_number: int) -> None:
        self.runtime.reset_chain(chain_id)
        self._known.pop(chain_id, None)
        self._notify(chain_id)

    # --- queries ---------------------------------------------------------------------

    def predict(self, chain_id: int, pools: Sequence[str]) -> list[PoolPrediction]:
        return self.runtime.predict([(chain_id, p) for p in pools])

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
    return EngineModels(runtime, skip_anomalous=config.skip_anomalous)
