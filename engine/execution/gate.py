"""The ML gate: the last say on a simulated, profitable opportunity before it is sent.

Without models (``models.enabled`` false) every profitable, simulated
opportunity passes (``admit``). With models, ``ModelGate`` (``Executor.gate``)
asks the runtime for the route's pools and skips the opportunity when one of
them is anomalous (IsolationForest score above the threshold); the decision
and the scores go into the trade's reason and status history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import engine_rs
from engine.execution.sender import Simulation


@dataclass(frozen=True, slots=True)
class GateDecision:
    passed: bool
    reason: str = ""
    score: float | None = None


def admit(opportunity: engine_rs.Opportunity, simulation: Simulation) -> GateDecision:
    """No model wired: the simulation already proved the trade profitable."""
    return GateDecision(True, "no model wired")


class ModelGate:
    """Skips an opportunity through a pool the models flag as anomalous.

    ``predict(chain_id, pools)`` returns one ``engine.models.PoolPrediction``
    per pool (``EngineModels.predict``). A pool with too little history has no
    score and does not block the trade (the reason says so).
    """

    def __init__(self, predict: Callable[[int, Sequence[str]], Sequence[Any]],
                 threshold: Callable[[], float | None] = lambda: None,
                 *, skip_anomalous: bool = True) -> None:
        self.predict = predict
        self.threshold = threshold
        self.skip_anomalous = skip_anomalous

    def __call__(self, opportunity: engine_rs.Opportunity, simulation: Simulation) -> GateDecision:
        predictions = self.predict(opportunity.chain_id, list(opportunity.pools))
        scored = [p for p in predictions if p.anomaly_score is not None]
        score = max((p.anomaly_score for p in scored), default=None)
        threshold = self.threshold()
        limit = f" > {threshold:.4f}" if threshold is not None else ""
        scores = ", ".join(
            f"{p.pool} {p.anomaly_score:.4f}" if p.anomaly_score is not None else f"{p.pool} n/a"
            for p in predictions
        )
        anomalous = [p for p in predictions if p.anomalous]
        if anomalous and self.skip_anomalous:
            pools = ", ".join(p.pool for p in anomalous)
            return GateDecision(False, f"anomalous pool {pools} (anomaly score{limit}); "
                                       f"scores: {scores}", score)
        if anomalous:
            return GateDecision(True, f"models: anomalous pool not skipped (skip_anomalous off); "
                                      f"scores: {scores}", score)
        if len(scored) < len(predictions):
            return GateDecision(True, f"models: no anomaly (too little history for some pools); "
                                      f"scores: {scores}", score)
        return GateDecision(True, f"models: no anomaly; scores: {scores}", score)
