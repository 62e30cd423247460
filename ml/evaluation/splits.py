"""Walk-forward splits over time (not over rows: several pools share a time).

The last ``holdout`` fraction of the distinct times is the hold-out, touched
once at the end. The rest is cut into ``folds + 1`` consecutive blocks; fold k
trains on blocks 0..k and tests on block k+1 (an expanding window). ``gap``
times are dropped between the end of training and the start of testing (and
before the hold-out), so no training target (which looks ``horizon`` rows
ahead) and no training window overlaps what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # row indices
    test: np.ndarray


def walk_forward(times: np.ndarray, *, folds: int = 4, gap: int = 40,
                 holdout: float = 0.15) -> tuple[list[Split], Split]:
    """(folds, final) where final trains on all pre-hold-out rows and tests on the hold-out."""
    distinct = np.unique(times)
    rank = np.searchsorted(distinct, times)  # time index of each row
    n = len(distinct)
    hold_start = int(n * (1 - holdout))
    if hold_start <= gap + folds + 1:
        raise ValueError(f"{n} distinct times are too few for {folds} folds with gap {gap}")
    bounds = np.linspace(0, hold_start, folds + 2).astype(int)
    splits = []
    for k in range(folds):
        train_end, test_start, test_end = bounds[k + 1] - gap, bounds[k + 1], bounds[k + 2]
        train = np.flatnonzero(rank < train_end)
        test = np.flatnonzero((rank >= test_start) & (rank < test_end))
        if len(train) and len(test):
            splits.append(Split(train, test))
    final = Split(np.flatnonzero(rank < hold_start - gap), np.flatnonzero(rank >= hold_start))
    return splits, final
