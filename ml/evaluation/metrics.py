"""Scores: classification (accuracy, MCC, AUC), regression (information
coefficient) and a cost-aware backtest of the return forecasts."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef, roc_auc_score


def direction_metrics(y: np.ndarray, p_up: np.ndarray) -> dict[str, float]:
    pred = (p_up > 0.5).astype(int)
    out = {"accuracy": float(accuracy_score(y, pred)), "mcc": float(matthews_corrcoef(y, pred))}
    out["auc"] = float(roc_auc_score(y, p_up)) if len(np.unique(y)) == 2 else math.nan
    return out


def information_coefficient(y_return: np.ndarray, predicted: np.ndarray) -> float:
    """Spearman rank correlation of forecast and realized return (NaN if a side is constant)."""
    if np.std(predicted) == 0 or np.std(y_return) == 0:
        return math.nan
    return float(spearmanr(predicted, y_return).statistic)


def pattern_metrics(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    pred = probs.argmax(axis=1)
    return {"accuracy": float(accuracy_score(y, pred)), "mcc": float(matthews_corrcoef(y, pred)),
            "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0))}


def backtest(y_return: np.ndarray, signal: np.ndarray, pool_index: np.ndarray, *,
             horizon: int, cost: float) -> dict[str, float]:
    """Trade each pool on ``sign(signal)``, holding ``horizon`` rows, non-overlapping.

    Every ``horizon``-th row per pool (rows in time order) is a decision; a
    position change costs ``cost`` (fraction, e.g. 0.003 for a 30 bps fee) per
    unit turned over. Returns the summed log return net of costs, per-decision
    mean and the hit rate; also what always-long earned over the same rows.
    """
    net, gross, long_only, hits, decisions = 0.0, 0.0, 0.0, 0, 0
    for pool in np.unique(pool_index):
        rows = np.flatnonzero(pool_index == pool)[::horizon]
        position = np.sign(signal[rows])
        realized = y_return[rows]
        turnover = np.abs(np.diff(np.concatenate([[0.0], position])))
        gross += float((position * realized).sum())
        net += float((position * realized).sum() - cost * turnover.sum())
        long_only += float(realized.sum() - cost)
        hits += int(((position * realized) > 0).sum())
        decisions += len(rows)
    return {"net_log_return": net, "gross_log_return": gross, "long_only_log_return": long_only,
            "decisions": decisions, "hit_rate": hits / max(decisions, 1),
            "net_per_decision_bps": 1e4 * net / max(decisions, 1)}
