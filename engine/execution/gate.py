"""The strategy's model decision: one verdict per opportunity, published and enforced.

Without models (``models.enabled`` false) every profitable, simulated
opportunity passes (``admit``) and opportunities carry no verdict. With
models, ``ModelGate`` decides from the IsolationForest's per-pool scores
(``EngineModels.anomaly``: computed once per block and pool): an opportunity
through a pool scoring above the threshold is anomalous, and skipped when
``models.skip_anomalous`` is on. The same object serves

- the engine (``Engine.scorer``): ``assess`` gives each published opportunity
  its ``ModelVerdict`` (score, anomalous, decision, reason), which the stream
  carries and arbitrage.db stores with the opportunity;
- the executor (``Executor.gate``): its last say on a simulated trade is that
  verdict, from the same cached scores, so what the stream says is what
  execution does; a skip goes into the trade's reason and status history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import engine_rs
from engine.core.events import PASS, SKIP, ModelVerdict
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

    ``anomaly(chain_id, pools)`` returns one ``engine.models.PoolPrediction``
    per pool (``EngineModels.anomaly``). A pool with too little history has no
    score and does not block the trade (the reason says so).
    """

    def __init__(self, anomaly: Callable[[int, Sequence[str]], Sequence[Any]],
                 threshold: Callable[[], float | None] = lambda: None,
                 *, skip_anomalous: bool = True) -> None:
        self.anomaly = anomaly
        self.threshold = threshold
        self.skip_anomalous = skip_anomalous

    def assess(self, chain_id: int,
               opportunities: Sequence[engine_rs.Opportunity]) -> list[ModelVerdict]:
        """The verdict on each opportunity of one chain (one batch for all their pools)."""
        pools = list(dict.fromkeys(p for o in opportunities for p in o.pools))
        by_pool = dict(zip(pools, self.anomaly(chain_id, pools), strict=True))
        threshold = self.threshold()
        return [self._verdict([by_pool[p] for p in o.pools], threshold) for o in opportunities]

    def verdict(self, opportunity: engine_rs.Opportunity) -> ModelVerdict:
        return self.assess(opportunity.chain_id, [opportunity])[0]

    def __call__(self, opportunity: engine_rs.Opportunity, simulation: Simulation) -> GateDecision:
        verdict = self.verdict(opportunity)
        return GateDecision(verdict.decision != SKIP, verdict.reason, verdict.score)

    def _verdict(self, predictions: Sequence[Any], threshold: float | None) -> ModelVerdict:
        scored = [p.anomaly_score for p in predictions if p.anomaly_score is not None]
        score = max(scored, default=None)
        limit = f" > {threshold:.4f}" if threshold is not None else ""
        scores = ", ".join(
            f"{p.pool} {p.anomaly_score:.4f}" if p.anomaly_score is not None else f"{p.pool} n/a"
            for p in predictions
        )
        anomalous = [p.pool for p in predictions if p.anomalous]
        if anomalous and self.skip_anomalous:
            return ModelVerdict(SKIP, f"anomalous pool {', '.join(anomalous)} (anomaly score"
                                      f"{limit}); scores: {scores}", score, True)
        if anomalous:
            return ModelVerdict(PASS, f"models: anomalous pool not skipped (skip_anomalous off); "
                                      f"scores: {scores}", score, True)
        if len(scored) < len(predictions):
            return ModelVerdict(PASS, f"models: no anomaly (too little history for some pools); "
                                      f"scores: {scores}", score)
        return ModelVerdict(PASS, f"models: no anomaly; scores: {scores}", score)
