"""IsolationForest over pool event features (engine.models.features.ANOMALY_FEATURES)."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest


def fit_iforest(inputs: np.ndarray, *, n_estimators: int = 50, seed: int = 0,
                max_samples: int = 4096) -> IsolationForest:
    """Fit on (mostly normal) history.

    The engine reads ``scores`` (sklearn's decision_function) and flags a pool
    when the anomaly score ``-scores`` exceeds the threshold registered with the
    model (``anomaly_threshold``) or the one the engine's config sets.

    Trees see up to ``max_samples`` rows (not sklearn's 256): the rare events of
    the history (a liquidity pull, a manipulated price) must be in most trees'
    samples. A tree cannot isolate a value beyond the range it was grown on any
    faster than the most extreme value it saw, so a forest grown only on calm
    history scores a first-ever 90 % liquidity pull as barely unusual; train on
    history that contains such events. The converse holds for ordinary large
    events: a forest that never saw a 2 % one-pool move or a V3 pool's price
    leaving its ranges flags every one of them (the synthetic market has both).
    """
    x = np.nan_to_num(inputs.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    model = IsolationForest(n_estimators=n_estimators, max_samples=min(max_samples, len(x)),
                            contamination="auto", random_state=seed, n_jobs=1)
    return model.fit(x)


def anomaly_threshold(model: IsolationForest, inputs: np.ndarray, flag_rate: float = 0.005) -> float:
    """The anomaly score (-decision_function) above which ``flag_rate`` of ``inputs`` lie.

    Fit on the training rows: on history that is mostly normal, a pool is
    flagged when it looks stranger than all but ``flag_rate`` of it.
    """
    x = np.nan_to_num(inputs.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    return float(np.quantile(-model.decision_function(x), 1.0 - flag_rate))
