"""Execution: opportunities become ArbExecutor transactions, simulated, signed, sent,
tracked and recorded in trades.db (see executor.py for the order of a trade)."""

from engine.execution.executor import Executor, SimulationReport, build_executor
from engine.execution.gate import GateDecision
from engine.execution.risk import Mode, RiskLimits

__all__ = ["Executor", "GateDecision", "Mode", "RiskLimits", "SimulationReport", "build_executor"]
