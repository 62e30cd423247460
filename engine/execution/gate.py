"""The ML gate: the last say on a simulated, profitable opportunity before it is sent.

The ML runtime (engine/models) replaces ``admit`` (``Executor.gate``) with a
function that scores the opportunity and checks it for anomalies. Until then
every profitable, simulated opportunity passes.
"""

from __future__ import annotations

from dataclasses import dataclass

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
